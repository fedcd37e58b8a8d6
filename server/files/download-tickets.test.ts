// Download tickets as a store of secrets, with a scripted file transfer in place of the agent (the
// real download through a process desktop is test/integration/files-api.test.ts): a ticket works
// once, only for its owner on its session, only within its TTL, and its status follows the download.
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { HttpError } from '../http/errors.ts';
import type { User } from '../store/types.ts';
import { createDownloadTickets } from './download-tickets.ts';
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

const complete = async (w: DownloadWatch) => (w.onHeader?.(10), w.onProgress?.(10), { sent: 10, complete: true });

describe('download tickets', () => {
  it('are checked when issued, then work once, for their owner on their session only', async () => {
    const t = createDownloadTickets({ files: scripted(complete) });
    await expect(t.issue(ann, 's1', 'Downloads/none.bin')).rejects.toMatchObject({ status: 404 });
    const k = await t.issue(ann, 's1', 'Downloads/a.bin');
    expect(k).toMatchObject({ name: 'a.bin', size: 10, url: `/api/v1/sessions/s1/files/downloads/${k.ticket}` });
    expect(k.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(t.stream(user('bob'), 's1', k.ticket, res)).rejects.toMatchObject({ status: 404 });
    await expect(t.stream(ann, 's2', k.ticket, res)).rejects.toMatchObject({ status: 404 });
    expect(() => t.status(user('bob'), 's1', k.ticket)).toThrow(HttpError);
    expect(t.status(ann, 's1', k.ticket)).toMatchObject({ state: 'waiting', sent: 0 });
    await t.stream(ann, 's1', k.ticket, res);
    expect(t.status(ann, 's1', k.ticket)).toMatchObject({ state: 'done', sent: 10, sha256: 'ab'.repeat(32) });
    await expect(t.stream(ann, 's1', k.ticket, res)).rejects.toMatchObject({ status: 410, code: 'ticket_used' });
  });

  it('expire unused after their TTL, and their status goes a while after they end', async () => {
    const clock = new ManualClock();
    const t = createDownloadTickets({ files: scripted(complete), clock, ttlMs: 30_000, keepMs: 60_000 });
    const k = await t.issue(ann, 's1', 'Downloads/a.bin');
    clock.advance(30_000);
    expect(t.status(ann, 's1', k.ticket)).toMatchObject({ state: 'expired', error: expect.stringMatching(/did not start/) });
    await expect(t.stream(ann, 's1', k.ticket, res)).rejects.toMatchObject({ status: 410 });
    clock.advance(60_000);
    expect(() => t.status(ann, 's1', k.ticket)).toThrow(/No such download/);
  });

  it('cancel voids a waiting ticket and cuts a running download', async () => {
    let cut: (() => void) | undefined;
    const t = createDownloadTickets({
      files: scripted(
        (w) =>
          new Promise((resolve) => {
            w.onProgress?.(4);
            cut = () => resolve({ sent: 4, complete: false, reason: 'cancelled' });
            w.signal?.addEventListener('abort', () => cut?.());
          }),
      ),
    });
    const waiting = await t.issue(ann, 's1', 'Downloads/a.bin');
    expect(t.cancel(ann, 's1', waiting.ticket)).toMatchObject({ state: 'cancelled' });
    await expect(t.stream(ann, 's1', waiting.ticket, res)).rejects.toMatchObject({ status: 410 });
    const running = await t.issue(ann, 's1', 'Downloads/a.bin');
    const streaming = t.stream(ann, 's1', running.ticket, res);
    await expect.poll(() => t.status(ann, 's1', running.ticket)).toMatchObject({ state: 'running', sent: 4 });
    t.cancel(ann, 's1', running.ticket);
    await streaming;
    expect(t.status(ann, 's1', running.ticket)).toMatchObject({ state: 'cancelled', sent: 4 });
  });

  it('a person holds at most maxPerUser unfinished tickets', async () => {
    const t = createDownloadTickets({ files: scripted(complete), maxPerUser: 2 });
    await t.issue(ann, 's1', 'Downloads/a.bin');
    await t.issue(ann, 's1', 'Downloads/a.bin');
    await expect(t.issue(ann, 's1', 'Downloads/a.bin')).rejects.toMatchObject({ status: 429, code: 'too_many_transfers' });
    await expect(t.issue(user('bob'), 's1', 'Downloads/a.bin')).resolves.toMatchObject({ name: 'a.bin' });
  });
});
