// Entities and Store methods for sign-in state every gateway on the store shares: the throttles'
// counters, the addresses each account signed in from, and sign-ins waiting for a second step.

/** A sign-in waiting for its second step; `data` is what its kind keeps (JSON). */
export interface PendingSignIn {
  /** SHA-256 of the key the browser holds. */
  hash: string;
  kind: string;
  data: unknown;
  tries: number;
  expiresAt: number;
}

/** One sign-in throttle counter (server/auth/throttle.ts). */
export interface ThrottleEntry {
  /** Failure times inside the window, ascending; at most maxFailures of them. */
  fails: number[];
  lockedUntil: number;
  /** Locks so far; each doubles the next. */
  strikes: number;
  lastFailAt: number;
  /** When the counter may be forgotten: no lock left and its history aged out. */
  expiresAt: number;
}

export interface SignInStateStore {
  // sign-in throttles (server/auth/throttle.ts), counted alike by every gateway on the store
  getThrottle(scope: string, key: string): Promise<ThrottleEntry | null>;
  /** Reads and rewrites one counter atomically among gateways: `change` gets what is stored (null for none). */
  updateThrottle(scope: string, key: string, change: (current: ThrottleEntry | null) => ThrottleEntry): Promise<ThrottleEntry>;
  deleteThrottle(scope: string, key: string): Promise<void>;
  /** Housekeeping: counters past expiresAt, then beyond `keep` rows the least recently failed. */
  pruneThrottles(now: number, keep: number): Promise<number>;
  /** When the account last signed in from this address (key), or null. */
  knownAddressAt(account: string, address: string): Promise<number | null>;
  /** Remembers a successful sign-in's address for the account, keeping its `keep` most recent. */
  noteKnownAddress(account: string, address: string, at: number, keep: number): Promise<void>;
  pruneKnownAddresses(before: number): Promise<number>;

  // sign-ins waiting for a second step (server/auth/oidc-sign-in.ts), for every gateway on the store
  createPendingSignIn(p: { hash: string; kind: string; data: unknown; expiresAt: number }): Promise<void>;
  getPendingSignIn(hash: string, kind: string): Promise<PendingSignIn | null>;
  /** Counts a wrong try; the tries so far, or null when the sign-in is gone. */
  countPendingSignInTry(hash: string): Promise<number | null>;
  /** Removes and returns it (expired ones too: the caller tells); of callers at once, one gets it. */
  takePendingSignIn(hash: string, kind: string): Promise<PendingSignIn | null>;
  deleteExpiredPendingSignIns(now: number): Promise<number>;
}
