// Session recordings for admins and the helpdesk (contract/api/recordings.ts): the catalogue with
// names filled in, the seek index of VNC recordings, the part files for the player (HTTP Range by
// express's sendFile, the part's SHA-256 in a header), downloads, and deletion (admin). Watching and
// downloading are audited; see the route docs for when `recording.watched` is written.
import { Router, type Response } from 'express';
import {
  PartDownloadQuery,
  RECORDING_SHA256_HEADER,
  RecordingListQuery,
  type RecordingIndex,
  type RecordingList,
  type RecordingView,
} from '../../../contract/api/recordings.ts';
import type { Audit } from '../../audit.ts';
import { conflict, notFound } from '../../errors.ts';
import { partPath, sizeOf } from '../../recording/files.ts';
import { scanPart } from '../../recording/reader.ts';
import type { createRetention } from '../../recording/retention.ts';
import type { Recording } from '../../store/recording-types.ts';
import type { Store } from '../../store/types.ts';
import { actorOf } from '../actor.ts';
import { principalOf, requireRole } from '../auth-middleware.ts';
import { parse } from '../validate.ts';
import { z } from 'zod';

export interface RecordingRoutesDeps {
  store: Store;
  audit: Audit;
  dir: string;
  retention: Pick<ReturnType<typeof createRetention>, 'remove'>;
  now?: () => number;
}

const RecId = z.string().regex(/^rec-[0-9a-f]{18}$/, 'not a recording id');
const PartNo = z.coerce.number().int().min(0).max(99_999);
const WATCH_AGAIN_MS = 10 * 60_000;
const MAX_WATCH_MARKS = 10_000;
const MAX_CACHED_INDEXES = 200;
const iso = (t: number) => new Date(t).toISOString();

