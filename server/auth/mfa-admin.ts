// The admin's side of second factors: the MFA policy (which roles and groups must use TOTP, how
// long a browser may be remembered) and resetting one user's factor (a lost phone). Both audited.
import type { MfaPolicyBody } from '../../contract/api/auth-admin.ts';
import { conflict, forbidden, notFound } from '../errors.ts';
import type { MfaPolicy, Store } from '../store/types.ts';
import type { AuthDeps } from './deps.ts';
import { requiredByPolicy } from './mfa.ts';
import { resolveGroups, uniqueRoles, type Actor } from './users.ts';

/** The policy with group ids that no longer exist left out (a deleted group). */
export async function livePolicy(store: Store): Promise<MfaPolicy> {
  const p = await store.getMfaPolicy();
  const ids = new Set((await store.listGroups()).map((g) => g.id));
  return { ...p, requiredGroups: p.requiredGroups.filter((g) => ids.has(g)) };
}

export async function setMfaPolicy(deps: AuthDeps, by: Actor, body: MfaPolicyBody): Promise<MfaPolicy> {
  const { store } = deps;
  // Groups may be named by id or by name, as in the users API.
  const ids = (await resolveGroups(store, body.requiredGroups, 'requiredGroups', '')) ?? [];
  const before = await livePolicy(store);
  const next: MfaPolicy = { requiredRoles: uniqueRoles(body.requiredRoles), requiredGroups: ids, rememberDays: body.rememberDays };
  // An admin must not lock themselves out of this page by requiring what they lack.
  if (requiredByPolicy(by.user, next) && (await store.getTotp(by.user.id))?.confirmedAt == null) {
    throw conflict(
      'mfa_enroll_first',
      'This policy would require two-step verification of you too. Set it up on your Account page first, then save the policy.',
    );
  }
  const saved = await store.setMfaPolicy(next, deps.clock.now());
  // A shorter (or zero) rememberDays takes effect at once: rememberedFor() checks the policy.
  await deps.audit.record({
    actor: by.user.username,
    action: 'mfa.policy_change',
    target: null,
    result: 'ok',
    ip: by.ip,
    details: { before, after: saved },
  });
  return saved;
}

export async function resetUserMfa(deps: AuthDeps, by: Actor, userId: string): Promise<void> {
  const user = await deps.store.getUser(userId);
  if (!user) throw notFound('user');
  if (user.id === by.user.id) {
    // Resetting is for someone else's lost phone. One's own factor is turned off on the Account
    // page with the password or a code, so a leaked admin token cannot strip it.
    await deps.audit.record({
      actor: by.user.username,
      action: 'mfa.reset',
      target: user.id,
      result: 'denied',
      ip: by.ip,
      details: { reason: 'own_account', via: by.via },
    });
    throw forbidden(
      'Turn off or move your own two-step verification on your Account page (it asks for your password or a code); another admin can reset it for you.',
      'self_service_required',
    );
  }
  const hadFactor = await deps.store.clearMfa(user.id);
  await deps.audit.record({
    actor: by.user.username,
    action: 'mfa.reset',
    target: user.id,
    result: 'ok',
    ip: by.ip,
    details: { username: user.username, hadFactor },
  });
}
