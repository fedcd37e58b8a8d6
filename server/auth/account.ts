// One's own account, HTTP-free: changing the password, minting and revoking API tokens, and
// signing browsers out (one, or all but this one). Each change is audited; the account routes
// (server/http/routes/auth.ts, account.ts) only parse, call and render.
import { DomainError, forbidden, notFound, throttled } from '../errors.ts';
import type { ApiToken } from '../store/types.ts';
import { issueApiToken } from './api-tokens.ts';
import { passwordPolicyOf, type AuthDeps } from './deps.ts';
import { accountKey, type LoginAttempt, type LoginThrottle } from './login-throttle.ts';
import { assertPasswordAllowed } from './password-policy.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { Actor } from './users.ts';
import { startWebSession, type IssuedSecret, type SessionOrigin } from './web-sessions.ts';

const audit = (deps: AuthDeps, by: Actor, action: string, target: string | null, details: Record<string, unknown>) =>
  deps.audit.record({ actor: by.user.username, action, target, result: 'ok', ip: by.ip, details });

/** `body` is read once the caller may do this at all, so a token hears 403 whatever it sent. */
export async function createApiToken(
  deps: AuthDeps,
  by: Actor,
  body: () => { name: string; expiresInDays?: number },
): Promise<{ token: string; record: ApiToken }> {
  // A token minting tokens would let one leaked short-lived token become a permanent one.
  if (by.via !== 'cookie') throw forbidden('API tokens can only be created from a signed-in browser session.', 'session_required');
  const { name, expiresInDays } = body();
  const issued = await issueApiToken(deps, by.user.id, name, expiresInDays);
  await audit(deps, by, 'token.create', issued.record.id, { name: issued.record.name, expiresAt: issued.record.expiresAt });
  return issued;
}

export async function revokeApiToken(deps: AuthDeps, by: Actor, id: string): Promise<void> {
  const token = (await deps.store.listApiTokensOfUser(by.user.id)).find((t) => t.id === id);
  if (!token || !(await deps.store.deleteApiToken(by.user.id, id))) throw notFound('API token');
  await audit(deps, by, 'token.revoke', id, { name: token.name });
}

/**
 * Changes one's own password after checking the current one (throttled like a sign-in). Every
 * other sign-in of the account ends; this browser gets a fresh session, answered as its cookie.
 * `read` gives the body once the caller may do this at all.
 */
export async function changeOwnPassword(
  deps: AuthDeps,
  throttle: LoginThrottle,
  by: Actor,
  read: () => { currentPassword: string; newPassword: string },
  origin: SessionOrigin,
): Promise<IssuedSecret> {
  const { user, ip } = by;
  if (by.via !== 'cookie') throw forbidden('Change your password from a signed-in browser session.', 'session_required');
  const body = read();
  const attempt: LoginAttempt = { account: accountKey(user.username), ip };
  // Counted before the (slow) password check, so a burst cannot outrun the limit.
  const wait = await throttle.admit(attempt);
  if (wait) throw throttled(wait.waitS, `Too many attempts. Try again in ${wait.waitS} s.`);
  if (!(await verifyPassword(user.passwordHash, body.currentPassword))) {
    await throttle.failed(attempt);
    await deps.audit.record({
      actor: user.username,
      action: 'user.password_change',
      target: user.id,
      result: 'denied',
      ip,
      details: { reason: 'bad_password' },
    });
    throw new DomainError('forbidden', 'invalid_credentials', 'Your current password is not right.');
  }
  await throttle.succeeded(attempt);
  assertPasswordAllowed(body.newPassword, user.username, passwordPolicyOf(deps.config), 'newPassword');
  await deps.store.updateUser(user.id, { passwordHash: await hashPassword(body.newPassword) });
  await deps.store.deleteWebSessionsOfUser(user.id);
  const { cookie } = await startWebSession(deps, user.id, origin);
  await audit(deps, by, 'user.password_change', user.id, {});
  return cookie;
}

/** Signs one of one's browsers out (by its public id). True when it was this very browser. */
export async function revokeWebSession(deps: AuthDeps, by: Actor, id: string, currentId: string | undefined): Promise<boolean> {
  if (!(await deps.store.deleteWebSessionById(by.user.id, id))) throw notFound('signed-in browser');
  const current = id === currentId;
  await audit(deps, by, 'session.revoke', id, { current });
  return current;
}

/**
 * "Sign out everywhere else": every other session ends, and every remembered browser (this one
 * too: its cookie is scoped to the sign-in path, so it cannot be told apart here) must pass the
 * one-time code again at its next sign-in.
 */
export async function revokeOtherWebSessions(
  deps: AuthDeps,
  by: Actor,
  currentHash: string | undefined,
): Promise<{ revoked: number; rememberedBrowsersForgotten: number }> {
  if (!currentHash) throw forbidden('Sign out other browsers from a signed-in browser session.', 'session_required');
  const revoked = await deps.store.deleteWebSessionsOfUser(by.user.id, currentHash);
  const forgotten = await deps.store.deleteRememberedBrowsersOfUser(by.user.id);
  await audit(deps, by, 'session.revoke', by.user.id, { others: true, revoked, rememberedBrowsersForgotten: forgotten });
  return { revoked, rememberedBrowsersForgotten: forgotten };
}