export function createRecordingsRouter(deps: RecordingRoutesDeps): Router {
  const { store, audit, dir } = deps;
  const now = deps.now ?? Date.now;
  const r = Router();
  const staff = requireRole('helpdesk');
  const watched = new Map<string, number>();
  const indexes = new Map<string, RecordingIndex>();

  const load = async (raw: unknown): Promise<Recording> => {
    const rec = await store.getRecording(parse(RecId, raw, 'recording id'));
    if (!rec) throw notFound('recording');
    return rec;
  };

  const view = async (rec: Recording, names: Map<string, string | undefined>): Promise<RecordingView> => {
    const name = async (key: string, get: () => Promise<string | undefined>) => {
      if (!names.has(key)) names.set(key, await get());
      return names.get(key);
    };
    const userName = await name(`u:${rec.userId}`, async () => (await store.getUser(rec.userId))?.username);
    const poolName = rec.poolId ? await name(`p:${rec.poolId}`, async () => (await store.getPool(rec.poolId!))?.name) : undefined;
    const machineName = rec.machineId
      ? await name(`m:${rec.machineId}`, async () => (await store.getMachine(rec.machineId!))?.name)
      : undefined;
    return {
      id: rec.id,
      sessionId: rec.sessionId,
      userId: rec.userId,
      ...(userName ? { userName } : {}),
      ...(rec.poolId ? { poolId: rec.poolId } : {}),
      ...(poolName ? { poolName } : {}),
      ...(rec.machineId ? { machineId: rec.machineId } : {}),
      ...(machineName ? { machineName } : {}),
      ...(rec.hostId ? { hostId: rec.hostId } : {}),
      kind: rec.kind,
      trigger: rec.trigger,
      state: rec.state,
      startedAt: iso(rec.startedAt),
      ...(rec.endedAt ? { endedAt: iso(rec.endedAt) } : {}),
      durationMs: rec.durationMs ?? Math.max(0, now() - rec.startedAt),
      bytes: rec.bytes,
      parts: rec.parts.map((p, n) => ({ n, bytes: p.bytes, ...(p.sha256 ? { sha256: p.sha256 } : {}) })),
      ...(rec.expiresAt ? { expiresAt: iso(rec.expiresAt) } : {}),
      ...(rec.error ? { error: rec.error } : {}),
    };
  };

  /** The part's path, or 404: listed parts of a finished recording, existing files of one being written. */
  const partFile = async (rec: Recording, n: number): Promise<string> => {
    if (rec.kind === 'guac' && n > 0) throw notFound('recording part');
    if (rec.state !== 'recording' && n >= rec.parts.length) throw notFound('recording part');
    const path = partPath(dir, rec, n);
    if ((await sizeOf(path)) === null) throw notFound('recording part');
    return path;
  };

  const sendPart = (res: Response, path: string, rec: Recording, n: number, attachment: boolean) =>
    new Promise<void>((resolve, reject) => {
      const sha = rec.parts[n]?.sha256;
      const name = path.slice(path.lastIndexOf('/') + 1);
      res.sendFile(
        path,
        {
          acceptRanges: true,
          cacheControl: false,
          dotfiles: 'deny',
          headers: {
            'Content-Type': 'application/octet-stream',
            'Cache-Control': 'private, no-store',
            ...(sha ? { [RECORDING_SHA256_HEADER]: sha } : {}),
            ...(attachment ? { 'Content-Disposition': `attachment; filename="${name}"` } : {}),
          },
        },
        (err) => (err && !res.headersSent ? reject(notFound('recording part')) : resolve()),
      );
    });

  r.get('/recordings', staff, async (req, res) => {
    const q = parse(RecordingListQuery, req.query, 'query');
    const limit = q.limit ? Math.min(500, Math.max(1, Number(q.limit))) : 100;
    const list = await store.listRecordings({
      limit: limit + 1,
      ...(q.user ? { userId: q.user } : {}),
      ...(q.pool ? { poolId: q.pool } : {}),
      ...(q.machine ? { machineId: q.machine } : {}),
      ...(q.host ? { hostId: q.host } : {}),
      ...(q.from ? { from: Date.parse(q.from) } : {}),
      ...(q.to ? { to: Date.parse(q.to) } : {}),
      ...(q.before ? { before: Date.parse(q.before) } : {}),
    });
    const names = new Map<string, string | undefined>();
    const page = list.slice(0, limit);
    const body: RecordingList = { items: await Promise.all(page.map((x) => view(x, names))) };
    if (list.length > limit) body.nextBefore = iso(page.at(-1)!.startedAt);
    res.json(body);
  });

  r.get('/recordings/:id', staff, async (req, res) => {
    res.json(await view(await load(req.params.id), new Map()));
  });

  r.get('/recordings/:id/index', staff, async (req, res) => {
    const rec = await load(req.params.id);
    if (rec.kind !== 'rfb') throw conflict('not_indexed', 'RDP and SSH recordings (.guac) have no seek index; the player reads the file.');
    const cached = indexes.get(rec.id);
    if (cached) return void res.json(cached);
    const index: RecordingIndex = { recordingId: rec.id, kind: 'rfb', durationMs: 0, parts: [], segments: [] };
    let t0: number | null = null;
    for (let n = 0; ; n++) {
      if (rec.state !== 'recording' && n >= rec.parts.length) break;
      const path = partPath(dir, rec, n);
      if ((await sizeOf(path)) === null) break;
      const scan = await scanPart(path).catch(() => null);
      if (!scan) break;
      t0 ??= scan.header.startedAt;
      const startT = scan.header.startedAt - t0;
      index.parts.push({ n, startT, durationMs: scan.lastT, bytes: scan.readableBytes, complete: scan.endReason !== null });
      for (const s of scan.segments)
        index.segments.push({ part: n, offset: s.offset, t: startT + s.t, partT: s.t, width: s.width, height: s.height });
      index.durationMs = Math.max(index.durationMs, startT + scan.lastT);
    }
    if (rec.state !== 'recording') {
      if (indexes.size >= MAX_CACHED_INDEXES) indexes.delete(indexes.keys().next().value!);
      indexes.set(rec.id, index);
    }
    res.json(index);
  });

  r.get('/recordings/:id/parts/:n', staff, async (req, res) => {
    const rec = await load(req.params.id);
    const n = parse(PartNo, req.params.n, 'part number');
    const path = await partFile(rec, n);
    const { user } = principalOf(res);
    const key = `${user.id}:${rec.id}`;
    const last = watched.get(key);
    if (last === undefined || now() - last >= WATCH_AGAIN_MS) {
      if (watched.size >= MAX_WATCH_MARKS) watched.delete(watched.keys().next().value!);
      watched.delete(key);
      watched.set(key, now());
      const a = actorOf(req, res);
      await audit.record({
        actor: user.username,
        action: 'recording.watched',
        target: rec.id,
        result: 'ok',
        ip: a.ip,
        details: { sessionId: rec.sessionId, part: n },
      });
    }
    await sendPart(res, path, rec, n, false);
  });

  r.get('/recordings/:id/download', staff, async (req, res) => {
    const rec = await load(req.params.id);
    const q = parse(PartDownloadQuery, req.query, 'query');
    const n = q.part ? Number(q.part) : 0;
    const path = await partFile(rec, n);
    const a = actorOf(req, res);
    await audit.record({
      actor: a.user.username,
      action: 'recording.downloaded',
      target: rec.id,
      result: 'ok',
      ip: a.ip,
      details: { sessionId: rec.sessionId, part: n, sha256: rec.parts[n]?.sha256 ?? null },
    });
    await sendPart(res, path, rec, n, true);
  });

  r.delete('/recordings/:id', requireRole('admin'), async (req, res) => {
    const rec = await load(req.params.id);
    if (rec.state === 'recording')
      throw conflict('recording_active', 'This recording is still being made; delete it after the session or shadow has ended.');
    indexes.delete(rec.id);
    const a = actorOf(req, res);
    await deps.retention.remove(rec, a.user.username, a.ip);
    res.status(204).end();
  });

  return r;
}
