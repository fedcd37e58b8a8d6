import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { createLoginThrottle, type LoginAttempt } from './login-throttle.ts';

/** One failed sign-in the way the route does it: checked, charged, then failed. */
function fail(t: ReturnType<typeof createLoginThrottle>, a: LoginAttempt) {
  const wait = t.check(a);
  if (wait) return wait;
  t.charge(a);
  t.failed(a);
  return null;
}

describe('sign-in throttling policy', () => {
  const victim = (ip: string): LoginAttempt => ({ account: 'alice', ip });

  it('locks an account+address pair after 5 failures, without touching the owner at another address', () => {
    const clock = new ManualClock();
    const t = createLoginThrottle(clock);
    for (let i = 0; i < 5; i++) expect(fail(t, victim('203.0.113.9'))).toBeNull();
    expect(t.check(victim('203.0.113.9'))).toEqual({ waitS: 60, scope: 'user' });
    expect(t.check(victim('198.51.100.4'))).toBeNull();
  });

  it('locks an address that sprays many accounts', () => {
    const t = createLoginThrottle(new ManualClock());
    for (let i = 0; i < 20; i++) fail(t, { account: `user${i}`, ip: '203.0.113.9' });
    expect(t.check({ account: 'someone-else', ip: '203.0.113.9' })?.scope).toBe('address');
    expect(t.check({ account: 'someone-else', ip: '203.0.113.10' })).toBeNull();
  });

  it('slows a distributed guesser with a short, capped account-wide backoff', () => {
    const clock = new ManualClock();
    const t = createLoginThrottle(clock);
    // Ten addresses, one failure each: no pair or address limit is reached.
    for (let i = 0; i < 10; i++) fail(t, victim(`203.0.113.${i}`));
    const first = t.check(victim('192.0.2.1'));
    expect(first).toEqual({ waitS: 2, scope: 'account' });
    // However long it goes on, a stranger waits at most a minute.
    for (let round = 0; round < 30; round++) {
      const w = t.check(victim('192.0.2.1'));
      clock.advance((w?.waitS ?? 0) * 1000);
      fail(t, victim(`198.51.100.${round}`));
      expect(t.check(victim('192.0.2.1'))?.waitS ?? 0).toBeLessThanOrEqual(60);
    }
  });

  it('never applies the account-wide backoff to an address the owner signed in from, or a remembered browser', () => {
    const clock = new ManualClock();
    const t = createLoginThrottle(clock);
    const home = victim('192.0.2.50');
    t.charge(home);
    t.succeeded(home);
    for (let i = 0; i < 40; i++) fail(t, victim(`203.0.113.${i}`));
    expect(t.check(victim('192.0.2.99'))?.scope).toBe('account');
    expect(t.check(home)).toBeNull();
    expect(t.check({ ...victim('192.0.2.99'), trustedBrowser: true })).toBeNull();
  });

  it("forgets the account's counters on success but keeps the address's", () => {
    const t = createLoginThrottle(new ManualClock());
    for (let i = 0; i < 4; i++) fail(t, { account: 'bob', ip: '192.0.2.1' });
    for (let i = 0; i < 11; i++) fail(t, { account: `x${i}`, ip: '192.0.2.1' });
    t.charge({ account: 'bob', ip: '192.0.2.1' });
    t.succeeded({ account: 'bob', ip: '192.0.2.1' });
    // Bob's own pair starts again from zero...
    for (let i = 0; i < 4; i++) expect(fail(t, { account: 'bob', ip: '192.0.2.1' })).toBeNull();
    // ...but the address has 19 failures on record, and one more locks it for everyone there.
    expect(t.check({ account: 'carol', ip: '192.0.2.1' })).toBeNull();
    fail(t, { account: 'x-last', ip: '192.0.2.1' });
    expect(t.check({ account: 'carol', ip: '192.0.2.1' })?.scope).toBe('address');
  });
});
