// "Remember this browser" after a successful one-time code: a cookie holding 256 random bits,
// stored as sha256, bound to one user and expiring after the policy's rememberDays. It only skips
// the code; the password is always asked. Forgotten by "sign out everywhere else", disabling MFA
// and an admin's MFA reset. The cookie itself is set and read in server/http/cookies.ts.
import type { MfaPolicy, User } from '../store/types.ts';
import { secretToken, sha256 } from '../util/random.ts';
import type { AuthDeps } from './deps.ts';
import type { IssuedSecret } from './web-sessions.ts';

/** The hash of a remember cookie's value when it is live for this user under this policy, else null. */
export async function rememberedFor(deps: AuthDeps, value: string | null, user: User, policy: MfaPolicy): Promise<string | null> {
  if (policy.rememberDays <= 0) return null;
  if (!value) return null;
  const hash = sha256(value);
  const b = await deps.store.getRememberedBrowser(hash);
  const now = deps.clock.now();
  // A policy shortened after the cookie was set shortens it too.
  if (!b || b.userId !== user.id || b.expiresAt <= now || b.createdAt + policy.rememberDays * 86400_000 <= now) return null;
  return hash;
}

/** The user whose live remembered browser a cookie value names, or null. */
export async function rememberedUserId(deps: AuthDeps, value: string | null): Promise<string | null> {
  const b = value ? await deps.store.getRememberedBrowser(sha256(value)) : null;
  return b && b.expiresAt > deps.clock.now() ? b.userId : null;
}

/** Remembers a browser for `days`; the caller hands the answer to the browser as its cookie. */
export async function rememberBrowser(deps: AuthDeps, userId: string, days: number): Promise<IssuedSecret> {
  const now = deps.clock.now();
  const value = secretToken();
  const maxAgeMs = days * 86400_000;
  await deps.store.deleteExpiredRememberedBrowsers(now);
  await deps.store.createRememberedBrowser({ hash: sha256(value), userId, createdAt: now, expiresAt: now + maxAgeMs });
  return { value, maxAgeMs };
}
