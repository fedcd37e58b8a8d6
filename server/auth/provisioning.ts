// Just-in-time accounts for people signing in through an identity provider: the external identity
// (provider + subject) is linked to one Deskport user, created on first sign-in, and on every
// sign-in its display name, groups and roles are brought in line with the provider's groups
// through the provider's group mappings. Groups and roles an admin granted by hand are kept; what
// the provider granted last time and no longer grants is taken away.
import type { Audit } from '../audit.ts';
import type { Clock } from '../clock.ts';
import type { IdentityStore } from '../store/identity-types.ts';
import { isStoreConflict } from '../store/errors.ts';
import type { Role, Store, User } from '../store/types.ts';
import { newId } from '../util/random.ts';
import type { AccessChanges } from './deps.ts';
import type { ExternalIdentity } from './identity.ts';

export interface ProvisionDeps {
  store: Store & IdentityStore;
  clock: Clock;
  audit: Audit;
  /** Told when a sync takes groups or roles away: the person's desktops in pools they left end. */
  access: Pick<AccessChanges, 'userChanged'>;
}

export type ProvisionResult = { ok: true; user: User; created: boolean } | { ok: false; reason: 'disabled'; user: User };

const USERNAME_OK = /^[A-Za-z0-9._@-]{1,64}$/;

/** A username from what the provider calls the person, reduced to the characters Deskport allows. */
export function baseUsername(identity: ExternalIdentity): string {
  const raw = (identity.username || identity.email || identity.subject).trim();
  const cleaned = raw
    .replace(/[^A-Za-z0-9._@-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return cleaned || 'user';
}

export const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (c) => c.toLowerCase());

/** Set arithmetic the sync rule needs: (current − previouslyManaged) ∪ granted, in a stable order. */
export function syncGrants<T extends string>(current: readonly T[], previouslyManaged: readonly T[], granted: readonly T[]): T[] {
  const kept = current.filter((x) => !previouslyManaged.includes(x));
  return [...new Set([...kept, ...granted])];
}

async function freeUsername(store: Store, base: string, providerId: string): Promise<string> {
  const candidates = [base, `${base}@${providerId}`.slice(0, 64)];
  for (let i = 2; i < 50; i++) candidates.push(`${base}@${providerId}-${i}`.slice(0, 64));
  for (const c of candidates) if (USERNAME_OK.test(c) && !(await store.getUserByName(c))) return c;
  return `${providerId}-${newId('u')}`.slice(0, 64);
}

export async function provisionExternalUser(deps: ProvisionDeps, identity: ExternalIdentity, ip: string | null): Promise<ProvisionResult> {
  const { store, clock } = deps;
  const now = clock.now();
  const link = await store.getUserIdentity(identity.providerId, identity.subject);
  let user = link ? await store.getUser(link.userId) : null;
  let created = false;

  if (!user) {
    // Accounts are linked by (provider, subject) only, never by name: an existing account of the
    // same name is someone else's (or another provider's), and the newcomer gets another name.
    const base = baseUsername(identity);
    for (let attempt = 0; !user && attempt < 3; attempt++) {
      const username = await freeUsername(store, base, identity.providerId);
      try {
        user = await store.createUser({
          id: newId('u'),
          username,
          displayName: (identity.displayName || username).slice(0, 128),
          roles: ['user'],
          groups: [],
          disabled: false,
          passwordHash: null,
          createdAt: now,
        });
        created = true;
      } catch (err) {
        if (!isStoreConflict(err, 'duplicate')) throw err; // a parallel first sign-in took the name
      }
    }
    if (!user) throw new Error('could not find a free username');
  }
  if (user.disabled) return { ok: false, reason: 'disabled', user };

  // ASCII case only, like the store's NOCASE: Unicode folding would let "\u212Aiosk" match "kiosk".
  const wanted = new Set(identity.groups.map(asciiLower));
  const mappings = (await store.listGroupMappings(identity.providerId)).filter((m) => wanted.has(asciiLower(m.externalGroup)));
  const existingGroups = new Set((await store.listGroups()).map((g) => g.id));
  const grantedGroups = [...new Set(mappings.flatMap((m) => (m.groupId && existingGroups.has(m.groupId) ? [m.groupId] : [])))];
  const grantedRoles = [...new Set(mappings.flatMap((m) => (m.role ? [m.role] : [])))];
  const groups = syncGrants(user.groups, link?.managedGroups ?? [], grantedGroups);
  const roles = syncGrants<Role>(user.roles, link?.managedRoles ?? [], grantedRoles);
  if (!roles.includes('user')) roles.unshift('user');
  const displayName = identity.displayName?.slice(0, 128) || user.displayName;

  const lost = user.groups.some((g) => !groups.includes(g)) || user.roles.some((r) => !roles.includes(r));
  const changed = displayName !== user.displayName || groups.join() !== user.groups.join() || roles.join() !== user.roles.join();
  if (changed) user = (await store.updateUser(user.id, { displayName, groups, roles })) ?? user;
  await store.putUserIdentity({
    providerId: identity.providerId,
    subject: identity.subject,
    userId: user.id,
    managedGroups: grantedGroups,
    managedRoles: grantedRoles,
    createdAt: link?.createdAt ?? now,
    lastLoginAt: now,
  });
  if (created || changed) {
    await deps.audit.record({
      actor: `provider:${identity.providerId}`,
      action: created ? 'user.provision' : 'user.sync',
      target: user.id,
      result: 'ok',
      ip,
      details: {
        username: user.username,
        groups: grantedGroups,
        roles: grantedRoles,
        externalGroups: identity.groups.slice(0, 50),
        ...(link
          ? {
              removedGroups: link.managedGroups.filter((g) => !grantedGroups.includes(g)),
              removedRoles: link.managedRoles.filter((r) => !grantedRoles.includes(r)),
            }
          : {}),
      },
    });
  }
  if (lost) await deps.access.userChanged(user.id, { actor: `provider:${identity.providerId}`, ip, cause: 'user.sync' });
  return { ok: true, user, created };
}
