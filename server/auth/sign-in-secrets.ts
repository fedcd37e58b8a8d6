// The directory password a person signed in with, kept sealed for the life of that web session only,
// for existing machines in `passthrough` mode (docs/passthrough.md). Only directory (LDAP) sign-ins
// keep one; it is never logged, never in an answer, and goes with its web session.
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { signInSecretAad } from '../store/sign-in-secret-types.ts';
import type { Store } from '../store/types.ts';
import { VaultError, type Vault } from '../vault.ts';

export interface SignInSecretDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  vault: Vault;
}

/** What a passthrough machine is refused with when this web session holds no directory password. */
export const PASSTHROUGH_REFUSAL = 'This machine signs you in with your directory password; sign in with your directory account to use it.';

/**
 * Keeps the password a directory sign-in used for its new web session. The person's other web
 * sessions that hold a different password (it changed in the directory since) lose theirs: the old
 * one would fail at every machine and could count towards a lockout there.
 */
export async function keepSignInPassword(
  deps: SignInSecretDeps,
  o: { webSessionId: string; userId: string; providerId: string; username: string; password: string },
): Promise<void> {
  await deps.store.putSignInSecret({
    webSessionId: o.webSessionId,
    userId: o.userId,
    providerId: o.providerId,
    username: o.username,
    passwordSealed: deps.vault.seal(o.password, signInSecretAad(o.webSessionId)),
    createdAt: deps.clock.now(),
  });
  let dropped = 0;
  for (const other of await deps.store.listSignInSecretsOfUser(o.userId, o.webSessionId)) {
    if (opened(deps, other.passwordSealed, other.webSessionId) === o.password) continue;
    if (await deps.store.deleteSignInSecret(other.webSessionId)) dropped++;
  }
  if (dropped) deps.log.info({ userId: o.userId, dropped }, 'directory password changed: older sign-ins no longer pass it through');
}

/** The sealed value's plaintext, or null when the vault cannot open it (a key no longer held). */
function opened(deps: SignInSecretDeps, sealed: string, webSessionId: string): string | null {
  try {
    return deps.vault.open(sealed, signInSecretAad(webSessionId));
  } catch (err) {
    if (err instanceof VaultError) return null;
    throw err;
  }
}

/**
 * The directory login a live web session of `userId` signed in with, or null: no web session (an
 * API token), another person's, expired, or one that signed in without a directory password.
 */
export async function signInLogin(
  deps: SignInSecretDeps,
  webSessionId: string | null | undefined,
  userId: string,
): Promise<{ username: string; password: string } | null> {
  if (!webSessionId) return null;
  const kept = await deps.store.getSignInSecret(webSessionId);
  if (!kept || kept.userId !== userId) return null;
  const web = (await deps.store.listWebSessionsOfUser(userId)).find((w) => w.id === webSessionId);
  if (!web || web.expiresAt <= deps.clock.now()) return null;
  const password = opened(deps, kept.passwordSealed, webSessionId);
  if (password === null) {
    deps.log.warn({ userId }, 'a kept sign-in password cannot be opened with the vault’s keys; the person must sign in again');
    return null;
  }
  return { username: kept.username, password };
}
