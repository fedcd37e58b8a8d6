// Users and groups as the admin changes them: create, change, delete, each with its audit record,
// the rules that keep the acting admin an admin, and the access consequences (server/broker/
// access.ts ends what a person may no longer reach). The admin API (server/http/routes/
// admin-users.ts) only parses, calls and renders.
import { randomUUID } from 'node:crypto';
import type { CreateGroupBody, CreateUserBody, PatchUserBody } from '../../contract/api/auth-admin.ts';
import { conflict, forbidden, invalid, notFound } from '../errors.ts';
import { isStoreConflict } from '../store/errors.ts';
import type { Group, Role, Store, User } from '../store/types.ts';
import { passwordPolicyOf, type AuthDeps } from './deps.ts';
import { requiredByPolicy } from './mfa.ts';
import { assertPasswordAllowed } from './password-policy.ts';
import { hashPassword } from './passwords.ts';
import { groupNames, publicUser } from './views.ts';

/** Who acts, from where and how (for the audit trail and the self-rules). */
export interface Actor {
  user: User;
  ip: string;
  via: 'cookie' | 'token';
}

export const uniqueRoles = (rs: readonly Role[]): Role[] => [...new Set(rs)];

/** Maps group ids or names to ids; unknown ones are a 400 listing them under `field`. */
export async function resolveGroups(
  store: Store,
  refs: readonly string[] | undefined,
  field = 'groups',
  hint = ' Create them first.',
): Promise<string[] | undefined> {
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
    throw invalid(`Unknown group(s): ${unknown.join(', ')}.${hint}`, [{ field, problem: `unknown: ${unknown.join(', ')}` }]);
  }
  return [...new Set(ids)];
}

/** Maps the store's duplicate-key error (a lost race with a concurrent create) to our 409. */
const rethrowDuplicate =
  (code: string, message: string) =>
  (err: unknown): never => {
    throw isStoreConflict(err, 'duplicate') ? conflict(code, message) : err;
  };

export const groupView = (g: Group) => ({ id: g.id, name: g.name, description: g.description });

/** The admin's view of users: the public fields plus MFA status (never the secret) and providers. */
export async function adminUserViews(store: Store, users: User[]) {
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

export async function userOr404(store: Store, id: string): Promise<User> {
  const u = await store.getUser(id);
  if (!u) throw notFound('user');
  return u;
}

export function createUserAdmin(deps: AuthDeps) {
  const { store } = deps;
  const audit = (by: Actor, action: string, target: string, details: Record<string, unknown> = {}) =>
    deps.audit.record({ actor: by.user.username, action, target, result: 'ok', ip: by.ip, details });
  const cause = (by: Actor, c: string) => ({ actor: by.user.username, ip: by.ip, cause: c });

  async function createUser(by: Actor, b: CreateUserBody): Promise<User> {
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
        roles: b.roles ? uniqueRoles(b.roles) : ['user'],
        groups,
        disabled: false,
        passwordHash,
        createdAt: deps.clock.now(),
      })
      .catch(rethrowDuplicate('username_taken', taken));
    await audit(by, 'user.create', user.id, { username: user.username, roles: user.roles, groups: user.groups });
    return user;
  }

  async function updateUser(by: Actor, id: string, input: PatchUserBody): Promise<User> {
    const b = { ...input, ...(input.roles ? { roles: uniqueRoles(input.roles) } : {}) };
    const target = await userOr404(store, id);
    const self = target.id === by.user.id;
    // Refusing these keeps at least one working admin (the one acting) in every sequence of edits.
    if (self && b.disabled === true) throw conflict('cannot_disable_self', 'You cannot disable your own account.');
    if (self && b.roles && !b.roles.includes('admin')) throw conflict('cannot_demote_self', 'You cannot remove your own admin role.');
    if (self && b.password !== undefined) {
      // One's own credentials change only on the Account page, which asks for the current password:
      // a leaked admin token (or an unattended browser) must not be able to take the account over.
      await deps.audit.record({
        actor: by.user.username,
        action: 'user.update',
        target: target.id,
        result: 'denied',
        ip: by.ip,
        details: { reason: 'own_password', via: by.via },
      });
      throw forbidden(
        'Change your own password on your Account page (it asks for your current password), not through the user admin.',
        'self_service_required',
      );
    }

    const patch: Partial<Omit<User, 'id' | 'createdAt'>> = {};
    if (b.displayName !== undefined) patch.displayName = b.displayName || target.username;
    if (b.roles !== undefined) patch.roles = b.roles;
    if (b.disabled !== undefined) patch.disabled = b.disabled;
    const groups = await resolveGroups(store, b.groups);
    if (groups !== undefined) patch.groups = groups;
    if (b.password !== undefined && target.passwordHash === null && (await store.listIdentitiesOfUser(target.id)).length > 0) {
      // A local password would win over the directory for this name and cut the person off from it.
      throw conflict(
        'external_account',
        `${target.username} signs in through an identity provider; their password is managed there, not in Deskport.`,
      );
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
    await audit(by, 'user.update', target.id, {
      username: target.username,
      changed: { ...changed, ...(groups !== undefined ? { groups } : {}) },
      ...(b.password !== undefined ? { passwordChanged: true } : {}),
    });
    // Disabled, or groups or roles changed: whatever that costs them closes now (broker/access.ts).
    if (b.disabled !== undefined || groups !== undefined || b.roles !== undefined)
      await deps.access.userChanged(target.id, cause(by, 'user.update'));
    return updated;
  }

  async function deleteUser(by: Actor, id: string): Promise<void> {
    const target = await userOr404(store, id);
    if (target.id === by.user.id) throw conflict('cannot_delete_self', 'You cannot delete your own account.');
    await store.deleteWebSessionsOfUser(target.id);
    await store.deleteUser(target.id);
    await audit(by, 'user.delete', target.id, { username: target.username });
    // Their open displays close and their live sessions end (the session rows keep the id).
    await deps.access.userChanged(target.id, cause(by, 'user.delete'));
  }

  async function createGroup(by: Actor, b: CreateGroupBody): Promise<Group> {
    const name = b.name;
    const description = b.description ?? '';
    if (await store.getGroupByName(name)) throw conflict('group_name_taken', `A group named "${name}" exists already.`);
    const group = await store
      .createGroup({ id: randomUUID(), name, description })
      .catch(rethrowDuplicate('group_name_taken', `A group named "${name}" exists already.`));
    await audit(by, 'group.create', group.id, { name });
    return group;
  }

  async function deleteGroup(by: Actor, id: string): Promise<void> {
    const group = await store.getGroup(id);
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
    await audit(by, 'group.delete', group.id, { name: group.name });
    // A pool this group entitled (besides others) may now be out of some members' reach.
    for (const u of members) await deps.access.userChanged(u.id, cause(by, 'group.delete'));
  }

  return { createUser, updateUser, deleteUser, createGroup, deleteGroup };
}
