// Admin API for users and groups, mounted at /api/v1/admin. The app puts requireRole('admin') in
// front; the router guards itself too, so mounting it elsewhere by mistake cannot open it up.
// The MFA policy and MFA reset live beside it in admin-mfa.ts.
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { conflict, forbidden, fromZod, notFound, invalid } from '../../errors.ts';
import { isStoreConflict } from '../../store/errors.ts';
import type { Group, Store, User } from '../../store/types.ts';
import { passwordPolicyOf, type AuthDeps } from '../../auth/deps.ts';
import { requiredByPolicy } from '../../auth/mfa.ts';
import { clientAddress, principalOf, requireRole } from '../auth-middleware.ts';
import { assertPasswordAllowed } from '../../auth/password-policy.ts';
import { hashPassword } from '../../auth/passwords.ts';
import { createGroupBody, createUserBody, patchUserBody } from '../../auth/schemas.ts';
import { groupNames, publicUser } from '../../auth/views.ts';

/** Maps group ids or names to ids; unknown ones are a 400 listing them. */
async function resolveGroups(store: Store, refs: string[] | undefined): Promise<string[] | undefined> {
  if (refs === undefined) return undefined;
  const all = await store.listGroups();
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const ref of refs) {
    const g = all.find((x) => x.id === ref) ?? all.find((x) => x.name === ref);
    if (g) ids.push(g.id);
    else unknown.push(ref);
  }
  if (unknown.length) {
    throw invalid(`Unknown group(s): ${unknown.join(', ')}. Create them first.`, [{ field: 'groups', problem: `unknown: ${unknown.join(', ')}` }]);
  }
  return [...new Set(ids)];
}

/** Maps the store's duplicate-key error (a lost race with a concurrent create) to our 409. */
const rethrowDuplicate = (code: string, message: string) => (err: unknown): never => {
  throw isStoreConflict(err, 'duplicate') ? conflict(code, message) : err;
};

const groupJson = (g: Group) => ({ id: g.id, name: g.name, description: g.description });

