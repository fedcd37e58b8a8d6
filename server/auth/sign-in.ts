// Signing in with a username and password, HTTP-free: the throttle (charged before the slow
// password check), the audit of every refusal, the second factor, and the new web session. Which
// credentials are right is asked of the caller (the HTTP side runs passport's local and LDAP
// strategies), so this module only decides what a credential check's outcome means.
import type { User } from '../store/types.ts';
import { throttled, DomainError } from '../errors.ts';
import type { AuthDeps } from './deps.ts';
import { accountKey, type LoginAttempt, type LoginThrottle } from './login-throttle.ts';
import { checkSecondFactor, otpRequired, secondFactorPassed } from './mfa.ts';
import { rememberedUserId } from './remembered-browsers.ts';
import { keepSignInPassword } from './sign-in-secrets.ts';
import { dropWebSession, signInBrowser, type IssuedSecret, type SessionOrigin } from './web-sessions.ts';

export type FailReason = 'unknown_user' | 'no_password' | 'bad_password' | 'disabled' | 'directory_unavailable';
export type LoginOutcome =
  /** `directoryUsername`: the directory's own name for the person, set when a directory (LDAP) checked the password. */
  | { ok: true; user: User; provider?: string; directoryUsername?: string }
  | { ok: false; reason: FailReason; userId: string | null; provider?: string };

export const WRONG = 'Wrong username or password.';

const OTP_REFUSED = {
  invalid_otp: 'That code is not right. Enter the current code from your authenticator app, or a recovery code.',
  otp_replay: 'That code was used already. Wait for the next code from your authenticator app.',
} as const;

/** The browser signing in: its address and its current cookies' values. */
export interface SignInFrom {
  ip: string;
  origin: SessionOrigin;
  sessionCookie: string | null;
  rememberCookie: string | null;
}

/** How the credentials are checked: the local accounts, then (for other names) the directories. */
export interface CredentialChecks {
  local(): Promise<LoginOutcome>;
  /** Null when no directory knows the name (or none is configured). */
  directories?(): Promise<LoginOutcome | null>;
}

/** A remember-browser cookie of the user named `account` marks the browser as the owner's own. */
async function rememberedAccount(deps: AuthDeps, cookie: string | null): Promise<string | null> {
  const userId = await rememberedUserId(deps, cookie);
  const name = userId === null ? undefined : (await deps.store.getUser(userId))?.username;
  return name === undefined ? null : accountKey(name);
}

export async function signInWithPassword(
  deps: AuthDeps,
  throttle: LoginThrottle,
  body: { username: string; password: string; otp?: string; remember?: boolean },
  from: SignInFrom,
  checks: CredentialChecks,
): Promise<{ user: User; session: IssuedSecret; remember?: IssuedSecret }> {
  const { username, otp, remember } = body;
  const { ip } = from;
  // Case-folded so "Admin" and "admin" share one counter whatever the store's collation.
  const account = accountKey(username);
  const attempt: LoginAttempt = { account, ip, trustedBrowser: (await rememberedAccount(deps, from.rememberCookie)) === account };
  const actor = username.slice(0, 64);

  // Charged before the (slow) password check, in one step on the store, so parallel guesses (on
  // one gateway or several) cannot outrun the counter; a successful sign-in forgets it again.
  const wait = await throttle.admit(attempt);
  if (wait) {
    deps.log.info({ ip, wait: wait.waitS, scope: wait.scope }, 'sign-in refused: throttled');
    throw throttled(wait.waitS, `Too many failed sign-ins. Wait ${wait.waitS} seconds and try again.`);
  }

  const refuse = async (target: string | null, reason: string, provider?: string) => {
    const lock = await throttle.failed(attempt);
    await deps.audit.record({
      actor,
      action: 'auth.login',
      target,
      result: 'failed',
      ip,
      details: { reason, ...(provider ? { provider } : {}) },
    });
    if (lock) {
      await deps.audit.record({
        actor,
        action: 'auth.throttled',
        target,
        result: 'denied',
        ip,
        details: { scope: lock.scope, lockS: lock.lockS },
      });
    }
  };

  let outcome = await checks.local();
  // A name with a local password is a local account; any other name may be a directory's.
  if (!outcome.ok && (outcome.reason === 'unknown_user' || outcome.reason === 'no_password') && checks.directories) {
    outcome = (await checks.directories()) ?? outcome;
  }
  if (!outcome.ok && outcome.reason === 'directory_unavailable') {
    await deps.audit.record({
      actor,
      action: 'auth.login',
      target: null,
      result: 'failed',
      ip,
      details: { reason: outcome.reason, provider: outcome.provider },
    });
    throw new DomainError(
      'unavailable',
      'directory_unavailable',
      `The sign-in directory (${outcome.provider}) cannot be reached right now. Try again in a minute; if it keeps failing, tell your admin.`,
    );
  }
  if (!outcome.ok) {
    await refuse(outcome.userId, outcome.reason, outcome.provider);
    throw new DomainError('unauthenticated', 'invalid_credentials', WRONG);
  }
  const { user } = outcome;
  const second = await checkSecondFactor(deps, from.rememberCookie, user, otp);
  if (!second.ok) {
    if (second.reason === 'otp_required') {
      // The password was right: not a failure for the address, but the attempt stays charged to
      // the account, so password-only probes cannot reset the counter that guards the code.
      await deps.audit.record({ actor, action: 'auth.login', target: user.id, result: 'denied', ip, details: { reason: 'otp_required' } });
      throw await otpRequired(deps);
    }
    await refuse(user.id, second.reason);
    throw new DomainError('unauthenticated', 'invalid_otp', OTP_REFUSED[second.reason]);
  }

  await throttle.succeeded(attempt);
  const { session: web, cookie: session } = await signInBrowser(deps, from.sessionCookie, user.id, from.origin);
  // A directory account's password is what its machines know too: kept for this web session only,
  // for passthrough machines. Local passwords are Deskport's own and are never kept (docs/passthrough.md).
  if (outcome.directoryUsername && outcome.provider && deps.vault)
    await keepSignInPassword(
      { ...deps, vault: deps.vault },
      {
        webSessionId: web.id,
        userId: user.id,
        providerId: outcome.provider,
        username: outcome.directoryUsername,
        password: body.password,
      },
    );
  const { rememberedDays, cookie } = await secondFactorPassed(deps, user, second.via, remember, ip);
  await deps.audit.record({
    actor: user.username,
    action: 'auth.login',
    target: user.id,
    result: 'ok',
    ip,
    details: {
      ...(outcome.provider ? { provider: outcome.provider } : {}),
      ...(second.via === 'none' ? {} : { mfa: second.via, ...(rememberedDays ? { rememberedDays } : {}) }),
    },
  });
  return { user, session, remember: cookie };
}

/** Ends the session a cookie names; audited when someone was signed in with it. True when it existed. */
export async function signOut(deps: AuthDeps, sessionCookie: string | null, user: User | null, ip: string): Promise<boolean> {
  const ended = await dropWebSession(deps, sessionCookie);
  if (ended && user)
    await deps.audit.record({ actor: user.username, action: 'auth.logout', target: user.id, result: 'ok', ip, details: {} });
  return ended;
}
