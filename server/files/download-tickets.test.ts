// Download tickets over a real in-memory SQLite store, with a scripted file transfer in place of the
// agent (the real download through a process desktop is test/integration/files-api.test.ts): a
// ticket works once, only for its owner on its session, only within its TTL, and its status follows
// the download; two gateways' tickets on one store share them.
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { HttpError } from '../http/errors.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Store, User } from '../store/types.ts';
import { createDownloadTickets as create, type DownloadTicketsOptions } from './download-tickets.ts';
import type { DownloadWatch } from './transfers.ts';

const user = (id: string) => ({ user: { id, username: id } as User, ip: null });
const ann = user('ann');
const res = {} as ServerResponse;

/** A scripted transfer: checkDownload knows one file; download plays `play` with the watch. */
function scripted(play: (w: DownloadWatch) => Promise<{ sent: number; complete: boolean; reason?: string }>) {
  return {
    checkDownload: async (_a: unknown, _s: string, path: string) => {
      if (path !== 'Downloads/a.bin') throw new HttpError(404, 'not_found', 'not there');
      return { name: 'a.bin', size: 10 };
    },
    download: async (_a: unknown, _s: string, _p: string, _r: ServerResponse, w?: DownloadWatch) => {
      const r = await play(w ?? {});
      return { size: 10, sha256: 'ab'.repeat(32), ...r };
    },
  };
}

let store: Store;
beforeEach(() => {
  store = openSqliteStore({ file: ':memory:' });
});
afterEach(async () => store.close());
const createDownloadTickets = (o: Omit<DownloadTicketsOptions, 'store'>) => create({ store, ...o });

const complete = async (w: DownloadWatch) => (w.onHeader?.(10), w.onProgress?.(10), { sent: 10, complete: true });

/** A download that sends 4 bytes, then waits until its signal is aborted. */
const cuttable =
  (onCut: (c: () => void) => void) =>
  (w: DownloadWatch): Promise<{ sent: number; complete: boolean; reason?: string }> =>
    new Promise((resolve) => {
      w.onProgress?.(4);
      const c = () => resolve({ sent: 4, complete: false, reason: 'cancelled' });
      onCut(c);
      w.signal?.addEventListener('abort', c);
    });

