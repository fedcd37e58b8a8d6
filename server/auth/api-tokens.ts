// Personal API tokens for scripts: `dpt_` + 256 random bits, shown once, stored as sha256. A token
// acts as its user, so a disabled user's tokens stop working with everything else.
import { randomUUID } from 'node:crypto';
import type { ApiToken, User } from '../store/types.ts';
import type { AuthDeps } from './deps.ts';
import { secretToken, SECRET_RE, sha256 } from '../util/random.ts';

export const TOKEN_PREFIX = 'dpt_';
const TOUCH_EVERY_MS = 60_000; // lastUsedAt is informational; a write per request is not worth it

export async function issueApiToken(
  deps: AuthDeps,
  userId: string,
  name: string,
  expiresInDays?: number,
): Promise<{ token: string; record: ApiToken }> {
  const now = deps.clock.now();
  const token = TOKEN_PREFIX + secretToken();
  const record: ApiToken = {
    id: randomUUID(),
    userId,
    name,
    hash: sha256(token),
    createdAt: now,
    expiresAt: expiresInDays === undefined ? null : now + expiresInDays * 86400_000,
    lastUsedAt: null,
  };
  await deps.store.createApiToken(record);
  return { token, record };
}

/** The enabled user a bearer token belongs to, or null (malformed, unknown, expired, disabled). */
export async function resolveApiToken(deps: AuthDeps, token: string): Promise<User | null> {
  if (!token.startsWith(TOKEN_PREFIX) || !SECRET_RE.test(token.slice(TOKEN_PREFIX.length))) return null;
  const t = await deps.store.getApiTokenByHash(sha256(token));
  const now = deps.clock.now();
  if (!t || (t.expiresAt !== null && t.expiresAt <= now)) return null;
  const user = await deps.store.getUser(t.userId);
  if (!user || user.disabled) return null;
  if (t.lastUsedAt === null || now - t.lastUsedAt >= TOUCH_EVERY_MS) await deps.store.touchApiToken(t.id, now);
  return user;
}
