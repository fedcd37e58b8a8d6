// Failed-login throttling, keyed by anything (a username, a client address). Failures count in a
// sliding window; reaching the limit locks the key, and each further lock doubles. Memory is capped.
import { isIPv6 } from 'node:net';
import type { Clock } from '../clock.ts';

export interface ThrottleOptions {
  /** Failures within the window that trigger a lock. */
  maxFailures: number;
  windowS: number;
  /** First lock; each later lock of the same key doubles, up to maxLockS. */
  lockS: number;
  maxLockS: number;
  /** A key that locked keeps its doubling history until this long after its last failure. */
  resetAfterS: number;
  /** Oldest entries (by last failure) are evicted beyond this many keys. */
  maxEntries: number;
}

export interface Throttle {
  /** Seconds until `key` may try again, or 0. */
  check(key: string): number;
  /** Records a failure; returns check(key) afterwards (non-zero when this failure locked it). */
  fail(key: string): number;
  /** Forgets the key entirely (a successful sign-in). */
  succeed(key: string): void;
  size(): number;
}

// The defaults of a bare throttle; the sign-in policy (login-throttle.ts) sets its own per scope.
// A 1-minute first lock keeps a typo-prone person mostly unharmed, while the doubling (and failures
// still inside the window re-locking at once) leaves a guesser only a handful of tries per window.
export const USER_THROTTLE: ThrottleOptions = {
  maxFailures: 5,
  windowS: 900,
  lockS: 60,
  maxLockS: 3600,
  resetAfterS: 86400,
  maxEntries: 10_000,
};

interface Entry {
  fails: number[]; // ascending timestamps inside the window; at most maxFailures of them
  lockedUntil: number;
  strikes: number;
  lastFailAt: number;
}

export function createThrottle(clock: Clock, options: Partial<ThrottleOptions> = {}): Throttle {
  const o: ThrottleOptions = { ...USER_THROTTLE, ...options };
  if (o.maxFailures < 1 || o.maxEntries < 1) throw new Error('throttle: maxFailures and maxEntries must be at least 1');
  const windowMs = o.windowS * 1000;
  // Map keeps insertion order; fail() re-inserts, so the first key is the least recently failed.
  const entries = new Map<string, Entry>();

  const stale = (e: Entry, now: number) =>
    e.lockedUntil <= now && (e.strikes > 0 ? now - e.lastFailAt > o.resetAfterS * 1000 : now - e.lastFailAt > windowMs);

  function live(key: string, now: number): Entry | undefined {
    const e = entries.get(key);
    if (e && stale(e, now)) {
      entries.delete(key);
      return undefined;
    }
    return e;
  }

  function check(key: string): number {
    const now = clock.now();
    const e = live(key, now);
    return e && e.lockedUntil > now ? Math.ceil((e.lockedUntil - now) / 1000) : 0;
  }

  return {
    check,
    fail(key) {
      const now = clock.now();
      const e = live(key, now) ?? { fails: [], lockedUntil: 0, strikes: 0, lastFailAt: now };
      entries.delete(key);
      while (entries.size >= o.maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
      e.fails = [...e.fails.filter((t) => now - t < windowMs), now].slice(-o.maxFailures);
      e.lastFailAt = now;
      if (e.fails.length >= o.maxFailures) {
        const lockS = Math.min(o.maxLockS, o.lockS * 2 ** Math.min(e.strikes, 30));
        e.lockedUntil = Math.max(e.lockedUntil, now + lockS * 1000);
        e.strikes++;
      }
      entries.set(key, e);
      return check(key);
    },
    succeed(key) {
      entries.delete(key);
    },
    size: () => entries.size,
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
