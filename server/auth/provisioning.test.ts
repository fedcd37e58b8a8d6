// Just-in-time provisioning against the real SQLite store (in memory): first sign-in creates the
// account, later ones follow the provider's groups through the mappings, hand-granted groups stay,
// other people's accounts are never taken over, and disabled accounts stay out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAudit } from '../audit.ts';
import { ManualClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import type { Store } from '../store/types.ts';
import type { ExternalIdentity } from './identity.ts';
import { baseUsername, provisionExternalUser, syncGrants, type ProvisionDeps } from './provisioning.ts';
import { openTestStore } from './testing/test-store.ts';

let store: Store;
let deps: ProvisionDeps;
/** The users the access guard was told about (server/broker/access.ts acts on them; not under test here). */
let told: { userId: string; cause: string }[];
const clock = new ManualClock();

const alice = (over: Partial<ExternalIdentity> = {}): ExternalIdentity => ({
  providerId: 'corp',
  subject: 'uuid-alice',
  username: 'alice',
  displayName: 'Alice Liddell',
  email: 'alice@example.test',
  groups: ['Engineers', 'desk-admins'],
  ...over,
});

beforeEach(async () => {
  store = await openTestStore(clock);
  told = [];
  deps = {
    store,
    clock,
    audit: createAudit(store, silentLogger()),
    access: { userChanged: async (userId, by) => void told.push({ userId, cause: by.cause }) },
  };
  await store.createIdentityProvider({
    id: 'corp',
    kind: 'ldap',
    name: 'Corp',
    enabled: true,
    position: 0,
    config: {},
    createdAt: 1,
    updatedAt: 1,
  });
  await store.createGroup({ id: 'g-eng', name: 'engineering', description: '' });
  await store.createGroup({ id: 'g-ops', name: 'operations', description: '' });
  await store.replaceGroupMappings('corp', [
    { id: 'm1', providerId: 'corp', externalGroup: 'engineers', groupId: 'g-eng', role: null },
    { id: 'm2', providerId: 'corp', externalGroup: 'desk-admins', groupId: null, role: 'admin' },
    { id: 'm3', providerId: 'corp', externalGroup: 'ops', groupId: 'g-ops', role: null },
  ]);
});
afterEach(async () => store.close());

describe('provisionExternalUser', () => {
  it('creates the account on first sign-in with mapped groups and roles (case-insensitive), and audits it', async () => {
    const r = await provisionExternalUser(deps, alice(), '127.0.0.1');
    expect(r.ok && r.created).toBe(true);
    if (!r.ok) return;
    expect(r.user).toMatchObject({
      username: 'alice',
      displayName: 'Alice Liddell',
      groups: ['g-eng'],
      passwordHash: null,
      disabled: false,
    });
    expect(r.user.roles.sort()).toEqual(['admin', 'user']);
    const audit = await store.listAudit({ action: 'user.provision' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'provider:corp', target: r.user.id, ip: '127.0.0.1' });
  });

  it('the same subject signs in to the same account; losing a directory group takes it away, hand-granted groups stay', async () => {
    const first = await provisionExternalUser(deps, alice(), null);
    if (!first.ok) throw new Error('refused');
    await store.createGroup({ id: 'g-manual', name: 'contractors', description: '' });
    await store.updateUser(first.user.id, { groups: [...first.user.groups, 'g-manual'] });
    const again = await provisionExternalUser(deps, alice({ groups: ['ops'], displayName: 'Alice L.' }), null);
    if (!again.ok) throw new Error('refused');
    expect(again.created).toBe(false);
    expect(again.user.id).toBe(first.user.id);
    expect(again.user.groups.sort()).toEqual(['g-manual', 'g-ops']);
    expect(again.user.roles).toEqual(['user']);
    expect(again.user.displayName).toBe('Alice L.');
    // The lost group and role are the access guard's to act on (open desktops in pools left behind).
    expect(told).toEqual([{ userId: first.user.id, cause: 'user.sync' }]);
  });

  it('does not bother the access guard when a sync only adds or keeps grants', async () => {
    const first = await provisionExternalUser(deps, alice({ groups: ['engineers'] }), null);
    if (!first.ok) throw new Error('refused');
    await provisionExternalUser(deps, alice({ groups: ['engineers', 'ops'] }), null);
    await provisionExternalUser(deps, alice({ groups: ['engineers', 'ops'], displayName: 'A. Liddell' }), null);
    expect(told).toEqual([]);
  });

  it('never takes over an existing local account with a password: the newcomer gets another name', async () => {
    await store.createUser({
      id: 'u-local',
      username: 'alice',
      displayName: 'Local Alice',
      roles: ['admin', 'user'],
      groups: [],
      disabled: false,
      passwordHash: 'argon2-hash',
      createdAt: 1,
    });
    const r = await provisionExternalUser(deps, alice({ groups: [] }), null);
    if (!r.ok) throw new Error('refused');
    expect(r.user.id).not.toBe('u-local');
    expect(r.user.username).toBe('alice@corp');
    expect(r.user.roles).toEqual(['user']);
  });

  it('never links by name, not even an account without a password', async () => {
    await store.createUser({
      id: 'u-pre',
      username: 'alice',
      displayName: 'Alice',
      roles: ['user', 'helpdesk'],
      groups: [],
      disabled: false,
      passwordHash: null,
      createdAt: 1,
    });
    const r = await provisionExternalUser(deps, alice({ groups: [] }), null);
    if (!r.ok) throw new Error('refused');
    expect(r.user.id).not.toBe('u-pre');
    expect(r.user.roles).toEqual(['user']);
  });

  it('matches external groups by ASCII case only (a Kelvin sign is not a K)', async () => {
    await store.replaceGroupMappings('corp', [
      { id: 'm9', providerId: 'corp', externalGroup: 'kiosk-admins', groupId: null, role: 'admin' },
    ]);
    const r = await provisionExternalUser(deps, alice({ groups: ['\u212Aiosk-admins'] }), null);
    if (!r.ok) throw new Error('refused');
    expect(r.user.roles).toEqual(['user']);
    const again = await provisionExternalUser(deps, alice({ groups: ['KIOSK-Admins'] }), null);
    if (!again.ok) throw new Error('refused');
    expect([...again.user.roles].sort()).toEqual(['admin', 'user']);
  });

  it('refuses a disabled account', async () => {
    const r = await provisionExternalUser(deps, alice(), null);
    if (!r.ok) throw new Error('refused');
    await store.updateUser(r.user.id, { disabled: true });
    const again = await provisionExternalUser(deps, alice(), null);
    expect(again).toMatchObject({ ok: false, reason: 'disabled' });
  });

  it('ignores mappings to groups that were deleted', async () => {
    await store.deleteGroup('g-eng');
    const r = await provisionExternalUser(deps, alice({ groups: ['engineers'] }), null);
    if (!r.ok) throw new Error('refused');
    expect(r.user.groups).toEqual([]);
  });
});

describe('helpers', () => {
  it('baseUsername keeps allowed characters and falls back to email, then subject', () => {
    expect(baseUsername(alice({ username: 'Al ice/../x' }))).toBe('Al-ice-..-x');
    expect(baseUsername(alice({ username: '' }))).toBe('alice@example.test');
    expect(baseUsername(alice({ username: '', email: null, subject: 'sub|123' }))).toBe('sub-123');
  });

  it('syncGrants = (current − previously managed) ∪ granted', () => {
    expect(syncGrants(['a', 'b', 'm'], ['a', 'b'], ['b', 'c'])).toEqual(['m', 'b', 'c']);
  });
});
