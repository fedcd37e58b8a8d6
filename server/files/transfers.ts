// File transfers of sessions on desktops Deskport runs: the gateway checks who and what (access.ts),
// asks the desktop's agent for a dial-back stream and pipes the HTTP body through it with
// backpressure, hashing on the way (SHA-256), never holding a whole file. Every transfer is audited.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import { decodeFileStreamFrame, filesListResultSchema, type FileStreamFrame } from '../../contract/agent-v1-files.ts';
import type { FileListAnswer, FileStored } from '../../contract/api/files.ts';
import type { SessionPolicy } from '../../contract/api/policy.ts';
import { asciiFallbackName } from '../../contract/file-paths.ts';
import type { Audit } from '../audit.ts';
import { HttpError } from '../http/errors.ts';
import type { AgentHub } from '../hub/agent-hub.ts';
import type { Logger } from '../log.ts';
import type { Session, Store, User } from '../store/types.ts';
import { closeWs, toBuffer } from '../util/ws.ts';
import { fileTarget, httpOfAgent, maxBytesOf, type FileAction, type FileTarget } from './access.ts';

const HIGH_WATER = 1024 * 1024;
const DOWNLOADS = 'Downloads';

export interface FileTransfersOptions {
  store: Store;
  hub: Pick<AgentHub, 'connection' | 'fileStream'>;
  audit: Audit;
  log: Logger;
  /** The session's policy (server/broker/policy.ts); DEFAULT_SESSION_POLICY when absent. */
  policyOf?: (s: Session) => Promise<SessionPolicy>;
  /** Transfers one session may run at once. */
  maxPerSession?: number;
  /** An upload body that sends nothing for this long is cut off (408). */
  stallMs?: number;
}

export interface Actor {
  user: User;
  ip: string | null;
}

export type FileTransfers = ReturnType<typeof createFileTransfers>;

