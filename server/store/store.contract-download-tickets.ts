// Store contract, file download tickets (server/files/download-tickets.ts): any gateway reads them,
// a move is a compare-and-set so a ticket is used once, and the sweep expires, fails and forgets.
// Run through runStoreContract.
import { describe, expect, it } from 'vitest';
import type { DownloadTicketRow } from './download-ticket-types.ts';
import type { CurrentStore } from './store.contract.ts';
import { T0 } from './store.fixtures.ts';

const ticket = (hash: string, over: Partial<DownloadTicketRow> = {}): DownloadTicketRow => ({
  hash,
  userId: 'u-ann',
  sessionId: 's-1',
  path: 'Downloads/a.bin',
  name: 'a.bin',
  size: 5_000_000_000,
  state: 'waiting',
  sent: 0,
  sha256: null,
  error: null,
  cancel: false,
  expiresAt: T0 + 30_000,
  seenAt: T0,
  endedAt: null,
  createdAt: T0,
  ...over,
});

export function downloadTicketsContract(store: CurrentStore): void {
  describe('download tickets', () => {
    it('keeps a ticket as given (sizes past 4 GiB too) and counts the open ones per person', async () => {
      const s = store();
      await s.createDownloadTicket(ticket('h-1'));
      await s.createDownloadTicket(ticket('h-2', { state: 'running' }));
      await s.createDownloadTicket(ticket('h-3', { state: 'done', endedAt: T0 + 5 }));
      await s.createDownloadTicket(ticket('h-4', { userId: 'u-bob' }));
      expect(await s.getDownloadTicket('h-1')).toEqual(ticket('h-1'));
      expect(await s.getDownloadTicket('h-none')).toBeNull();
      expect(await s.countDownloadTickets('u-ann')).toEqual({ open: 2, all: 3 });
      expect(await s.countDownloadTickets('u-nobody')).toEqual({ open: 0, all: 0 });
    });

    it('moves only from the given states: of two claims at once one lands; later writes keep what they do not name', async () => {
      const s = store();
      await s.createDownloadTicket(ticket('h-1'));
      const claims = await Promise.all([1, 2].map(() => s.moveDownloadTicket('h-1', ['waiting'], { state: 'running', seenAt: T0 + 1 })));
      expect(claims.filter(Boolean)).toHaveLength(1);
      const progress = await s.moveDownloadTicket('h-1', ['running'], { state: 'running', sent: 4, seenAt: T0 + 2 });
      expect(progress).toMatchObject({ state: 'running', sent: 4, seenAt: T0 + 2, cancel: false });
      expect(await s.moveDownloadTicket('h-1', ['running'], { state: 'running', cancel: true })).toMatchObject({ sent: 4, cancel: true });
      const done = await s.moveDownloadTicket('h-1', ['running'], { state: 'done', sent: 10, sha256: 'ab'.repeat(32), endedAt: T0 + 3 });
      expect(done).toMatchObject({ state: 'done', sent: 10, sha256: 'ab'.repeat(32), endedAt: T0 + 3 });
      expect(await s.moveDownloadTicket('h-1', ['running'], { state: 'running', sent: 11 })).toBeNull();
      expect((await s.getDownloadTicket('h-1'))?.sent).toBe(10);
    });

    it('sweeps: waiting past expiry expire, running unseen fail, long ended go', async () => {
      const s = store();
      await s.createDownloadTicket(ticket('h-late', { expiresAt: T0 + 10 }));
      await s.createDownloadTicket(ticket('h-waits', { expiresAt: T0 + 1_000 }));
      await s.createDownloadTicket(ticket('h-stale', { state: 'running', seenAt: T0 }));
      await s.createDownloadTicket(ticket('h-runs', { state: 'running', seenAt: T0 + 90 }));
      await s.createDownloadTicket(ticket('h-old', { state: 'done', endedAt: T0 - 1 }));
      await s.sweepDownloadTickets({ now: T0 + 100, staleBefore: T0 + 50, forgetBefore: T0, expiredError: 'late', staleError: 'stale' });
      expect(await s.getDownloadTicket('h-late')).toMatchObject({ state: 'expired', error: 'late', endedAt: T0 + 100 });
      expect(await s.getDownloadTicket('h-waits')).toMatchObject({ state: 'waiting', endedAt: null });
      expect(await s.getDownloadTicket('h-stale')).toMatchObject({ state: 'failed', error: 'stale', endedAt: T0 + 100 });
      expect(await s.getDownloadTicket('h-runs')).toMatchObject({ state: 'running' });
      expect(await s.getDownloadTicket('h-old')).toBeNull();
    });
  });
}