describe('download tickets', () => {
  it('are checked when issued, then work once, for their owner on their session only', async () => {
    const t = createDownloadTickets({ files: scripted(complete) });
    await expect(t.issue(ann, 's1', 'Downloads/none.bin')).rejects.toMatchObject({ status: 404 });
    const k = await t.issue(ann, 's1', 'Downloads/a.bin');
    expect(k).toMatchObject({ name: 'a.bin', size: 10, url: `/api/v1/sessions/s1/files/downloads/${k.ticket}` });
    expect(k.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(t.stream(user('bob'), 's1', k.ticket, res)).rejects.toMatchObject({ status: 404 });
    await expect(t.stream(ann, 's2', k.ticket, res)).rejects.toMatchObject({ status: 404 });
    await expect(t.status(user('bob'), 's1', k.ticket)).rejects.toThrow(HttpError);
    expect(await t.status(ann, 's1', k.ticket)).toMatchObject({ state: 'waiting', sent: 0 });
    await t.stream(ann, 's1', k.ticket, res);
    expect(await t.status(ann, 's1', k.ticket)).toMatchObject({ state: 'done', sent: 10, sha256: 'ab'.repeat(32) });
    await expect(t.stream(ann, 's1', k.ticket, res)).rejects.toMatchObject({ status: 410, code: 'ticket_used' });
  });

  it('expire unused after their TTL, and their status goes a while after they end', async () => {
    const clock = new ManualClock();
    const t = createDownloadTickets({ files: scripted(complete), clock, ttlMs: 30_000, keepMs: 60_000 });
    const k = await t.issue(ann, 's1', 'Downloads/a.bin');
    clock.advance(30_000);
    expect(await t.status(ann, 's1', k.ticket)).toMatchObject({ state: 'expired', error: expect.stringMatching(/did not start/) });
    await expect(t.stream(ann, 's1', k.ticket, res)).rejects.toMatchObject({ status: 410 });
    clock.advance(60_000);
    await expect(t.status(ann, 's1', k.ticket)).rejects.toThrow(/No such download/);
  });

  it('cancel voids a waiting ticket and cuts a running download', async () => {
    let cut: (() => void) | undefined;
    const t = createDownloadTickets({ files: scripted(cuttable((c) => (cut = c))), progressMs: 10 });
    const waiting = await t.issue(ann, 's1', 'Downloads/a.bin');
    expect(await t.cancel(ann, 's1', waiting.ticket)).toMatchObject({ state: 'cancelled' });
    await expect(t.stream(ann, 's1', waiting.ticket, res)).rejects.toMatchObject({ status: 410 });
    const running = await t.issue(ann, 's1', 'Downloads/a.bin');
    const streaming = t.stream(ann, 's1', running.ticket, res);
    await expect.poll(() => t.status(ann, 's1', running.ticket)).toMatchObject({ state: 'running', sent: 4 });
    await t.cancel(ann, 's1', running.ticket);
    await streaming;
    expect(cut).toBeDefined();
    expect(await t.status(ann, 's1', running.ticket)).toMatchObject({ state: 'cancelled', sent: 4 });
  });

  it('a person holds at most maxPerUser unfinished tickets', async () => {
    const t = createDownloadTickets({ files: scripted(complete), maxPerUser: 2 });
    await t.issue(ann, 's1', 'Downloads/a.bin');
    await t.issue(ann, 's1', 'Downloads/a.bin');
    await expect(t.issue(ann, 's1', 'Downloads/a.bin')).rejects.toMatchObject({ status: 429, code: 'too_many_transfers' });
    await expect(t.issue(user('bob'), 's1', 'Downloads/a.bin')).resolves.toMatchObject({ name: 'a.bin' });
  });

  it('asking and cancelling over and over is capped too: finished tickets count until they are forgotten', async () => {
    const clock = new ManualClock();
    const t = createDownloadTickets({ files: scripted(complete), clock });
    for (let i = 0; i < 64; i++) await t.cancel(ann, 's1', (await t.issue(ann, 's1', 'Downloads/a.bin')).ticket);
    await expect(t.issue(ann, 's1', 'Downloads/a.bin')).rejects.toMatchObject({
      status: 429,
      message: expect.stringMatching(/two minutes/),
    });
    clock.advance(121_000);
    await expect(t.issue(ann, 's1', 'Downloads/a.bin')).resolves.toMatchObject({ name: 'a.bin' });
  });

  it('are shared by gateways on one store: asked on one, sent by another, followed and cancelled on the first', async () => {
    const a = createDownloadTickets({ files: scripted(complete), progressMs: 10 });
    const b = createDownloadTickets({ files: scripted(cuttable(() => undefined)), progressMs: 10 });
    const k = await a.issue(ann, 's1', 'Downloads/a.bin');
    const sending = b.stream(ann, 's1', k.ticket, res);
    await expect(a.stream(ann, 's1', k.ticket, res)).rejects.toMatchObject({ status: 410, code: 'ticket_used' });
    await expect.poll(() => a.status(ann, 's1', k.ticket)).toMatchObject({ state: 'running', sent: 4 });
    await a.cancel(ann, 's1', k.ticket); // b reads the cancel back with its next progress write
    await sending;
    expect(await a.status(ann, 's1', k.ticket)).toMatchObject({ state: 'cancelled', sent: 4 });
  });

  it('a download whose gateway stopped writing fails, and no longer counts against the person', async () => {
    const clock = new ManualClock();
    let stop: (() => void) | undefined;
    const gone = createDownloadTickets({ files: scripted(cuttable((c) => (stop = c))), clock, progressMs: 3_600_000, maxPerUser: 1 });
    const k = await gone.issue(ann, 's1', 'Downloads/a.bin');
    const hung = gone.stream(ann, 's1', k.ticket, res); // writes no progress: as if its gateway died
    await expect.poll(() => gone.status(ann, 's1', k.ticket)).toMatchObject({ state: 'running' });
    const other = createDownloadTickets({ files: scripted(complete), clock, maxPerUser: 1 });
    await expect(other.issue(ann, 's1', 'Downloads/a.bin')).rejects.toMatchObject({ status: 429 });
    clock.advance(91_000);
    expect(await other.status(ann, 's1', k.ticket)).toMatchObject({ state: 'failed', error: expect.stringMatching(/gateway sending/) });
    await expect(other.issue(ann, 's1', 'Downloads/a.bin')).resolves.toMatchObject({ name: 'a.bin' });
    stop?.();
    await hung;
    expect(await other.status(ann, 's1', k.ticket)).toMatchObject({ state: 'failed' }); // a late end changes nothing
  });
});
