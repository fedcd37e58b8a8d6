// Store contract, sign-in throttles (server/auth/throttle.ts) and known addresses
// (server/auth/login-throttle.ts): one counter per scope and key, updated atomically among
// gateways. Run through runStoreContract.
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './store.contract.ts';
import { T0 } from './store.fixtures.ts';
import type { ThrottleEntry } from './sign-in-state-types.ts';

const bump = (e: ThrottleEntry | null, now: number): ThrottleEntry => ({
  fails: [...(e?.fails ?? []), now],
  lockedUntil: 0,
  strikes: e?.strikes ?? 0,
  lastFailAt: now,
  expiresAt: now + 60_000,
});

export function throttlesContract(store: CurrentStore): void {
  describe('throttles', () => {
    it('keeps one counter per scope and key, rewritten by update and gone with delete', async () => {
      const s = store();
      expect(await s.getThrottle('pair', 'alice')).toBeNull();
      let seen: ThrottleEntry | null | undefined;
      const first = await s.updateThrottle('pair', 'alice', (e) => ((seen = e), bump(e, T0)));
      expect(seen).toBeNull(); // a counter that did not exist is none to the change
      expect(first).toEqual({ fails: [T0], lockedUntil: 0, strikes: 0, lastFailAt: T0, expiresAt: T0 + 60_000 });
      await s.updateThrottle('pair', 'alice', (e) => ({ ...bump(e, T0 + 1), lockedUntil: T0 + 9_000, strikes: 1 }));
      expect(await s.getThrottle('pair', 'alice')).toEqual({
        fails: [T0, T0 + 1],
        lockedUntil: T0 + 9_000,
        strikes: 1,
        lastFailAt: T0 + 1,
        expiresAt: T0 + 60_001,
      });
      expect(await s.getThrottle('address', 'alice')).toBeNull(); // per scope
      await s.deleteThrottle('pair', 'alice');
      expect(await s.getThrottle('pair', 'alice')).toBeNull();
    });

    it('loses no update when many arrive at once (several gateways counting one guesser)', async () => {
      const s = store();
      await Promise.all(Array.from({ length: 20 }, (_, i) => s.updateThrottle('pair', 'k', (e) => bump(e, T0 + i))));
      expect((await s.getThrottle('pair', 'k'))?.fails).toHaveLength(20);
    });

    it('beyond the cap never prunes a lock in force, and lock histories last', async () => {
      const s = store();
      await s.updateThrottle('pair', 'locked', (e) => ({ ...bump(e, T0), lockedUntil: T0 + 900_000, strikes: 1 }));
      await s.updateThrottle('pair', 'history', (e) => ({ ...bump(e, T0 + 1), strikes: 2 }));
      for (let i = 1; i <= 5; i++) await s.updateThrottle('oidc-start', `a${i}`, (e) => bump(e, T0 + 10 + i));
      expect(await s.pruneThrottles(T0 + 20, 2)).toBe(5); // the five without a lock history first
      expect(await s.getThrottle('pair', 'locked')).not.toBeNull();
      expect(await s.getThrottle('pair', 'history')).not.toBeNull();
      expect(await s.pruneThrottles(T0 + 20, 0)).toBe(1); // then the history; never the lock in force
      expect(await s.getThrottle('pair', 'locked')).not.toBeNull();
    });

    it('prunes expired counters, then the least recently failed beyond the cap', async () => {
      const s = store();
      await s.updateThrottle('pair', 'old', (e) => bump(e, T0));
      for (let i = 1; i <= 5; i++) await s.updateThrottle('pair', `k${i}`, (e) => bump(e, T0 + 60_000 + i));
      expect(await s.pruneThrottles(T0 + 60_000, 100)).toBe(1);
      expect(await s.pruneThrottles(T0 + 60_000, 3)).toBe(2);
      expect(await s.getThrottle('pair', 'k2')).toBeNull();
      expect(await s.getThrottle('pair', 'k3')).not.toBeNull();
    });

    it('remembers the most recent addresses of an account, and forgets old ones', async () => {
      const s = store();
      for (let i = 0; i < 5; i++) await s.noteKnownAddress('alice', `192.0.2.${i}`, T0 + i, 3);
      await s.noteKnownAddress('bob', '192.0.2.0', T0, 3);
      expect(await s.knownAddressAt('alice', '192.0.2.1')).toBeNull();
      expect(await s.knownAddressAt('alice', '192.0.2.4')).toBe(T0 + 4);
      await s.noteKnownAddress('alice', '192.0.2.2', T0 + 10, 3); // seen again: newest now
      expect(await s.knownAddressAt('alice', '192.0.2.2')).toBe(T0 + 10);
      expect(await s.knownAddressAt('bob', '192.0.2.0')).toBe(T0);
      expect(await s.pruneKnownAddresses(T0 + 4)).toBe(2); // alice's .3 and bob's .0
      expect(await s.knownAddressAt('alice', '192.0.2.4')).toBe(T0 + 4);
    });
  });
}
