// Admin API for second factors, mounted at /api/v1/admin: the MFA policy (which roles and groups
// must use TOTP, how long a browser may be remembered) and resetting one user's MFA (a lost phone).
// Both are audited. The router guards itself like the users router.
import express, { type Router } from 'express';
import { conflict, forbidden, notFound, invalid } from '../../errors.ts';
import { requiredByPolicy } from '../../auth/mfa.ts';
import { parse } from '../validate.ts';
import type { MfaPolicy, Store } from '../../store/types.ts';
import type { AuthDeps } from '../../auth/deps.ts';
import { clientAddress, principalOf, requireRole } from '../auth-middleware.ts';
import { mfaPolicyBody } from '../../auth/schemas.ts';

/** The policy with group ids that no longer exist left out (a deleted group). */
async function livePolicy(store: Store): Promise<MfaPolicy> {
  const p = await store.getMfaPolicy();
  const ids = new Set((await store.listGroups()).map((g) => g.id));
  return { ...p, requiredGroups: p.requiredGroups.filter((g) => ids.has(g)) };
}

export function createAdminMfaRouter(deps: AuthDeps): Router {
  const { store } = deps;
  const router = express.Router();
  router.use('/mfa-policy', requireRole('admin'));
  router.use('/users/:id/mfa', requireRole('admin'));

  router.get('/mfa-policy', async (_req, res) => {
    res.json(await livePolicy(store));
  });

  router.put('/mfa-policy', async (req, res) => {
    const body = parse(mfaPolicyBody, req.body);
    const groups = await store.listGroups();
    // Groups may be named by id or by name, as in the users API.
    const ids: string[] = [];
    const unknown: string[] = [];
    for (const ref of body.requiredGroups) {
      const g = groups.find((x) => x.id === ref) ?? groups.find((x) => x.name === ref);
      if (g) ids.push(g.id);
      else unknown.push(ref);
    }
    if (unknown.length) throw invalid(`Unknown group(s): ${unknown.join(', ')}.`, [{ field: 'requiredGroups', problem: `unknown: ${unknown.join(', ')}` }]);
    const before = await livePolicy(store);
    const next: MfaPolicy = { requiredRoles: body.requiredRoles, requiredGroups: ids, rememberDays: body.rememberDays };
    // An admin must not lock themselves out of this page by requiring what they lack.
    const me = principalOf(res).user;
    if (requiredByPolicy(me, next) && (await store.getTotp(me.id))?.confirmedAt == null) {
      throw conflict('mfa_enroll_first', 'This policy would require two-step verification of you too. Set it up on your Account page first, then save the policy.');
    }
    const saved = await store.setMfaPolicy(next, deps.clock.now());
    // A shorter (or zero) rememberDays takes effect at once: rememberedFor() checks the policy.
    await deps.audit.record({ actor: principalOf(res).user.username, action: 'mfa.policy_change', target: null, result: 'ok', ip: clientAddress(req), details: { before, after: saved } });
    res.json(saved);
  });

  router.post('/users/:id/mfa/reset', async (req, res) => {
    const user = await store.getUser(req.params.id);
    if (!user) throw notFound('user');
    const me = principalOf(res);
    if (user.id === me.user.id) {
      // Resetting is for someone else's lost phone. One's own factor is turned off on the Account
      // page with the password or a code, so a leaked admin token cannot strip it.
      await deps.audit.record({ actor: me.user.username, action: 'mfa.reset', target: user.id, result: 'denied', ip: clientAddress(req), details: { reason: 'own_account', via: me.via } });
      throw forbidden('Turn off or move your own two-step verification on your Account page (it asks for your password or a code); another admin can reset it for you.', 'self_service_required');
    }
    const hadFactor = await store.clearMfa(user.id);
    await deps.audit.record({
      actor: principalOf(res).user.username,
      action: 'mfa.reset',
      target: user.id,
      result: 'ok',
      ip: clientAddress(req),
      details: { username: user.username, hadFactor },
    });
    res.status(204).end();
  });

  return router;
}
