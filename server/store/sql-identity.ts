// Identity providers, their group mappings and external identities (migration 005).
import { StoreConflictError } from './errors.ts';
import type { GroupMapping, IdentityProvider, IdentityProviderKind, IdentityStore, UserIdentity } from './identity-types.ts';
import { many, one, type Sql } from './sql.ts';
import type { Role } from './types.ts';

interface ProviderRow {
  id: string;
  kind: string;
  name: string;
  enabled: number;
  config: string;
  position: number;
  created_at: number;
  updated_at: number;
}
interface MappingRow {
  id: string;
  provider_id: string;
  external_group: string;
  group_id: string | null;
  role: string | null;
}
interface IdentityRow {
  provider_id: string;
  subject: string;
  user_id: string;
  managed_groups: string;
  managed_roles: string;
  created_at: number;
  last_login_at: number;
}

const providerFromRow = (r: ProviderRow): IdentityProvider => ({
  id: r.id,
  kind: r.kind as IdentityProviderKind,
  name: r.name,
  enabled: r.enabled === 1,
  config: JSON.parse(r.config) as Record<string, unknown>,
  position: r.position,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const providerToRow = (p: IdentityProvider): ProviderRow => ({
  id: p.id,
  kind: p.kind,
  name: p.name,
  enabled: p.enabled ? 1 : 0,
  config: JSON.stringify(p.config),
  position: p.position,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
});
const mappingFromRow = (r: MappingRow): GroupMapping => ({
  id: r.id,
  providerId: r.provider_id,
  externalGroup: r.external_group,
  groupId: r.group_id,
  role: r.role as Role | null,
});
const identityFromRow = (r: IdentityRow): UserIdentity => ({
  providerId: r.provider_id,
  subject: r.subject,
  userId: r.user_id,
  managedGroups: JSON.parse(r.managed_groups) as string[],
  managedRoles: JSON.parse(r.managed_roles) as Role[],
  createdAt: r.created_at,
  lastLoginAt: r.last_login_at,
});

export function sqlIdentity(q: Sql): IdentityStore {
  const p = {
    all: 'SELECT * FROM identity_providers ORDER BY position, name, id',
    byId: 'SELECT * FROM identity_providers WHERE id = ?',
    insert: `INSERT INTO identity_providers (id, kind, name, enabled, config, position, created_at, updated_at)
      VALUES (@id, @kind, @name, @enabled, @config, @position, @created_at, @updated_at)`,
    update: `UPDATE identity_providers SET name = @name, enabled = @enabled, config = @config,
      position = @position, updated_at = @updated_at WHERE id = @id`,
    delete: 'DELETE FROM identity_providers WHERE id = ?',
  };
  const m = {
    of: 'SELECT * FROM group_mappings WHERE provider_id = ? ORDER BY external_group, id',
    clear: 'DELETE FROM group_mappings WHERE provider_id = ?',
    insert:
      'INSERT INTO group_mappings (id, provider_id, external_group, group_id, role) VALUES (@id, @provider_id, @external_group, @group_id, @role)',
  };
  const i = {
    get: 'SELECT * FROM user_identities WHERE provider_id = ? AND subject = ?',
    put: `INSERT INTO user_identities (provider_id, subject, user_id, managed_groups, managed_roles, created_at, last_login_at)
      VALUES (@provider_id, @subject, @user_id, @managed_groups, @managed_roles, @created_at, @last_login_at)
      ON CONFLICT (provider_id, subject) DO UPDATE SET user_id = excluded.user_id, managed_groups = excluded.managed_groups,
        managed_roles = excluded.managed_roles, last_login_at = excluded.last_login_at`,
    ofUser: 'SELECT * FROM user_identities WHERE user_id = ? ORDER BY provider_id, subject',
    all: 'SELECT * FROM user_identities ORDER BY user_id, provider_id, subject',
  };

  return {
    listIdentityProviders: () => many(q, p.all, [], providerFromRow),
    getIdentityProvider: (id) => one(q, p.byId, [id], providerFromRow),
    async createIdentityProvider(x) {
      await q.run(p.insert, providerToRow(x));
      return x;
    },
    updateIdentityProvider: (id, patch) =>
      q.tx(async (t) => {
        const r = await t.get<ProviderRow>(p.byId + q.dialect.forUpdate, [id]);
        if (!r) return null;
        const cur = providerFromRow(r);
        const next: IdentityProvider = {
          ...cur,
          ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
          id: cur.id,
          kind: cur.kind,
          createdAt: cur.createdAt,
        };
        await t.run(p.update, providerToRow(next));
        return next;
      }),
    async deleteIdentityProvider(id) {
      return (await q.run(p.delete, [id])) > 0;
    },
    listGroupMappings: (providerId) => many(q, m.of, [providerId], mappingFromRow),
    replaceGroupMappings: (providerId, mappings) =>
      q.tx(async (t) => {
        // Two replacements at once must not both delete, then both insert (a union): the second waits here.
        await t.get(p.byId + q.dialect.forUpdate, [providerId]);
        await t.run(m.clear, [providerId]);
        for (const x of mappings) {
          if ((x.groupId === null) === (x.role === null))
            throw new StoreConflictError('missing_reference', 'a group mapping grants exactly one group or one role');
          await t.run(m.insert, { id: x.id, provider_id: providerId, external_group: x.externalGroup, group_id: x.groupId, role: x.role });
        }
      }),
    getUserIdentity: (providerId, subject) => one(q, i.get, [providerId, subject], identityFromRow),
    async putUserIdentity(x) {
      await q.run(i.put, {
        provider_id: x.providerId,
        subject: x.subject,
        user_id: x.userId,
        managed_groups: JSON.stringify(x.managedGroups),
        managed_roles: JSON.stringify(x.managedRoles),
        created_at: x.createdAt,
        last_login_at: x.lastLoginAt,
      });
    },
    listIdentitiesOfUser: (userId) => many(q, i.ofUser, [userId], identityFromRow),
    listUserIdentities: () => many(q, i.all, [], identityFromRow),
  };
}
