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
import type { Store } from '../store/types.ts';
import { addressKey, createThrottle, type Throttle, type ThrottleOptions } from './throttle.ts';

export const PAIR_THROTTLE: ThrottleOptions = {
  maxFailures: 5,
  windowS: 900,
  lockS: 60,
  maxLockS: 900,
  resetAfterS: 86400,
};
export const ADDRESS_THROTTLE: ThrottleOptions = {
  maxFailures: 20,
  windowS: 900,
  lockS: 60,
  maxLockS: 3600,
  resetAfterS: 86400,
};
export const ACCOUNT_BACKOFF: ThrottleOptions = {
  maxFailures: 10,
  windowS: 900,
  lockS: 2,
  maxLockS: 60,
  resetAfterS: 3600,
};

/** An address an account signed in from counts as its own this long (housekeeping forgets it after). */
export const KNOWN_TTL_MS = 30 * 86400_000;
const KNOWN_PER_ACCOUNT = 8;

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
  check(a: LoginAttempt): Promise<{ waitS: number; scope: ThrottleScope } | null>;
  /**
   * The gate: counts the attempt against the pair and the account before its (slow) check, in one
   * step each on the store, or says how long to wait when either is locked. A burst, on one gateway
   * or several, cannot outrun it. `check` before it is the cheap refusal (and the only one for the
   * address, which counts failures only).
   */
  charge(a: LoginAttempt): Promise<{ waitS: number; scope: ThrottleScope } | null>;
  /** `check`, then `charge`: how long to wait, or null with the attempt counted (call failed or succeeded after). */
  admit(a: LoginAttempt): Promise<{ waitS: number; scope: ThrottleScope } | null>;
  /** The attempt failed: counts it against the address too; returns the lock this caused, if any. */
  failed(a: LoginAttempt): Promise<{ lockS: number; scope: ThrottleScope } | null>;
  /** The attempt succeeded: forgets the account's counters and remembers the address as its own. */
  succeeded(a: LoginAttempt): Promise<void>;
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

export function createLoginThrottle(store: Store, clock: Clock, o: LoginThrottleOptions = {}): LoginThrottle {
  const pairs: Throttle = createThrottle(store, clock, 'sign-in-pair', { ...PAIR_THROTTLE, ...o.pair });
  const addresses: Throttle = createThrottle(store, clock, 'sign-in-address', { ...ADDRESS_THROTTLE, ...o.address });
  const accounts: Throttle = createThrottle(store, clock, 'sign-in-account', { ...ACCOUNT_BACKOFF, ...o.account });

  const pairKey = (a: LoginAttempt) => `${a.account}\n${addressKey(a.ip)}`;
  const isKnown = async (a: LoginAttempt): Promise<boolean> => {
    if (a.trustedBrowser) return true;
    const at = await store.knownAddressAt(a.account, addressKey(a.ip));
    return at !== null && clock.now() - at < KNOWN_TTL_MS;
  };

  const throttle: LoginThrottle = {
    async check(a) {
      const [pair, addr, account] = await Promise.all([
        pairs.check(pairKey(a)),
        addresses.check(addressKey(a.ip)),
        isKnown(a).then((known) => (known ? 0 : accounts.check(a.account))),
      ]);
      const waitS = Math.max(pair, addr, account);
      if (waitS === 0) return null;
      return { waitS, scope: waitS === pair ? 'user' : waitS === addr ? 'address' : 'account' };
    },
    async charge(a) {
      const pair = await pairs.take(pairKey(a));
      if (pair > 0) return { waitS: pair, scope: 'user' };
      // The account's backoff never holds back its owner (a known address, a remembered browser); their attempts still count.
      if (await isKnown(a)) {
        await accounts.fail(a.account);
        return null;
      }
      const account = await accounts.take(a.account);
      return account > 0 ? { waitS: account, scope: 'account' } : null;
    },
    async admit(a) {
      return (await throttle.check(a)) ?? (await throttle.charge(a));
    },
    async failed(a) {
      const pair = await pairs.check(pairKey(a));
      const addr = await addresses.fail(addressKey(a.ip));
      const account = (await isKnown(a)) ? 0 : await accounts.check(a.account);
      const lockS = Math.max(pair, addr, account);
      if (lockS === 0) return null;
      return { lockS, scope: lockS === addr ? 'address' : lockS === pair ? 'user' : 'account' };
    },
    async succeeded(a) {
      await Promise.all([pairs.succeed(pairKey(a)), accounts.succeed(a.account)]);
      // The address counter is deliberately left alone: signing in to one's own account must not
      // buy more guesses at others'. It ages out with its window.
      await store.noteKnownAddress(a.account, addressKey(a.ip), clock.now(), KNOWN_PER_ACCOUNT);
    },
  };
  return throttle;
}
