// "Remember this browser" after a successful one-time code: an HttpOnly cookie holding 256 random
// bits, stored as sha256, bound to one user and expiring after the policy's rememberDays. It only
// skips the code; the password is always asked. Scoped to the sign-in path so no other request
// carries it. Forgotten by "sign out everywhere else", disabling MFA and an admin's MFA reset.
import type { Request, Response } from 'express';
import type { MfaPolicy, User } from '../store/types.ts';
import { secretToken, SECRET_RE, sha256 } from '../util/random.ts';
import type { AuthDeps } from './deps.ts';
import { parseCookies } from './web-sessions.ts';

export const REMEMBER_COOKIE = 'deskport_mfa_remember';
const COOKIE_PATH = '/api/v1/auth';

export function readRememberCookie(req: Request): string | null {
  const v = parseCookies(req.headers.cookie).get(REMEMBER_COOKIE);
  return v !== undefined && SECRET_RE.test(v) ? v : null;
}

/** The hash of the request's remember cookie when it is live for this user under this policy, else null. */
export async function rememberedFor(deps: AuthDeps, req: Request, user: User, policy: MfaPolicy): Promise<string | null> {
  if (policy.rememberDays <= 0) return null;
  const value = readRememberCookie(req);
  if (!value) return null;
  const hash = sha256(value);
  const b = await deps.store.getRememberedBrowser(hash);
  const now = deps.clock.now();
  // A policy shortened after the cookie was set shortens it too.
  if (!b || b.userId !== user.id || b.expiresAt <= now || b.createdAt + policy.rememberDays * 86400_000 <= now) return null;
  return hash;
}

export async function rememberBrowser(deps: AuthDeps, res: Response, userId: string, days: number): Promise<void> {
  const now = deps.clock.now();
  const value = secretToken();
  const maxAgeMs = days * 86400_000;
  await deps.store.deleteExpiredRememberedBrowsers(now);
  await deps.store.createRememberedBrowser({ hash: sha256(value), userId, createdAt: now, expiresAt: now + maxAgeMs });
  res.cookie(REMEMBER_COOKIE, value, { httpOnly: true, sameSite: 'strict', path: COOKIE_PATH, secure: deps.config.cookieSecure, maxAge: maxAgeMs });
}
