// Self-service TOTP, HTTP-free: setup (a pending secret shown with its QR code), confirm (enables
// it and hands out 10 recovery codes once) and disable. Every change needs a browser session, and
// the password (or a code) where an attacker holding only a session cookie could otherwise take
// over or strip the second factor. Re-authentication shares the sign-in throttle: it is a guess too.
import QRCode from 'qrcode';
import { conflict, forbidden, throttled, DomainError } from '../errors.ts';
import type { User } from '../store/types.ts';
import type { AuthDeps } from './deps.ts';
import type { LoginAttempt, LoginThrottle } from './login-throttle.ts';
import { verifyCode } from './mfa.ts';
import { verifyPassword } from './passwords.ts';
import { hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, totpUri } from './totp.ts';
import type { Actor } from './users.ts';

/** How recent the sign-in of an account without a password must be to set up a second factor. */
const RECENT_SIGN_IN_MS = 15 * 60_000;

/** The person acting from a browser session (with its stored hash, for "recent sign-in"). */
export interface BrowserActor extends Actor {
  sessionHash?: string;
}

function browserUser(by: Actor): User {
  if (by.via !== 'cookie') throw forbidden('Manage two-step verification from a signed-in browser session.', 'session_required');
  return by.user;
}

const ALREADY = 'Two-step verification is on already. Turn it off first to move it to another app.';

export function createTotpEnrolment(deps: AuthDeps, throttle: LoginThrottle) {
  const audit = (by: Actor, action: string, result: 'ok' | 'denied', details: Record<string, unknown> = {}) =>
    deps.audit.record({ actor: by.user.username, action, target: by.user.id, result, ip: by.ip, details });

  async function reauth(by: Actor, check: () => Promise<boolean>, action: string): Promise<void> {
    const attempt: LoginAttempt = { account: by.user.username.toLowerCase(), ip: by.ip };
    const wait = await throttle.admit(attempt);
    if (wait) throw throttled(wait.waitS, `Too many attempts. Try again in ${wait.waitS} s.`);
    if (await check()) return void (await throttle.succeeded(attempt));
    await throttle.failed(attempt);
    await audit(by, action, 'denied', { reason: 'bad_credentials' });
    throw new DomainError('forbidden', 'invalid_credentials', 'Your password (or code) is not right.');
  }

  /** `read` gives the body once the caller may do this at all. */
  async function setup(
    by: BrowserActor,
    read: () => { password?: string },
  ): Promise<{ secret: string; otpauthUri: string; qrDataUrl: string }> {
    const user = browserUser(by);
    const body = read();
    if ((await deps.store.getTotp(user.id))?.confirmedAt != null) throw conflict('mfa_already_enabled', ALREADY);
    if (user.passwordHash !== null) {
      await reauth(by, () => verifyPassword(user.passwordHash, body.password ?? ''), 'mfa.setup');
    } else {
      // No password here to confirm (an identity provider's account): a stolen cookie must not be
      // enough to bind an attacker's app, so the sign-in itself has to be recent.
      const session = by.sessionHash ? await deps.store.getWebSession(by.sessionHash) : null;
      if (!session || deps.clock.now() - session.createdAt > RECENT_SIGN_IN_MS) {
        throw forbidden(
          'For your safety, sign out and sign in again, then set up two-step verification within 15 minutes.',
          'recent_sign_in_required',
        );
      }
    }
    const secret = newTotpSecret();
    if (!(await deps.store.putPendingTotp(user.id, secret, deps.clock.now()))) throw conflict('mfa_already_enabled', ALREADY);
    const otpauthUri = totpUri(secret, user.username);
    // A PNG data: URL; the CSP allows `img-src data:`, so no inline script or style is needed.
    const qrDataUrl = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 1, width: 240 });
    await audit(by, 'mfa.setup', 'ok');
    return { secret, otpauthUri, qrDataUrl };
  }

  async function confirm(by: Actor, read: () => { code: string }): Promise<{ enabled: true; recoveryCodes: string[] }> {
    const user = browserUser(by);
    const { code } = read();
    const totp = await deps.store.getTotp(user.id);
    if (!totp || totp.confirmedAt !== null) {
      throw conflict(
        totp ? 'mfa_already_enabled' : 'mfa_not_pending',
        totp ? 'Two-step verification is on already.' : 'Start the set-up first: no secret is waiting for a code.',
      );
    }
    const attempt: LoginAttempt = { account: user.username.toLowerCase(), ip: by.ip };
    const wait = await throttle.admit(attempt);
    if (wait) throw throttled(wait.waitS, `Too many attempts. Try again in ${wait.waitS} s.`);
    const step = matchTotp(totp.secret, code, deps.clock.now());
    if (step === null) {
      await throttle.failed(attempt);
      // 400, not 401: the person is signed in; only the code is wrong.
      throw new DomainError('invalid', 'invalid_otp', 'That code is not right. Check the time on your phone and enter the newest code.', [
        { field: 'code', problem: 'is not the current code' },
      ]);
    }
    const recoveryCodes = newRecoveryCodes();
    const hashes = recoveryCodes.map((c) => hashRecoveryCode(normalizeRecoveryCode(c)!));
    if (!(await deps.store.confirmTotp(user.id, totp.secret, step, hashes, deps.clock.now()))) {
      throw conflict('mfa_not_pending', 'The set-up changed meanwhile (another tab?). Start again.');
    }
    await throttle.succeeded(attempt);
    await audit(by, 'mfa.enroll', 'ok', { method: 'totp' });
    return { enabled: true, recoveryCodes };
  }

  async function disable(by: Actor, read: () => { password?: string; code?: string }): Promise<void> {
    const user = browserUser(by);
    const body = read();
    const totp = await deps.store.getTotp(user.id);
    if (!totp) throw conflict('mfa_not_enabled', 'Two-step verification is not on.');
    await reauth(
      by,
      async () => {
        if (body.password !== undefined && user.passwordHash !== null && (await verifyPassword(user.passwordHash, body.password)))
          return true;
        if (body.code === undefined || totp.confirmedAt === null) return false;
        return (await verifyCode(deps, user, totp.secret, body.code)).ok;
      },
      'mfa.disable',
    );
    await deps.store.clearMfa(user.id);
    await audit(by, 'mfa.disable', 'ok', { wasPending: totp.confirmedAt === null });
  }

  return { setup, confirm, disable };
}