export function createFileTransfers(o: FileTransfersOptions) {
  const running = new Map<string, number>();
  const maxPerSession = o.maxPerSession ?? 4;
  const stallMs = o.stallMs ?? 30_000;

  async function target(a: Actor, sessionId: string, action: FileAction): Promise<FileTarget> {
    const t = await fileTarget(o, a.user, sessionId, action);
    if (!o.hub.connection(t.desktop.hostId))
      throw new HttpError(503, 'host_unreachable', 'The desktop’s host is not connected; try again shortly.');
    return t;
  }

  /** Counts a transfer of the session; the returned function ends it (safe to call twice). */
  function slot(sessionId: string): () => void {
    const n = running.get(sessionId) ?? 0;
    if (n >= maxPerSession)
      throw new HttpError(429, 'too_many_transfers', `At most ${maxPerSession} transfers run at once per desktop; wait for one to finish.`);
    running.set(sessionId, n + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (running.get(sessionId) ?? 1) - 1;
      if (left > 0) running.set(sessionId, left);
      else running.delete(sessionId);
    };
  }

  const audit = (
    a: Actor,
    action: 'file.upload' | 'file.download',
    t: FileTarget,
    result: 'ok' | 'failed',
    details: Record<string, unknown>,
  ) => o.audit.record({ actor: a.user.username, action, target: t.session.id, result, ip: a.ip, details });

  async function listRaw(t: FileTarget, path: string) {
    const conn = o.hub.connection(t.desktop.hostId);
    if (!conn) throw new HttpError(503, 'host_unreachable', 'The desktop’s host is not connected; try again shortly.');
    const raw = await conn.request({ type: 'files.list', desktopId: t.desktop.id, path }, 15_000).catch((err: unknown) => {
      throw httpOfAgent(err);
    });
    const r = filesListResultSchema.safeParse(raw);
    if (!r.success) throw new HttpError(502, 'file_error', 'The desktop’s host answered the listing in a form this gateway does not know.');
    return r.data;
  }

  return {
    /**
     * The checks a download would make, before the browser is sent off to it (a browser's own
     * download shows an error answer only as "failed"): the policy, and that `path` is a file within
     * the size cap. Resolves its size (-1 when a folder of over 1000 entries hides it from the listing).
     */
    async checkDownload(a: Actor, sessionId: string, path: string): Promise<{ name: string; size: number }> {
      const t = await target(a, sessionId, 'download');
      const parts = path.split('/');
      const name = parts.pop() ?? '';
      const r = await listRaw(t, parts.join('/'));
      const e = r.entries.find((x) => x.name === name);
      if (!e && r.truncated) return { name, size: -1 };
      if (!e) throw new HttpError(404, 'not_found', `“${path}” is not there any more; refresh the folder.`);
      if (e.kind !== 'file') throw new HttpError(409, 'not_a_file', `“${path}” is a folder; open it and download the files inside.`);
      if (e.size > maxBytesOf(t.policy)) throw tooLarge(e.size, t.policy);
      return { name, size: e.size };
    },

    async list(a: Actor, sessionId: string, path: string): Promise<FileListAnswer> {
      const t = await target(a, sessionId, 'list');
      const r = await listRaw(t, path);
      return {
        path,
        ...r,
        // Listed (empty) even before the first upload makes it: the agent creates it then.
        startPath: DOWNLOADS,
        policy: { upload: t.policy.fileUpload, download: t.policy.fileDownload, maxBytes: maxBytesOf(t.policy) },
      };
    },

    /** Streams `body` (exactly `size` bytes, Content-Length) into folder `path` as `name`. */
    async upload(a: Actor, sessionId: string, q: { path: string; name: string; size: number }, body: Readable): Promise<FileStored> {
      const t = await target(a, sessionId, 'upload');
      const max = maxBytesOf(t.policy);
      if (q.size > max) throw tooLarge(q.size, t.policy);
      const end = slot(sessionId);
      const details = { path: q.path, name: q.name, size: q.size };
      try {
        const ws = await o.hub
          .fileStream(t.desktop.hostId, {
            type: 'files.receive',
            desktopId: t.desktop.id,
            path: q.path,
            name: q.name,
            size: q.size,
            maxBytes: max,
          })
          .catch((err: unknown) => Promise.reject(httpOfAgent(err)));
        const r = await pump(ws, body, q.size, stallMs);
        await audit(a, 'file.upload', t, 'ok', { ...details, name: r.name, requestedName: q.name, sha256: r.sha256 });
        return r;
      } catch (err) {
        const e = httpOfAgent(err);
        await audit(a, 'file.upload', t, 'failed', { ...details, error: e.code });
        throw e;
      } finally {
        end();
      }
    },

    /** Streams the file at `path` into `res` with Content-Length, its SHA-256 and a safe Content-Disposition. */
    async download(a: Actor, sessionId: string, path: string, res: ServerResponse, watch?: DownloadWatch): Promise<Drained> {
      const t = await target(a, sessionId, 'download');
      const end = slot(sessionId);
      const name = path.split('/').pop() ?? 'download';
      try {
        const ws = await o.hub
          .fileStream(t.desktop.hostId, { type: 'files.send', desktopId: t.desktop.id, path, maxBytes: maxBytesOf(t.policy) })
          .catch((err: unknown) => Promise.reject(httpOfAgent(err)));
        const r = await drain(ws, res, name, watch);
        await audit(a, 'file.download', t, r.complete ? 'ok' : 'failed', {
          path,
          name,
          size: r.size,
          sent: r.sent,
          sha256: r.complete ? r.sha256 : null,
          ...(watch ? { via: 'ticket' } : {}),
          ...(r.reason ? { reason: r.reason } : {}),
        });
        return r;
      } catch (err) {
        const e = httpOfAgent(err);
        await audit(a, 'file.download', t, 'failed', { path, name, error: e.code });
        throw e;
      } finally {
        end();
      }
    },
  };
}

export function tooLarge(size: number, p: SessionPolicy): HttpError {
  return new HttpError(
    413,
    'too_large',
    `Too large: this pool allows files up to ${p.fileMaxMb} MB (this one is ${(size / 1024 / 1024).toFixed(1)} MB).`,
    { maxBytes: maxBytesOf(p) },
  );
}

/** Sends `body` over the upload stream; resolves with the agent's outcome and the bytes' SHA-256. */
function pump(ws: WebSocket, body: Readable, size: number, stallMs: number): Promise<FileStored> {
  const hash = createHash('sha256');
  return new Promise<FileStored>((resolve, reject) => {
    let sent = 0;
    let ended = false;
    let outcome: FileStreamFrame | undefined;
    let failure: HttpError | undefined;
    let stall: NodeJS.Timeout | undefined;
    const fail = (e: HttpError) => {
      failure ??= e;
      closeWs(ws, 1000, e.code); // the agent sees fewer bytes than announced and drops the temp file
    };
    const arm = () => {
      clearTimeout(stall);
      if (!ended)
        stall = setTimeout(
          () => fail(new HttpError(408, 'upload_stalled', 'Upload stalled: no data arrived for a while. Try again.')),
          stallMs,
        );
    };
    ws.on('message', (data, isBinary) => {
      const d = isBinary ? null : decodeFileStreamFrame(toBuffer(data));
      if (!d?.ok) return fail(new HttpError(502, 'file_error', 'The desktop’s host sent something unexpected during the upload.'));
      outcome = d.msg;
    });
    ws.once('close', () => {
      clearTimeout(stall);
      body.off('data', onData);
      if (!ended) body.resume(); // what still comes is read and dropped, so the answer can go out
      if (outcome?.type === 'files.stored' && !failure && sent === size)
        return resolve({ name: outcome.name, size: outcome.size, sha256: hash.digest('hex') });
      if (outcome?.type === 'files.error') return reject(httpOfAgent(outcome));
      reject(failure ?? new HttpError(502, 'file_error', 'The desktop’s host ended the upload without saying why; try again.'));
    });
    const onData = (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > size) return fail(new HttpError(400, 'invalid_input', 'The body is longer than its Content-Length.'));
      hash.update(chunk);
      arm();
      ws.send(chunk, { binary: true }, () => {
        if (body.isPaused() && ws.bufferedAmount < HIGH_WATER / 2) body.resume();
      });
      if (ws.bufferedAmount > HIGH_WATER) body.pause();
    };
    body.on('data', onData);
    body.once('end', () => {
      ended = true;
      clearTimeout(stall);
      if (sent !== size) fail(new HttpError(400, 'invalid_input', `The body had ${sent} of ${size} bytes.`));
    });
    // The browser went away (cancel, closed tab) before the whole body came.
    body.once('close', () => {
      if (!ended) fail(new HttpError(499, 'cancelled', 'The upload was cancelled.'));
    });
    arm();
  });
}

