// The admin's changes to users and groups, HTTP-free, against the real SQLite store: each is
// audited, the acting admin can neither lock themselves out nor change their own password here,
// and whoever may lose access is handed to the access guard.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAudit } from '../audit.ts';
import { ManualClock } from '../clock.ts';
import { DomainError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import type { Store, User } from '../store/types.ts';
import type { AuthDeps } from './deps.ts';
import { openTestStore } from './testing/test-store.ts';
import { createUserAdmin, type Actor } from './users.ts';

const clock = new ManualClock();
let store: Store;
let deps: AuthDeps;
let told: { userId: string; cause: string }[];
let admin: Actor;

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'none',
    (e: unknown) => (e instanceof DomainError ? `${e.kind}:${e.code}` : String(e)),
  );

beforeEach(async () => {
  store = await openTestStore(clock);
  told = [];
  deps = {
    store,
    clock,
    log: silentLogger(),
    audit: createAudit(store, silentLogger()),
    config: { cookieSecure: false, sessionTtlS: 3600 },
    access: { userChanged: async (userId, by) => void told.push({ userId, cause: by.cause }), poolChanged: async () => {} },
  };
  const root: User = {
    id: 'u-root',
    username: 'root',
    displayName: 'root',
    roles: ['admin'],
    groups: [],
    disabled: false,
    passwordHash: null,
    createdAt: 0,
  };
  await store.createUser(root);
  admin = { user: root, ip: '192.0.2.1', via: 'cookie' };
});
afterEach(async () => store.close());

describe('the user admin', () => {
  it('creates a user with unique roles and resolved groups, and audits it', async () => {
    const users = createUserAdmin(deps);
    const g = await users.createGroup(admin, { name: 'eng' });
    const u = await users.createUser(admin, {
      username: 'bob',
      password: 'a-long-enough-password',
      roles: ['user', 'user', 'helpdesk'],
      groups: ['eng'],
    });
    expect(u).toMatchObject({ username: 'bob', displayName: 'bob', roles: ['user', 'helpdesk'], groups: [g.id] });
    expect(await store.listAudit({ action: 'user.create' })).toMatchObject([
      { actor: 'root', target: u.id, result: 'ok', ip: '192.0.2.1' },
    ]);
    expect(await codeOf(users.createUser(admin, { username: 'bob', password: 'a-long-enough-password' }))).toBe('conflict:username_taken');
    expect(await codeOf(users.createUser(admin, { username: 'carol', password: 'a-long-enough-password', groups: ['nope'] }))).toBe(
      'invalid:invalid_input',
    );
  });

  it('keeps the acting admin an admin with a password only they can change', async () => {
    const users = createUserAdmin(deps);
    expect(await codeOf(users.updateUser(admin, 'u-root', { disabled: true }))).toBe('conflict:cannot_disable_self');
    expect(await codeOf(users.updateUser(admin, 'u-root', { roles: ['user'] }))).toBe('conflict:cannot_demote_self');
    expect(await codeOf(users.updateUser(admin, 'u-root', { password: 'another-long-password' }))).toBe('forbidden:self_service_required');
    expect(await codeOf(users.deleteUser(admin, 'u-root'))).toBe('conflict:cannot_delete_self');
    expect(await store.getUser('u-root')).toMatchObject({ roles: ['admin'], disabled: false });
  });

  it('tells the access guard when a change may cost access, and not otherwise', async () => {
    const users = createUserAdmin(deps);
    const bob = await users.createUser(admin, { username: 'bob', password: 'a-long-enough-password' });
    await users.updateUser(admin, bob.id, { displayName: 'Bob' });
    expect(told).toEqual([]);
    await users.updateUser(admin, bob.id, { disabled: true });
    await users.deleteUser(admin, bob.id);
    expect(told).toEqual([
      { userId: bob.id, cause: 'user.update' },
      { userId: bob.id, cause: 'user.delete' },
    ]);
    expect(await codeOf(users.deleteUser(admin, bob.id))).toBe('not_found:not_found');
  });
});
