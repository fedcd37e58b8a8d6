// A recordings disk that fills up and gets space back, for real: the recordings directory is a small
// tmpfs the test mounts (16 MiB, the gateway's free-space floor 4 MiB), filled with a file of zeros and
// emptied again under a real gateway recording a real Xvnc desktop. The recording pauses (its part
// closed and hashed, the Recording badge off, the dashboard alert up), then resumes in a new part once
// the free space is back above the floor (alert gone, all audited), and the finished recording lists
// both parts with their checksums. Also: a part cut by a disk that has no byte left (ENOSPC) is kept.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingIndex, RecordingList, RecordingView } from '../../contract/api/recordings.ts';
import { FORMAT_VERSION, PIXEL_FORMAT_NAME, RecordType } from '../../server/recording/format.ts';
import { parseRecords } from '../../server/recording/reader.ts';
import { PartWriter } from '../../server/recording/part-writer.ts';
import { ADMIN_PASSWORD, launchDesktop, signIn, type Api, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';

const MIB = 1024 * 1024;
const mounts: string[] = [];
let tg: TestGateway | undefined;
let api: Api;
let dir: string;

/** A fresh tmpfs of `mib` MiB, unmounted (and removed) in afterAll. */
function tmpfs(mib: number): string {
  const d = mkdtempSync(join(tmpdir(), 'deskport-recdisk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m,mode=0700`, 'tmpfs', d]);
  mounts.push(d);
  return d;
}
const freeOf = (d: string) => {
  const s = statfsSync(d);
  return s.bavail * s.bsize;
};
/** Writes zeros into `file` until `d` has `leave` bytes free (or less). */
function fill(d: string, file: string, leave: number): void {
  const fd = openSync(file, 'w');
  try {
    const chunk = Buffer.alloc(256 * 1024);
    for (let left = freeOf(d) - leave; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  } finally {
    closeSync(fd);
  }
}
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** The first `count` part files of a recording as the API lists them: number, size and SHA-256 of what is on disk. */
const onDisk = (id: string, count: number) =>
  Array.from({ length: count }, (_, n) => {
    const file = join(dir, `${id}-${n}.dprec`);
    return { n, bytes: statSync(file).size, sha256: sha(file) };
  });
const auditOf = async (action: string) =>
  ((await api.get(`/api/v1/admin/audit?action=${action}&limit=50`)).body as {
    target: string | null;
    details: Record<string, unknown>;
  }[]) ?? [];
const alerts = async () => ((await api.get('/api/v1/admin/metrics/history')).body as { alerts?: { id: string; message: string }[] }).alerts;
const recordingActive = async (id: string) =>
  ((await api.get(`/api/v1/sessions/${id}`)).body as { session: { recordingActive?: boolean } }).session.recordingActive === true;

beforeAll(async () => {
  dir = tmpfs(16);
  tg = await startTestGateway({
    env: { DESKPORT_RECORDINGS_DIR: dir, DESKPORT_RECORDINGS_MIN_FREE_MB: '4', DESKPORT_RECORDING_KEYFRAME_S: '1' },
  });
  api = await signIn(tg.url, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await tg?.cleanup();
  for (const d of mounts) {
    try {
      execFileSync('umount', [d]);
    } catch {
      execFileSync('umount', ['-l', d]); // a file still open: detach now, freed when closed
    }
    rmSync(d, { recursive: true, force: true });
  }
});

describe('a full recordings disk (a real tmpfs)', () => {
  it('pauses the recording, and resumes it in a new part once space is back above the floor, alert cleared and audited', async () => {
    const pools = (await api.get('/api/v1/admin/pools')).body as { id: string; name: string }[];
    const poolId = pools.find((p) => p.name === 'Linux desktop (local)')!.id;
    expect((await api.call('PATCH', `/api/v1/admin/pools/${poolId}`, { policy: { recording: 'on' } })).status).toBe(200);
    const s = await launchDesktop(api, tg!.url);
    const rec = await until('a recording row', async () => ((await api.get('/api/v1/recordings')).body as RecordingList).items[0]);
    await until('the first picture on disk', () => statSync(join(dir, `${rec.id}-0.dprec`)).size > 300);
    expect(await recordingActive(s.id)).toBe(true);
    expect(await alerts()).toEqual([]);

    const filler = join(dir, 'filler');
    fill(dir, filler, 2 * MIB); // 2 MiB free: below the 4 MiB floor
    const filledAt = Date.now();
    await until('the recording paused', async () => (await auditOf('recording.paused')).some((e) => e.target === rec.id), 20_000);
    console.info(`recording disk full: paused ${Date.now() - filledAt} ms after the disk filled`);
    expect(await recordingActive(s.id)).toBe(false);
    expect(await alerts()).toEqual([expect.objectContaining({ id: 'recording-storage', message: expect.stringMatching(/nearly full/) })]);
    const full = await until('the storage audited full', async () => (await auditOf('recording.storage.unavailable')).at(0));
    expect(full.details).toMatchObject({ problem: 'disk_full', previous: null });
    const paused = (await api.get(`/api/v1/recordings/${rec.id}`)).body as RecordingView;
    expect(paused.state).toBe('recording');
    expect(paused.parts).toEqual(onDisk(rec.id, 1));
    // Nothing is written while paused (the sweep runs every 200 ms here; free space is read every 5 s).
    const sizeWhilePaused = statSync(join(dir, `${rec.id}-0.dprec`)).size;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(statSync(join(dir, `${rec.id}-0.dprec`)).size).toBe(sizeWhilePaused);
    expect(await recordingActive(s.id)).toBe(false);

    rmSync(filler);
    const freedAt = Date.now();
    await until('recording again', () => recordingActive(s.id), 20_000);
    console.info(`recording disk full: resumed ${Date.now() - freedAt} ms after space came back`);
    expect(await alerts()).toEqual([]);
    expect((await auditOf('recording.resumed')).find((e) => e.target === rec.id)?.details).toMatchObject({
      part: 1,
      problem: 'disk_full',
      pausedMs: expect.any(Number),
    });
    const back = await until('the storage audited available', async () => (await auditOf('recording.storage.available')).at(0));
    expect(back.details).toMatchObject({ problem: null, previous: 'disk_full' });
    await until('the second part on disk', () => statSync(join(dir, `${rec.id}-1.dprec`)).size > 300);

    expect((await api.del(`/api/v1/admin/sessions/${s.id}`)).status).toBeLessThan(300);
    const done = await until('finished', async () => {
      const r = (await api.get(`/api/v1/recordings/${rec.id}`)).body as RecordingView;
      return r.state === 'finished' && r;
    });
    expect(done.parts).toEqual(onDisk(rec.id, 2));
    expect(done.error).toBeUndefined();
    const index = (await api.get(`/api/v1/recordings/${rec.id}/index`)).body as RecordingIndex;
    expect(index.parts.map((p) => p.complete)).toEqual([true, true]);
    // Part 1 starts after the gap: later than part 0's last record.
    expect(index.parts[1]!.startT).toBeGreaterThan(index.parts[0]!.durationMs + 1_000);
    expect(index.segments.filter((g) => g.part === 1).length).toBeGreaterThan(0);
    const end = parseRecords(readFileSync(join(dir, `${rec.id}-0.dprec`))).records.at(-1)!;
    expect(end.type).toBe(RecordType.End);
    expect(JSON.parse(end.payload.toString())).toEqual({ reason: 'paused: the recordings storage is full' });
  }, 120_000);

  it('a part the disk stopped taking bytes for (ENOSPC) is closed with the size and SHA-256 of what is on disk', async () => {
    const small = tmpfs(1);
    fill(small, join(small, 'filler'), 20_000); // about 20 kB left
    const path = join(small, 'rec-000000000000000000-0.dprec');
    const errors: Error[] = [];
    const w = PartWriter.create(
      path,
      {
        version: FORMAT_VERSION,
        kind: 'rfb',
        recordingId: 'rec-000000000000000000',
        sessionId: 's',
        part: 0,
        startedAt: Date.now(),
        pixelFormat: PIXEL_FORMAT_NAME,
      },
      (err) => errors.push(err),
    );
    w.segment(Date.now(), { width: 8, height: 8, name: 'x' });
    for (let i = 0; i < 20; i++) w.data(Date.now(), [randomBytes(16_384)], 16_384);
    const part = await w.close(Date.now(), 'test');
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ENOSPC']);
    expect(part.cut).toBe(true);
    expect(part.bytes).toBe(statSync(path).size);
    expect(part.bytes).toBeGreaterThan(0);
    expect(part.sha256).toBe(sha(path));
  });
});
