// Admin API for second factors, mounted at /api/v1/admin: the MFA policy and resetting one user's
// MFA (server/auth/mfa-admin.ts does the work). The router guards itself like the users router.
import express, { type Router } from 'express';
import { MfaPolicyBody } from '../../../contract/api/auth-admin.ts';
import { Id } from '../../../contract/ids.ts';
import type { AuthDeps } from '../../auth/deps.ts';
import { livePolicy, resetUserMfa, setMfaPolicy } from '../../auth/mfa-admin.ts';
import { actorOf } from '../actor.ts';
import { requireRole } from '../auth-middleware.ts';
import { parse } from '../validate.ts';

export function createAdminMfaRouter(deps: AuthDeps): Router {
  const router = express.Router();
  router.use('/mfa-policy', requireRole('admin'));
  router.use('/users/:id/mfa', requireRole('admin'));

  router.get('/mfa-policy', async (_req, res) => {
    res.json(await livePolicy(deps.store));
  });

  router.put('/mfa-policy', async (req, res) => {
    res.json(await setMfaPolicy(deps, actorOf(req, res), parse(MfaPolicyBody, req.body)));
  });

  router.post('/users/:id/mfa/reset', async (req, res) => {
    await resetUserMfa(deps, actorOf(req, res), parse(Id, req.params.id, 'user id'));
    res.status(204).end();
  });

  return router;
}
