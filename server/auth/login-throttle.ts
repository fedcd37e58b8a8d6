// The sign-in throttling policy, built from three sliding-window throttles (throttle.ts). Written up
// for operators in docs/account-security.md. In short:
//   - account + address pair: 5 failures in 15 min lock that pair (1 min, doubling, ≤ 15 min). This
//     is what stops one guesser, and it cannot touch the account's owner at another address.
//   - address: 20 failures in 15 min across any usernames lock the address (password spraying).
//   - account, across addresses: 10 failures in 15 min start a short backoff (2 s, doubling, capped
//     at 60 s) that slows a distributed guesser, but it is skipped for addresses this account signed
//     in from recently and for browsers it remembered for MFA, so an attacker cannot use it to keep
//     the owner out, and even for a stranger address the wait never exceeds a minute.
import type { Clock } from '../clock.ts';
import { addressKey, createThrottle, type Throttle, type ThrottleOptions } from './throttle.ts';

export const PAIR_THROTTLE: ThrottleOptions = {
  maxFailures: 5,
  windowS: 900,
  lockS: 60,
  maxLockS: 900,
  resetAfterS: 86400,
  maxEntries: 20_000,
};
export const ADDRESS_THROTTLE: ThrottleOptions = {
  maxFailures: 20,
  windowS: 900,
  lockS: 60,
  maxLockS: 3600,
  resetAfterS: 86400,
  maxEntries: 10_000,
};
export const ACCOUNT_BACKOFF: ThrottleOptions = {
  maxFailures: 10,
  windowS: 900,
  lockS: 2,
  maxLockS: 60,
  resetAfterS: 3600,
  maxEntries: 10_000,
};

const KNOWN_TTL_MS = 30 * 86400_000;
const KNOWN_PER_ACCOUNT = 8;
const KNOWN_ACCOUNTS = 10_000;

export type ThrottleScope = 'user' | 'address' | 'account';

export interface LoginAttempt {
  /** The username as typed, case-folded. */
  account: string;
  /** The client address (IPv6 is bucketed by /64). */
  ip: string;
  /** The browser proved itself for this account (a remembered-browser cookie of that user). */
  trustedBrowser?: boolean;
}

export interface LoginThrottle {
  /** Seconds to wait and which limit says so, or null when the attempt may go ahead. */
  check(a: LoginAttempt): { waitS: number; scope: ThrottleScope } | null;
  /** Counts an attempt against the account before its (slow) check, so a burst cannot outrun it. */
  charge(a: LoginAttempt): void;
  /** The attempt failed: counts it against the address too; returns the lock this caused, if any. */
  failed(a: LoginAttempt): { lockS: number; scope: ThrottleScope } | null;
  /** The attempt succeeded: forgets the account's counters and remembers the address as its own. */
  succeeded(a: LoginAttempt): void;
}

export interface LoginThrottleOptions {
  pair?: Partial<ThrottleOptions>;
  address?: Partial<ThrottleOptions>;
  account?: Partial<ThrottleOptions>;
}

/**
 * The throttling key of a typed username: what directories treat as the same name is one counter
 * (Unicode compatibility forms, surrounding and repeated spaces, ASCII and Unicode case).
 */
export function accountKey(username: string): string {
  return username.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

export function createLoginThrottle(clock: Clock, o: LoginThrottleOptions = {}): LoginThrottle {
  const pairs: Throttle = createThrottle(clock, { ...PAIR_THROTTLE, ...o.pair });
  const addresses: Throttle = createThrottle(clock, { ...ADDRESS_THROTTLE, ...o.address });
  const accounts: Throttle = createThrottle(clock, { ...ACCOUNT_BACKOFF, ...o.account });
  // account → (address key → last successful sign-in); insertion order is recency for eviction.
  const known = new Map<string, Map<string, number>>();

  const pairKey = (a: LoginAttempt) => `${a.account}\n${addressKey(a.ip)}`;
  const isKnown = (a: LoginAttempt): boolean => {
    if (a.trustedBrowser) return true;
    const at = known.get(a.account)?.get(addressKey(a.ip));
    return at !== undefined && clock.now() - at < KNOWN_TTL_MS;
  };

  return {
    check(a) {
      const pair = pairs.check(pairKey(a));
      const addr = addresses.check(addressKey(a.ip));
      const account = isKnown(a) ? 0 : accounts.check(a.account);
      const waitS = Math.max(pair, addr, account);
      if (waitS === 0) return null;
      return { waitS, scope: waitS === pair ? 'user' : waitS === addr ? 'address' : 'account' };
    },
    charge(a) {
      pairs.fail(pairKey(a));
      accounts.fail(a.account);
    },
    failed(a) {
      const pair = pairs.check(pairKey(a));
      const addr = addresses.fail(addressKey(a.ip));
      const account = isKnown(a) ? 0 : accounts.check(a.account);
      const lockS = Math.max(pair, addr, account);
      if (lockS === 0) return null;
      return { lockS, scope: lockS === addr ? 'address' : lockS === pair ? 'user' : 'account' };
    },
    succeeded(a) {
      pairs.succeed(pairKey(a));
      accounts.succeed(a.account);
      // The address counter is deliberately left alone: signing in to one's own account must not
      // buy more guesses at others'. It ages out with its window.
      const mine = known.get(a.account) ?? new Map<string, number>();
      known.delete(a.account);
      mine.delete(addressKey(a.ip));
      mine.set(addressKey(a.ip), clock.now());
      while (mine.size > KNOWN_PER_ACCOUNT) mine.delete(mine.keys().next().value!);
      known.set(a.account, mine);
      while (known.size > KNOWN_ACCOUNTS) known.delete(known.keys().next().value!);
    },
  };
}