export function createAdminUsersRouter(deps: AuthDeps): Router {
  const { store } = deps;
  const router = express.Router();
  router.use(requireRole('admin'));

  const audit = (req: Request, res: Response, action: string, target: string, details: Record<string, unknown> = {}) =>
    deps.audit.record({ actor: principalOf(res).user.username, action, target, result: 'ok', ip: clientAddress(req), details });
  const by = (req: Request, res: Response, cause: string) => ({ actor: principalOf(res).user.username, ip: clientAddress(req), cause });

  async function userOr404(id: string): Promise<User> {
    const u = await store.getUser(id);
    if (!u) throw notFound('user');
    return u;
  }

  /** The admin's view of a user: the public fields plus MFA status (never the secret). */
  async function adminViews(users: User[]) {
    const names = await groupNames(store);
    const enrolled = new Set(await store.listTotpUserIds());
    const policy = await store.getMfaPolicy();
    const providerNames = new Map((await store.listIdentityProviders()).map((p) => [p.id, p.name]));
    const links = new Map<string, { id: string; name: string }[]>();
    for (const i of await store.listUserIdentities()) {
      links.set(i.userId, [...(links.get(i.userId) ?? []), { id: i.providerId, name: providerNames.get(i.providerId) ?? i.providerId }]);
    }
    return users.map((u) => ({
      ...publicUser(u, names),
      mfa: { enabled: enrolled.has(u.id), requiredByPolicy: requiredByPolicy(u, policy) },
      // Where the account signs in: its identity providers (empty for a local account).
      providers: links.get(u.id) ?? [],
    }));
  }

  router.get('/users', async (_req, res) => {
    res.json(await adminViews(await store.listUsers()));
  });

  router.post('/users', async (req, res) => {
    const parsed = createUserBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const b = parsed.data;
    const taken = `The username "${b.username}" is taken; pick another.`;
    if (await store.getUserByName(b.username)) throw conflict('username_taken', taken);
    assertPasswordAllowed(b.password, b.username, passwordPolicyOf(deps.config));
    const groups = (await resolveGroups(store, b.groups)) ?? [];
    const passwordHash = await hashPassword(b.password);
    const user = await store
      .createUser({
        id: randomUUID(),
        username: b.username,
        displayName: b.displayName || b.username,
        roles: b.roles ?? ['user'],
        groups,
        disabled: false,
        passwordHash,
        createdAt: deps.clock.now(),
      })
      .catch(rethrowDuplicate('username_taken', taken));
    await audit(req, res, 'user.create', user.id, { username: user.username, roles: user.roles, groups: user.groups });
    res.status(201).json((await adminViews([user]))[0]);
  });

  router.get('/users/:id', async (req, res) => {
    res.json((await adminViews([await userOr404(req.params.id)]))[0]);
  });

  router.patch('/users/:id', async (req, res) => {
    const parsed = patchUserBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const b = parsed.data;
    const me = principalOf(res);
    const target = await userOr404(req.params.id);
    const self = target.id === me.user.id;
    // Refusing these keeps at least one working admin (the one acting) in every sequence of edits.
    if (self && b.disabled === true) throw conflict('cannot_disable_self', 'You cannot disable your own account.');
    if (self && b.roles && !b.roles.includes('admin')) throw conflict('cannot_demote_self', 'You cannot remove your own admin role.');
    if (self && b.password !== undefined) {
      // One's own credentials change only on the Account page, which asks for the current password:
      // a leaked admin token (or an unattended browser) must not be able to take the account over.
      await deps.audit.record({ actor: me.user.username, action: 'user.update', target: target.id, result: 'denied', ip: clientAddress(req), details: { reason: 'own_password', via: me.via } });
      throw forbidden('Change your own password on your Account page (it asks for your current password), not through the user admin.', 'self_service_required');
    }

    const patch: Partial<Omit<User, 'id' | 'createdAt'>> = {};
    if (b.displayName !== undefined) patch.displayName = b.displayName || target.username;
    if (b.roles !== undefined) patch.roles = b.roles;
    if (b.disabled !== undefined) patch.disabled = b.disabled;
    const groups = await resolveGroups(store, b.groups);
    if (groups !== undefined) patch.groups = groups;
    if (b.password !== undefined && target.passwordHash === null && (await store.listIdentitiesOfUser(target.id)).length > 0) {
      // A local password would win over the directory for this name and cut the person off from it.
      throw conflict('external_account', `${target.username} signs in through an identity provider; their password is managed there, not in Deskport.`);
    }
    if (b.password !== undefined) {
      assertPasswordAllowed(b.password, target.username, passwordPolicyOf(deps.config));
      patch.passwordHash = await hashPassword(b.password);
    }

    const updated = await store.updateUser(target.id, patch);
    if (!updated) throw notFound('user');
    // A new password ends every browser session of that user (never the admin's own: refused above).
    if (b.password !== undefined) await store.deleteWebSessionsOfUser(target.id);
    const { password: _pw, ...changed } = b;
    await audit(req, res, 'user.update', target.id, {
      username: target.username,
      changed: { ...changed, ...(groups !== undefined ? { groups } : {}) },
      ...(b.password !== undefined ? { passwordChanged: true } : {}),
    });
    // Disabled, or groups or roles changed: whatever that costs them closes now (broker/access.ts).
    if (b.disabled !== undefined || groups !== undefined || b.roles !== undefined) await deps.access.userChanged(target.id, by(req, res, 'user.update'));
    res.json((await adminViews([updated]))[0]);
  });

  router.delete('/users/:id', async (req, res) => {
    const me = principalOf(res);
    const target = await userOr404(req.params.id);
    if (target.id === me.user.id) throw conflict('cannot_delete_self', 'You cannot delete your own account.');
    await store.deleteWebSessionsOfUser(target.id);
    await store.deleteUser(target.id);
    await audit(req, res, 'user.delete', target.id, { username: target.username });
    // Their open displays close and their live sessions end (the session rows keep the id).
    await deps.access.userChanged(target.id, by(req, res, 'user.delete'));
    res.status(204).end();
  });

  router.get('/groups', async (_req, res) => {
    res.json((await store.listGroups()).map(groupJson));
  });

  router.post('/groups', async (req, res) => {
    const parsed = createGroupBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const { name, description } = parsed.data;
    if (await store.getGroupByName(name)) throw conflict('group_name_taken', `A group named "${name}" exists already.`);
    const group = await store
      .createGroup({ id: randomUUID(), name, description })
      .catch(rethrowDuplicate('group_name_taken', `A group named "${name}" exists already.`));
    await audit(req, res, 'group.create', group.id, { name });
    res.status(201).json(groupJson(group));
  });

  router.delete('/groups/:id', async (req, res) => {
    const group = await store.getGroup(req.params.id);
    if (!group) throw notFound('group');
    const members = (await store.listUsers()).filter((u) => u.groups.includes(group.id));
    try {
      // The store unlinks the group from users and pools atomically, and refuses when it is some
      // pool's only group: an empty entitlement list means "everyone", so that would widen access.
      await store.deleteGroup(group.id);
    } catch (err) {
      if (isStoreConflict(err, 'in_use')) throw conflict('group_in_use', err.message);
      throw err;
    }
    await audit(req, res, 'group.delete', group.id, { name: group.name });
    // A pool this group entitled (besides others) may now be out of some members' reach.
    for (const u of members) await deps.access.userChanged(u.id, by(req, res, 'group.delete'));
    res.status(204).end();
  });

  return router;
}
