// Store contract, identity providers: CRUD, secrets kept verbatim, mappings replaced atomically and
// removed with their provider, identities upserted and listed per user, gone with their user.
import { describe, expect, it } from 'vitest';
import { isStoreConflict } from './errors.ts';
import type { IdentityProvider } from './identity-types.ts';
import type { CurrentStore } from './store.contract.ts';

const provider = (over: Partial<IdentityProvider> = {}): IdentityProvider => ({
  id: 'corp',
  kind: 'ldap',
  name: 'Corp directory',
  enabled: true,
  position: 0,
  config: { url: 'ldap://127.0.0.1:389', userBase: 'ou=people,dc=example,dc=test', bindDn: 'cn=svc', bindPassword: 's3cret' },
  createdAt: 1000,
  updatedAt: 1000,
  ...over,
});

export function identityContract(current: CurrentStore): void {
  describe('identity providers', () => {
    it('creates, reads, lists in position order, updates and deletes providers', async () => {
      const s = current();
      await s.createIdentityProvider(provider());
      await s.createIdentityProvider(
        provider({ id: 'sso', kind: 'oidc', name: 'SSO', position: -1, config: { issuer: 'https://idp.example', clientId: 'x' } }),
      );
      expect((await s.listIdentityProviders()).map((p) => p.id)).toEqual(['sso', 'corp']);
      expect(await s.getIdentityProvider('corp')).toEqual(provider());
      const u = await s.updateIdentityProvider('corp', { enabled: false, name: 'Renamed', updatedAt: 2000 });
      expect(u).toMatchObject({ id: 'corp', kind: 'ldap', enabled: false, name: 'Renamed', createdAt: 1000, updatedAt: 2000 });
      expect(u?.config.bindPassword).toBe('s3cret');
      expect(await s.updateIdentityProvider('nope', { enabled: false })).toBeNull();
      expect(await s.deleteIdentityProvider('corp')).toBe(true);
      expect(await s.deleteIdentityProvider('corp')).toBe(false);
      expect(await s.getIdentityProvider('corp')).toBeNull();
    });

    it('refuses a second provider with the same id', async () => {
      const s = current();
      await s.createIdentityProvider(provider());
      const err = await s.createIdentityProvider(provider({ name: 'Other' })).catch((e: unknown) => e);
      expect(isStoreConflict(err, 'duplicate')).toBe(true);
    });

    it('replaces mappings as a whole, matches nothing half-way on a bad one, and drops them with the provider', async () => {
      const s = current();
      await s.createIdentityProvider(provider());
      await s.replaceGroupMappings('corp', [
        { id: 'm1', providerId: 'corp', externalGroup: 'Engineers', groupId: 'g-eng', role: null },
        { id: 'm2', providerId: 'corp', externalGroup: 'desk-admins', groupId: null, role: 'admin' },
      ]);
      expect((await s.listGroupMappings('corp')).map((m) => [m.externalGroup, m.groupId, m.role])).toEqual([
        ['desk-admins', null, 'admin'],
        ['Engineers', 'g-eng', null],
      ]);
      await expect(
        s.replaceGroupMappings('corp', [
          { id: 'm3', providerId: 'corp', externalGroup: 'x', groupId: 'g-x', role: null },
          { id: 'm4', providerId: 'corp', externalGroup: 'bad', groupId: 'g', role: 'admin' },
        ]),
      ).rejects.toThrow();
      expect(await s.listGroupMappings('corp')).toHaveLength(2); // the failed replace changed nothing
      await s.deleteIdentityProvider('corp');
      expect(await s.listGroupMappings('corp')).toEqual([]);
    });

    it('two replacements at once leave one of the two lists, never both merged', async () => {
      const s = current();
      await s.createIdentityProvider(provider());
      const list = (tag: string) =>
        Array.from({ length: 40 }, (_, i) => ({
          id: `${tag}${i}`,
          providerId: 'corp',
          externalGroup: `${tag}-${i}`,
          groupId: `g-${i}`,
          role: null,
        }));
      await Promise.all([s.replaceGroupMappings('corp', list('a')), s.replaceGroupMappings('corp', list('b'))]);
      const tags = new Set((await s.listGroupMappings('corp')).map((m) => m.externalGroup[0]));
      expect(tags.size).toBe(1);
      expect(await s.listGroupMappings('corp')).toHaveLength(40);
    });

    it('links external identities to users, upserts them, and forgets them with the user', async () => {
      const s = current();
      await s.createUser({
        id: 'u1',
        username: 'alice',
        displayName: 'Alice',
        roles: ['user'],
        groups: [],
        disabled: false,
        passwordHash: null,
        createdAt: 1,
      });
      const link = {
        providerId: 'corp',
        subject: 'uuid-1',
        userId: 'u1',
        managedGroups: ['g1'],
        managedRoles: [],
        createdAt: 5,
        lastLoginAt: 5,
      };
      await s.putUserIdentity(link);
      await s.putUserIdentity({ ...link, managedGroups: ['g2'], managedRoles: ['admin'], lastLoginAt: 9 });
      expect(await s.getUserIdentity('corp', 'uuid-1')).toEqual({
        ...link,
        managedGroups: ['g2'],
        managedRoles: ['admin'],
        lastLoginAt: 9,
      });
      expect(await s.getUserIdentity('corp', 'uuid-2')).toBeNull();
      expect(await s.listIdentitiesOfUser('u1')).toHaveLength(1);
      expect((await s.listUserIdentities()).map((x) => [x.userId, x.subject])).toEqual([['u1', 'uuid-1']]);
      await s.deleteUser('u1');
      expect(await s.getUserIdentity('corp', 'uuid-1')).toBeNull();
    });
  });
}