/** Hooks of a download someone follows (a download ticket, download-tickets.ts). */
export interface DownloadWatch {
  onHeader?(size: number): void;
  onProgress?(sent: number): void;
  /** Aborting cuts the download (the browser sees it fail). */
  signal?: AbortSignal;
}

interface Drained {
  size: number;
  sent: number;
  sha256: string;
  complete: boolean;
  /** Why an incomplete download stopped, when the gateway knows. */
  reason?: string;
}

/**
 * Answers `res` with the download stream; resolves how far it got. The agent's SHA-256 goes out as a
 * header before the body; the last chunk is held back until the relayed bytes match it, so a file
 * that changed meanwhile never arrives whole (with Content-Length, the last byte is what completes it).
 */
function drain(ws: WebSocket, res: ServerResponse, name: string, watch: DownloadWatch = {}): Promise<Drained> {
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    let size = -1;
    let sent = 0;
    let expected: string | undefined;
    let tail: Buffer | undefined;
    let reason: string | undefined;
    let error: Extract<FileStreamFrame, { type: 'files.error' }> | undefined;
    const write = (chunk: Buffer) => {
      if (!res.write(chunk)) {
        ws.pause();
        res.once('drain', () => ws.resume());
      }
    };
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        const d = decodeFileStreamFrame(toBuffer(data));
        if (!d.ok || (d.msg.type === 'files.header' && size >= 0)) return closeWs(ws, 1000, 'protocol');
        if (d.msg.type === 'files.error') return void (error = d.msg);
        if (d.msg.type !== 'files.header') return;
        size = d.msg.size;
        expected = d.msg.sha256;
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(size),
          'Content-Disposition': `attachment; filename="${asciiFallbackName(name)}"; filename*=UTF-8''${encodeURIComponent(name)}`,
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
          ...(expected ? checksumHeaders(expected) : {}),
        });
        watch.onHeader?.(size);
        return;
      }
      const chunk = toBuffer(data);
      if (size < 0 || sent + chunk.length > size) return closeWs(ws, 1000, 'protocol');
      sent += chunk.length;
      hash.update(chunk);
      if (tail) write(tail);
      tail = chunk;
      watch.onProgress?.(sent - chunk.length);
    });
    ws.once('close', () => {
      res.off('close', onResClose);
      watch.signal?.removeEventListener('abort', onAbort);
      const sha256 = hash.digest('hex');
      let complete = size >= 0 && sent === size && !error;
      if (complete && expected && expected !== sha256) {
        complete = false;
        reason = 'the file changed on the desktop during the download';
      }
      if (complete) {
        if (tail) res.write(tail);
        res.end();
        watch.onProgress?.(sent);
      } else if (size < 0)
        return reject(
          error ? httpOfAgent(error) : new HttpError(502, 'file_error', 'The desktop’s host ended the download without a file.'),
        );
      else res.destroy(); // headers are out: a cut connection is how a short download shows
      resolve({ size, sent, sha256, complete, ...(reason ? { reason } : error ? { reason: error.message } : {}) });
    });
    const onResClose = () => closeWs(ws, 1000, 'the browser left');
    const onAbort = () => {
      reason = 'cancelled';
      closeWs(ws, 1000, 'cancelled');
    };
    res.once('close', onResClose);
    if (watch.signal?.aborted) onAbort();
    else watch.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The file's SHA-256 before its body: a plain hex header scripts read easily, and RFC 9530's Repr-Digest. */
export function checksumHeaders(hex: string): Record<string, string> {
  return { 'X-Checksum-Sha256': hex, 'Repr-Digest': `sha-256=:${Buffer.from(hex, 'hex').toString('base64')}:` };
}
