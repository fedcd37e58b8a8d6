import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Store } from '../store/types.ts';
import { createAudioTickets } from './tickets.ts';

describe('sound tickets', () => {
  const open: Store[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  const setUp = (ttlMs?: number) => {
    const clock = new ManualClock();
    const store = openSqliteStore({ file: ':memory:', clock });
    open.push(store);
    return { clock, store, tickets: createAudioTickets({ clock, store, ...(ttlMs ? { ttlMs } : {}) }) };
  };

  it('work once, for the user and session they were issued to, wherever they are redeemed', async () => {
    const { clock, store, tickets } = setUp();
    const { ticket } = await tickets.issue({ userId: 'u1', sessionId: 's1', shadowId: 'sh1' });
    expect(ticket).toMatch(/^dpa_/);
    // Another gateway on the same store takes it.
    const elsewhere = createAudioTickets({ clock, store });
    expect(await elsewhere.consume(ticket)).toEqual({ userId: 'u1', sessionId: 's1', shadowId: 'sh1' });
    expect(await tickets.consume(ticket)).toBeNull();
  });

  it('expire after 30 s at most, whatever the option says, and go with housekeeping', async () => {
    const { clock, store, tickets } = setUp(600_000);
    const { ticket, expiresAt } = await tickets.issue({ userId: 'u1', sessionId: 's1' });
    expect(expiresAt - clock.now()).toBe(30_000);
    clock.advance(30_000);
    expect(await tickets.consume(ticket)).toBeNull();
    await tickets.issue({ userId: 'u1', sessionId: 's1' });
    clock.advance(30_000);
    expect(await store.deleteExpiredPendingSignIns(clock.now())).toBe(1);
  });

  it('refuse junk without a lookup, and are kept only as a hash', async () => {
    const { store, tickets } = setUp();
    expect(await tickets.consume('../../etc/passwd')).toBeNull();
    const { ticket } = await tickets.issue({ userId: 'u', sessionId: 's' });
    expect(await store.takePendingSignIn(ticket, 'audio-ticket')).toBeNull();
  });
});
