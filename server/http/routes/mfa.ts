// Self-service TOTP, mounted at /api/v1 by the auth router: status, setup, confirm and disable
// (the rules are in server/auth/totp-enrolment.ts).
import express, { type Router } from 'express';
import { TotpConfirmBody, TotpDisableBody, TotpSetupBody } from '../../../contract/api/auth.ts';
import type { AuthDeps } from '../../auth/deps.ts';
import type { LoginThrottle } from '../../auth/login-throttle.ts';
import { mfaStatus } from '../../auth/mfa.ts';
import { createTotpEnrolment } from '../../auth/totp-enrolment.ts';
import { actorOf } from '../actor.ts';
import { principalOf, requireUser } from '../auth-middleware.ts';
import { parse } from '../validate.ts';

export function createMfaRouter(deps: AuthDeps, throttle: LoginThrottle): Router {
  const router = express.Router();
  const totp = createTotpEnrolment(deps, throttle);

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
    const by = { ...actorOf(req, res), sessionHash: principalOf(res).session?.hash };
    res.status(201).json(await totp.setup(by, () => parse(TotpSetupBody, req.body ?? {})));
  });

  router.post('/me/mfa/totp/confirm', requireUser, async (req, res) => {
    res.json(await totp.confirm(actorOf(req, res), () => parse(TotpConfirmBody, req.body)));
  });

  router.delete('/me/mfa/totp', requireUser, async (req, res) => {
    await totp.disable(actorOf(req, res), () => parse(TotpDisableBody, req.body ?? {}));
    res.status(204).end();
  });

  return router;
}
