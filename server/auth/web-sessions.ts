// Our own cookie sessions: the cookie holds 256 random bits, the store only their sha256. Expiry
// slides with use, but a session is touched at most once a minute so reads don't become writes.
// Plain values in and out: the HTTP side (server/http/cookies.ts) reads and sets the cookie.
import { randomUUID } from 'node:crypto';
import type { WebSession } from '../store/types.ts';
import { sessionTtlMs, type AuthDeps } from './deps.ts';
import { secretToken, sha256 } from '../util/random.ts';

const TOUCH_EVERY_MS = 60_000;
// However busy, a session (and so a stolen cookie) dies this long after sign-in (or after one
// TTL, if an operator configured a longer one).
const MAX_AGE_MS = 7 * 86400_000;
const maxAgeMs = (deps: AuthDeps) => Math.max(MAX_AGE_MS, sessionTtlMs(deps.config));

/** A secret to hand to the browser and how long it should keep it. */
export interface IssuedSecret {
  value: string;
  maxAgeMs: number;
}

/** What "signed-in browsers" shows about a session: the sign-in's address and browser. */
export interface SessionOrigin {
  ip?: string | null;
  userAgent?: string | null;
}

/** Creates a session for the user; the caller hands `cookie` to the browser. */
export async function startWebSession(
  deps: AuthDeps,
  userId: string,
  origin: SessionOrigin = {},
): Promise<{ session: WebSession; cookie: IssuedSecret }> {
  const now = deps.clock.now();
  const ttl = sessionTtlMs(deps.config);
  const value = secretToken();
  const session: WebSession = {
    hash: sha256(value),
    id: randomUUID(),
    userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + ttl,
    ip: origin.ip ?? null,
    userAgent: origin.userAgent ?? null,
  };
  await deps.store.createWebSession(session);
  return { session, cookie: { value, maxAgeMs: session.expiresAt - now } };
}

/** Signing in: the browser's previous session (if any) ends and a new one starts. */
export async function signInBrowser(
  deps: AuthDeps,
  previous: string | null,
  userId: string,
  origin: SessionOrigin,
): Promise<{ session: WebSession; cookie: IssuedSecret }> {
  await dropWebSession(deps, previous);
  return startWebSession(deps, userId, origin);
}

/**
 * The live session a cookie value names, or null. Expired sessions are deleted on sight. When it
 * slides the expiry it answers `refreshed` too, so the browser's copy can slide as well.
 */
export async function resolveWebSession(
  deps: AuthDeps,
  value: string | null,
): Promise<{ session: WebSession; refreshed?: IssuedSecret } | null> {
  if (!value) return null;
  const hash = sha256(value);
  const s = await deps.store.getWebSession(hash);
  if (!s) return null;
  const now = deps.clock.now();
  if (s.expiresAt <= now) {
    await deps.store.deleteWebSession(hash);
    return null;
  }
  if (now - s.lastSeenAt >= TOUCH_EVERY_MS) {
    const expiresAt = Math.min(now + sessionTtlMs(deps.config), s.createdAt + maxAgeMs(deps));
    await deps.store.touchWebSession(hash, now, expiresAt);
    return { session: { ...s, lastSeenAt: now, expiresAt }, refreshed: { value, maxAgeMs: expiresAt - now } };
  }
  return { session: s };
}

/** Deletes the session a cookie value names, if any. True when one existed. */
export async function dropWebSession(deps: AuthDeps, value: string | null): Promise<boolean> {
  if (!value) return false;
  const hash = sha256(value);
  const existed = (await deps.store.getWebSession(hash)) !== null;
  if (existed) await deps.store.deleteWebSession(hash);
  return existed;
}
