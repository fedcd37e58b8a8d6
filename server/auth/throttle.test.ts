// The throttle over a real store (SQLite in memory; the same store methods pass the PostgreSQL
// contract, where two gateways counting at once is tested too).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Store } from '../store/types.ts';
import { addressKey, createThrottle, MAX_THROTTLE_ROWS } from './throttle.ts';

const opts = { maxFailures: 3, windowS: 900, lockS: 60, maxLockS: 600, resetAfterS: 3600 };
let store: Store;
let clock: ManualClock;
beforeEach(() => {
  store = openSqliteStore({ file: ':memory:' });
  clock = new ManualClock();
});
afterEach(async () => store.close());
const failTimes = async (t: ReturnType<typeof createThrottle>, key: string, n: number) => {
  for (let i = 0; i < n; i++) await t.fail(key);
};

describe('throttle', () => {
  it('lets a key fail up to the limit, then locks it for lockS', async () => {
    const t = createThrottle(store, clock, 'test', opts);
    expect(await t.fail('alice')).toBe(0);
    expect(await t.fail('alice')).toBe(0);
    expect(await t.check('alice')).toBe(0);
    expect(await t.fail('alice')).toBe(60);
    clock.advance(59_500);
    expect(await t.check('alice')).toBe(1);
    clock.advance(500);
    expect(await t.check('alice')).toBe(0);
  });

  it('keeps other keys and other scopes unaffected', async () => {
    const t = createThrottle(store, clock, 'test', opts);
    await failTimes(t, 'alice', 3);
    expect(await t.check('alice')).toBeGreaterThan(0);
    expect(await t.check('bob')).toBe(0);
    expect(await createThrottle(store, clock, 'other', opts).check('alice')).toBe(0);
  });

  it('counts the failures of every gateway on the store: a second gateway sees the lock', async () => {
    const a = createThrottle(store, clock, 'test', opts);
    const b = createThrottle(store, clock, 'test', opts);
    await a.fail('k');
    await b.fail('k');
    expect(await a.fail('k')).toBe(60);
    expect(await b.check('k')).toBe(60);
  });

  it('counts failures that arrive at the same moment, none lost', async () => {
    const t = createThrottle(store, clock, 'test', { ...opts, maxFailures: 20 });
    await Promise.all(Array.from({ length: 20 }, () => t.fail('k')));
    expect(await t.check('k')).toBe(60);
    expect((await store.getThrottle('test', 'k'))?.fails).toHaveLength(20);
  });

  it('doubles each further lock while failures stay inside the window, up to maxLockS', async () => {
    const t = createThrottle(store, clock, 'test', { ...opts, windowS: 3600 });
    await failTimes(t, 'k', 3);
    const locks: number[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance((await t.check('k')) * 1000);
      locks.push(await t.fail('k')); // one failure right after the lock re-locks: the window still holds 3
    }
    expect(locks).toEqual([120, 240, 480, 600, 600, 600]);
  });

  it('forgets failures that left the window', async () => {
    const t = createThrottle(store, clock, 'test', opts);
    await failTimes(t, 'k', 2);
    clock.advance(901_000);
    expect(await t.fail('k')).toBe(0);
    expect((await store.getThrottle('test', 'k'))?.fails).toHaveLength(1);
  });

  it('remembers the doubling until resetAfterS of quiet', async () => {
    const t = createThrottle(store, clock, 'test', opts);
    await failTimes(t, 'k', 3); // 60 s lock, strike 1
    clock.advance(1000_000); // window empty, but strikes kept
    await failTimes(t, 'k', 2);
    expect(await t.fail('k')).toBe(120);
    clock.advance(3601_000 + 120_000);
    await failTimes(t, 'k', 2);
    expect(await t.fail('k')).toBe(60);
  });

  it('succeed() clears the key', async () => {
    const t = createThrottle(store, clock, 'test', opts);
    await failTimes(t, 'k', 3);
    await t.succeed('k');
    expect(await t.check('k')).toBe(0);
    expect(await store.getThrottle('test', 'k')).toBeNull();
  });

  it('housekeeping forgets aged-out counters, keeps locks and their history, and caps the rows', async () => {
    const t = createThrottle(store, clock, 'test', opts);
    await t.fail('brief'); // no lock: forgotten after the window
    await failTimes(t, 'locked', 3); // locked: its doubling history stays for resetAfterS
    clock.advance(901_000);
    expect(await store.pruneThrottles(clock.now(), MAX_THROTTLE_ROWS)).toBe(1);
    expect(await store.getThrottle('test', 'brief')).toBeNull();
    expect(await store.getThrottle('test', 'locked')).not.toBeNull();
    clock.advance(3600_000);
    expect(await store.pruneThrottles(clock.now(), MAX_THROTTLE_ROWS)).toBe(1);
    // A spray of names: beyond the cap, the least recently failed go first.
    for (let i = 0; i < 30; i++) {
      clock.advance(1000);
      await t.fail(`user${i}`);
    }
    expect(await store.pruneThrottles(clock.now(), 10)).toBe(20);
    expect(await store.getThrottle('test', 'user19')).toBeNull();
    expect(await store.getThrottle('test', 'user20')).not.toBeNull();
  });
});

describe('addressKey', () => {
  it('keeps IPv4 addresses and buckets IPv6 by /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
