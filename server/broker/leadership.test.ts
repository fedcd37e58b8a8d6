// The broker sweep's lease among gateways sharing a store (a real SQLite store in memory; the same
// store methods pass the PostgreSQL contract): at no moment do two gateways both act, a gateway that
// stops renewing is replaced once its lease is out, and one that comes back does not act again.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Store } from '../store/types.ts';
import { createLeadership, LEASE_TTL_MS, MARGIN_MS } from './leadership.ts';

let store: Store;
afterEach(async () => store?.close());

const two = (clock: ManualClock, takeOver = false) => {
  store = openSqliteStore({ file: ':memory:' });
  const make = (holder: string) => createLeadership({ store, clock, log: silentLogger(), holder, takeOver });
  return [make('gw-a'), make('gw-b')] as const;
};

describe('the broker sweep lease', () => {
  it('never lets two gateways act at the same moment, through pauses and takeovers', async () => {
    const clock = new ManualClock();
    const [a, b] = two(clock);
    // A deterministic schedule of sweeps, with stretches where one gateway stops sweeping (paused).
    let seed = 7;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    let takeovers = 0;
    let last: string | null = null;
    for (let round = 0; round < 2000; round++) {
      clock.advance(Math.floor(rand() * 1500));
      const paused = Math.floor(round / 100) % 3; // 0: both sweep, 1: a paused, 2: b paused
      const acting: string[] = [];
      if (paused !== 1 && (await a.lead())) acting.push('a');
      if (paused !== 2 && (await b.lead())) acting.push('b');
      // What each believes at this moment, asked or not (a paused gateway still believes its lease).
      const believe = [a.leading() && 'a', b.leading() && 'b'].filter(Boolean);
      expect(believe.length, `round ${round}: ${believe.join(', ')}`).toBeLessThanOrEqual(1);
      expect(acting.length).toBeLessThanOrEqual(1);
      if (acting[0] && acting[0] !== last) (takeovers++, (last = acting[0]));
    }
    expect(takeovers).toBeGreaterThan(5); // the schedule did exercise takeovers
  });

  it('hands over once the holder stops renewing: after the lease runs out, not before', async () => {
    const clock = new ManualClock();
    const [a, b] = two(clock);
    expect(await a.lead()).toBe(true);
    expect(await b.lead()).toBe(false);
    clock.advance(LEASE_TTL_MS - MARGIN_MS); // a stops renewing (paused, or cut off from the store)
    expect(a.leading()).toBe(false); // it stops acting with the margin left...
    expect(await b.lead()).toBe(false); // ...before b may start
    clock.advance(MARGIN_MS);
    expect(await b.lead()).toBe(true);
    expect(await a.lead()).toBe(false); // back, it finds b holding the lease
  });

  it('hands over at once when the holder releases it (a gateway stopping)', async () => {
    const clock = new ManualClock();
    const [a, b] = two(clock);
    expect(await a.lead()).toBe(true);
    await a.release();
    expect(a.leading()).toBe(false);
    expect(await b.lead()).toBe(true);
  });

  it('a request on its way when the lease is released does not take it back', async () => {
    const clock = new ManualClock();
    const [a, b] = two(clock);
    expect(await a.lead()).toBe(true);
    const onItsWay = a.lead();
    await a.release();
    expect(await onItsWay).toBe(false);
    expect(await a.lead()).toBe(false);
    expect(await b.lead()).toBe(true);
  });

  it('a gateway alone on its store takes the lease over from a previous run of itself at once', async () => {
    const clock = new ManualClock();
    const [old] = two(clock);
    expect(await old.lead()).toBe(true); // then killed: its lease stays
    const restarted = createLeadership({ store, clock, log: silentLogger(), holder: 'gw-new', takeOver: true });
    expect(await restarted.lead()).toBe(true);
    expect(await old.lead()).toBe(false);
  });
});
