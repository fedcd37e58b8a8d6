// The public JSON shape of a user, shared by /me, login and the admin API so they never drift.
// Groups are shown by name (friendlier to read and script); the store keeps ids.
import type { PublicUser } from '../../contract/api/auth.ts';
import type { Group, Store, User } from '../store/types.ts';
import { passwordPolicyOf, type AuthDeps } from './deps.ts';
import { mfaStatus } from './mfa.ts';
import { MAX_PASSWORD_LENGTH } from './password-policy.ts';

export type GroupNames = ReadonlyMap<string, string>;

export async function groupNames(store: Store): Promise<GroupNames> {
  return new Map((await store.listGroups()).map((g: Group) => [g.id, g.name]));
}

/** Never includes the password hash: fields are picked, not spread. */
export function publicUser(u: User, names: GroupNames): PublicUser {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    roles: [...u.roles],
    groups: u.groups.flatMap((id) => names.get(id) ?? []).sort(),
    disabled: u.disabled,
    createdAt: u.createdAt,
  };
}

/** GET /me (and the login answer): the public user plus what the client needs to steer the person. */
export async function meView(deps: AuthDeps, user: User) {
  const mfa = await mfaStatus(deps, user);
  return {
    ...publicUser(user, await groupNames(deps.store)),
    mfaEnabled: mfa.enabled,
    mfaEnrollmentRequired: mfa.enrollmentRequired,
    /** False for accounts from an identity provider: no password here to change or confirm. */
    localAccount: user.passwordHash !== null,
    passwordPolicy: { minLength: passwordPolicyOf(deps.config).minLength, maxLength: MAX_PASSWORD_LENGTH },
  };
}
