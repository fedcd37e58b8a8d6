// Self-service TOTP, mounted at /api/v1 by the auth router: status, setup (a pending secret shown
// with its QR code), confirm (enables it and shows 10 recovery codes once) and disable. Every route
// that changes the factor needs a browser session, and the password (or a code) where an attacker
// holding only a session cookie could otherwise take over or strip the second factor.
import express, { type Request, type Response, type Router } from 'express';
import QRCode from 'qrcode';
import { conflict, forbidden, throttled, DomainError } from '../../errors.ts';
import { parse } from '../validate.ts';
import type { User } from '../../store/types.ts';
import type { AuthDeps } from '../../auth/deps.ts';
import type { LoginAttempt, LoginThrottle } from '../../auth/login-throttle.ts';
import { mfaStatus, verifyCode } from '../../auth/mfa.ts';
import { clientAddress, principalOf, requireUser } from '../auth-middleware.ts';
import { verifyPassword } from '../../auth/passwords.ts';
import { totpConfirmBody, totpDisableBody, totpSetupBody } from '../../auth/schemas.ts';
import { hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, totpUri } from '../../auth/totp.ts';

/** How recent the sign-in of an account without a password must be to set up a second factor. */
const RECENT_SIGN_IN_MS = 15 * 60_000;

function browserUser(res: Response): User {
  const { user, via } = principalOf(res);
  if (via !== 'cookie') throw forbidden('Manage two-step verification from a signed-in browser session.', 'session_required');
  return user;
}

export function createMfaRouter(deps: AuthDeps, throttle: LoginThrottle): Router {
  const router = express.Router();

  const audit = (req: Request, user: User, action: string, result: 'ok' | 'denied', details: Record<string, unknown> = {}) =>
    deps.audit.record({ actor: user.username, action, target: user.id, result, ip: clientAddress(req), details });

  /** Re-authentication for a sensitive change shares the sign-in throttle: it is a guess too. */
  async function reauth(req: Request, user: User, check: () => Promise<boolean>, action: string): Promise<void> {
    const attempt: LoginAttempt = { account: user.username.toLowerCase(), ip: clientAddress(req) };
    const wait = throttle.check(attempt);
    if (wait) throw throttled(wait.waitS, `Too many attempts. Try again in ${wait.waitS} s.`);
    if (await check()) return;
    throttle.charge(attempt);
    throttle.failed(attempt);
    await audit(req, user, action, 'denied', { reason: 'bad_credentials' });
    throw new DomainError('forbidden', 'invalid_credentials', 'Your password (or code) is not right.');
  }

  router.get('/me/mfa', requireUser, async (_req, res) => {
    const s = await mfaStatus(deps, principalOf(res).user);
    res.json({
      totp: { enabled: s.enabled, pending: s.pending },
      enabled: s.enabled,
      recoveryCodesLeft: s.recoveryCodesLeft,
      requiredByPolicy: s.requiredByPolicy,
      enrollmentRequired: s.enrollmentRequired,
      rememberDays: s.rememberDays,
    });
  });

  router.post('/me/mfa/totp/setup', requireUser, async (req, res) => {
    const user = browserUser(res);
    const body = parse(totpSetupBody, req.body ?? {});
    if ((await deps.store.getTotp(user.id))?.confirmedAt != null) {
      throw conflict('mfa_already_enabled', 'Two-step verification is on already. Turn it off first to move it to another app.');
    }
    if (user.passwordHash !== null) {
      await reauth(req, user, () => verifyPassword(user.passwordHash, body.password ?? ''), 'mfa.setup');
    } else {
      // No password here to confirm (an identity provider's account): a stolen cookie must not be
      // enough to bind an attacker's app, so the sign-in itself has to be recent.
      const hash = principalOf(res).session?.hash;
      const session = hash ? await deps.store.getWebSession(hash) : null;
      if (!session || deps.clock.now() - session.createdAt > RECENT_SIGN_IN_MS) {
        throw forbidden('For your safety, sign out and sign in again, then set up two-step verification within 15 minutes.', 'recent_sign_in_required');
      }
    }
    const secret = newTotpSecret();
    if (!(await deps.store.putPendingTotp(user.id, secret, deps.clock.now()))) {
      throw conflict('mfa_already_enabled', 'Two-step verification is on already. Turn it off first to move it to another app.');
    }
    const otpauthUri = totpUri(secret, user.username);
    // A PNG data: URL; the CSP allows `img-src data:`, so no inline script or style is needed.
    const qrDataUrl = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 1, width: 240 });
    await audit(req, user, 'mfa.setup', 'ok');
    res.status(201).json({ secret, otpauthUri, qrDataUrl });
  });

  router.post('/me/mfa/totp/confirm', requireUser, async (req, res) => {
    const user = browserUser(res);
    const { code } = parse(totpConfirmBody, req.body);
    const totp = await deps.store.getTotp(user.id);
    if (!totp || totp.confirmedAt !== null) {
      throw conflict(totp ? 'mfa_already_enabled' : 'mfa_not_pending', totp ? 'Two-step verification is on already.' : 'Start the set-up first: no secret is waiting for a code.');
    }
    const attempt: LoginAttempt = { account: user.username.toLowerCase(), ip: clientAddress(req) };
    const wait = throttle.check(attempt);
    if (wait) throw throttled(wait.waitS, `Too many attempts. Try again in ${wait.waitS} s.`);
    const step = matchTotp(totp.secret, code, deps.clock.now());
    if (step === null) {
      throttle.charge(attempt);
      throttle.failed(attempt);
      // 400, not 401: the person is signed in; only the code is wrong.
      throw new DomainError('invalid', 'invalid_otp', 'That code is not right. Check the time on your phone and enter the newest code.', [{ field: 'code', problem: 'is not the current code' }]);
    }
    const recoveryCodes = newRecoveryCodes();
    const hashes = recoveryCodes.map((c) => hashRecoveryCode(normalizeRecoveryCode(c)!));
    if (!(await deps.store.confirmTotp(user.id, totp.secret, step, hashes, deps.clock.now()))) {
      throw conflict('mfa_not_pending', 'The set-up changed meanwhile (another tab?). Start again.');
    }
    await audit(req, user, 'mfa.enroll', 'ok', { method: 'totp' });
    res.json({ enabled: true, recoveryCodes });
  });

  router.delete('/me/mfa/totp', requireUser, async (req, res) => {
    const user = browserUser(res);
    const body = parse(totpDisableBody, req.body ?? {});
    const totp = await deps.store.getTotp(user.id);
    if (!totp) throw conflict('mfa_not_enabled', 'Two-step verification is not on.');
    await reauth(
      req,
      user,
      async () => {
        if (body.password !== undefined && user.passwordHash !== null && (await verifyPassword(user.passwordHash, body.password))) return true;
        if (body.code === undefined || totp.confirmedAt === null) return false;
        return (await verifyCode(deps, user, totp.secret, body.code)).ok;
      },
      'mfa.disable',
    );
    await deps.store.clearMfa(user.id);
    await audit(req, user, 'mfa.disable', 'ok', { wasPending: totp.confirmedAt === null });
    res.status(204).end();
  });

  return router;
}
