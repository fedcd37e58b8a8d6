// The sign-in policy over a real store (SQLite in memory): what every gateway on it counts alike.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Store } from '../store/types.ts';
import { createLoginThrottle, KNOWN_TTL_MS, type LoginAttempt } from './login-throttle.ts';

let store: Store;
beforeEach(() => {
  store = openSqliteStore({ file: ':memory:' });
});
afterEach(async () => store.close());
const throttle = (clock = new ManualClock()) => createLoginThrottle(store, clock);

/** One failed sign-in the way the route does it: checked, charged, then failed. */
async function fail(t: ReturnType<typeof createLoginThrottle>, a: LoginAttempt) {
  const wait = await t.check(a);
  if (wait) return wait;
  await t.charge(a);
  await t.failed(a);
  return null;
}

describe('sign-in throttling policy', () => {
  const victim = (ip: string): LoginAttempt => ({ account: 'alice', ip });

  it('locks an account+address pair after 5 failures, without touching the owner at another address', async () => {
    const clock = new ManualClock();
    const t = throttle(clock);
    for (let i = 0; i < 5; i++) expect(await fail(t, victim('203.0.113.9'))).toBeNull();
    expect(await t.check(victim('203.0.113.9'))).toEqual({ waitS: 60, scope: 'user' });
    expect(await t.check(victim('198.51.100.4'))).toBeNull();
  });

  it('locks an address that sprays many accounts', async () => {
    const t = throttle();
    for (let i = 0; i < 20; i++) await fail(t, { account: `user${i}`, ip: '203.0.113.9' });
    expect((await t.check({ account: 'someone-else', ip: '203.0.113.9' }))?.scope).toBe('address');
    expect(await t.check({ account: 'someone-else', ip: '203.0.113.10' })).toBeNull();
  });

  it('slows a distributed guesser with a short, capped account-wide backoff', async () => {
    const clock = new ManualClock();
    const t = throttle(clock);
    // Ten addresses, one failure each: no pair or address limit is reached.
    for (let i = 0; i < 10; i++) await fail(t, victim(`203.0.113.${i}`));
    const first = await t.check(victim('192.0.2.1'));
    expect(first).toEqual({ waitS: 2, scope: 'account' });
    // However long it goes on, a stranger waits at most a minute.
    for (let round = 0; round < 30; round++) {
      const w = await t.check(victim('192.0.2.1'));
      clock.advance((w?.waitS ?? 0) * 1000);
      await fail(t, victim(`198.51.100.${round}`));
      expect((await t.check(victim('192.0.2.1')))?.waitS ?? 0).toBeLessThanOrEqual(60);
    }
  });

  it('never applies the account-wide backoff to an address the owner signed in from, or a remembered browser', async () => {
    const clock = new ManualClock();
    const t = throttle(clock);
    const home = victim('192.0.2.50');
    await t.charge(home);
    await t.succeeded(home);
    for (let i = 0; i < 40; i++) await fail(t, victim(`203.0.113.${i}`));
    expect((await t.check(victim('192.0.2.99')))?.scope).toBe('account');
    expect(await t.check(home)).toBeNull();
    expect(await t.check({ ...victim('192.0.2.99'), trustedBrowser: true })).toBeNull();
  });

  it('forgets a known address after KNOWN_TTL_MS, in the store for every gateway', async () => {
    const clock = new ManualClock();
    const t = throttle(clock);
    const home = victim('192.0.2.50');
    await t.succeeded(home);
    for (let i = 0; i < 40; i++) await fail(t, victim(`203.0.113.${i}`));
    expect(await throttle(clock).check(home)).toBeNull(); // another gateway knows it too
    clock.advance(KNOWN_TTL_MS);
    expect(await store.pruneKnownAddresses(clock.now() - KNOWN_TTL_MS)).toBe(0);
    for (let i = 0; i < 10; i++) await fail(t, victim(`198.51.100.${i}`)); // a new round of guessing
    expect((await t.check(home))?.scope).toBe('account'); // home is a stranger now
    clock.advance(1);
    expect(await store.pruneKnownAddresses(clock.now() - KNOWN_TTL_MS)).toBe(1);
  });

  it('keeps the 8 most recent addresses of an account', async () => {
    const clock = new ManualClock();
    const t = throttle(clock);
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      await t.succeeded(victim(`192.0.2.${i}`));
    }
    expect(await store.knownAddressAt('alice', '192.0.2.1')).toBeNull();
    expect(await store.knownAddressAt('alice', '192.0.2.2')).not.toBeNull();
    expect(await store.knownAddressAt('alice', '192.0.2.9')).not.toBeNull();
  });

  it("forgets the account's counters on success but keeps the address's", async () => {
    const t = throttle();
    for (let i = 0; i < 4; i++) await fail(t, { account: 'bob', ip: '192.0.2.1' });
    for (let i = 0; i < 11; i++) await fail(t, { account: `x${i}`, ip: '192.0.2.1' });
    await t.charge({ account: 'bob', ip: '192.0.2.1' });
    await t.succeeded({ account: 'bob', ip: '192.0.2.1' });
    // Bob's own pair starts again from zero...
    for (let i = 0; i < 4; i++) expect(await fail(t, { account: 'bob', ip: '192.0.2.1' })).toBeNull();
    // ...but the address has 19 failures on record, and one more locks it for everyone there.
    expect(await t.check({ account: 'carol', ip: '192.0.2.1' })).toBeNull();
    await fail(t, { account: 'x-last', ip: '192.0.2.1' });
    expect((await t.check({ account: 'carol', ip: '192.0.2.1' }))?.scope).toBe('address');
  });
});
