// Failed-login throttling, keyed by anything (a username, a client address). Failures count in a
// sliding window; reaching the limit locks the key, and each further lock doubles. The counters live
// in the store (table throttles), so every gateway on it counts the same failures; housekeeping
// forgets them once aged out and caps their number (pruneThrottles).
import { isIPv6 } from 'node:net';
import type { Clock } from '../clock.ts';
import type { ThrottleEntry } from '../store/sign-in-state-types.ts';
import type { Store } from '../store/types.ts';

export interface ThrottleOptions {
  /** Failures within the window that trigger a lock. */
  maxFailures: number;
  windowS: number;
  /** First lock; each later lock of the same key doubles, up to maxLockS. */
  lockS: number;
  maxLockS: number;
  /** A key that locked keeps its doubling history until this long after its last failure. */
  resetAfterS: number;
}

export interface Throttle {
  /** Seconds until `key` may try again, or 0. */
  check(key: string): Promise<number>;
  /** Records a failure; returns check(key) afterwards (non-zero when this failure locked it). */
  fail(key: string): Promise<number>;
  /**
   * The gate of an attempt, in one step on the store: while the key is locked, the seconds to wait
   * (nothing counted); else 0, and the attempt is counted as a failure until it succeeds. Of a burst
   * on several gateways at once, no more than the limit get 0.
   */
  take(key: string): Promise<number>;
  /** Forgets the key entirely (a successful sign-in). */
  succeed(key: string): Promise<void>;
}

/** Counter rows kept at most, across every scope; housekeeping drops the least recently failed beyond. */
export const MAX_THROTTLE_ROWS = 100_000;

// The defaults of a bare throttle; the sign-in policy (login-throttle.ts) sets its own per scope.
// A 1-minute first lock keeps a typo-prone person mostly unharmed, while the doubling (and failures
// still inside the window re-locking at once) leaves a guesser only a handful of tries per window.
export const USER_THROTTLE: ThrottleOptions = {
  maxFailures: 5,
  windowS: 900,
  lockS: 60,
  maxLockS: 3600,
  resetAfterS: 86400,
};

/** A failure at `now` applied to a counter (null: none yet). Pure, so a store can run it inside its transaction. */
export function withFailure(o: ThrottleOptions, e: ThrottleEntry | null, now: number): ThrottleEntry {
  const windowMs = o.windowS * 1000;
  const live = e && !aged(o, e, now) ? e : null;
  const fails = [...(live?.fails ?? []).filter((t) => now - t < windowMs), now].slice(-o.maxFailures);
  let lockedUntil = live?.lockedUntil ?? 0;
  let strikes = live?.strikes ?? 0;
  if (fails.length >= o.maxFailures) {
    const lockS = Math.min(o.maxLockS, o.lockS * 2 ** Math.min(strikes, 30));
    lockedUntil = Math.max(lockedUntil, now + lockS * 1000);
    strikes++;
  }
  const keepMs = strikes > 0 ? o.resetAfterS * 1000 : windowMs;
  return { fails, lockedUntil, strikes, lastFailAt: now, expiresAt: Math.max(lockedUntil, now + keepMs) + 1 };
}

/** Whether a counter has aged out: no lock left, and its failures (or its lock history) forgotten. */
const aged = (o: ThrottleOptions, e: ThrottleEntry, now: number): boolean =>
  e.lockedUntil <= now && (e.strikes > 0 ? now - e.lastFailAt > o.resetAfterS * 1000 : now - e.lastFailAt > o.windowS * 1000);

const waitOf = (o: ThrottleOptions, e: ThrottleEntry | null, now: number): number =>
  e && !aged(o, e, now) && e.lockedUntil > now ? Math.ceil((e.lockedUntil - now) / 1000) : 0;

/** A throttle whose counters are the store's rows of `scope`. */
export function createThrottle(store: Store, clock: Clock, scope: string, options: Partial<ThrottleOptions> = {}): Throttle {
  const o: ThrottleOptions = { ...USER_THROTTLE, ...options };
  if (o.maxFailures < 1) throw new Error('throttle: maxFailures must be at least 1');
  return {
    async check(key) {
      return waitOf(o, await store.getThrottle(scope, key), clock.now());
    },
    async fail(key) {
      const now = clock.now();
      return waitOf(o, await store.updateThrottle(scope, key, (e) => withFailure(o, e, now)), now);
    },
    async take(key) {
      const now = clock.now();
      let wait = 0;
      await store.updateThrottle(scope, key, (e) => {
        wait = waitOf(o, e, now);
        return wait > 0 ? e! : withFailure(o, e, now);
      });
      return wait;
    },
    succeed: (key) => store.deleteThrottle(scope, key),
  };
}

/**
 * The throttle key for a client address. IPv6 is bucketed by /64, since one subscriber usually
 * holds a whole /64 and could otherwise rotate addresses to dodge the per-address limit.
 */
export function addressKey(ip: string): string {
  const addr = ip.replace(/%.*$/, '');
  if (!isIPv6(addr)) return addr;
  const [head = '', tail] = addr.split('::');
  const groups = (s: string) => (s ? s.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${all
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
