import { DEFAULT_SESSION_POLICY } from '../../../contract/api/policy.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pool } from '../../store/types.ts';
import { startGateway, type Reply, type TestGateway } from '../testing/harness.ts';

let gw: TestGateway;
let admin: string; // admin's cookie
const replies: Reply[] = [];

beforeEach(async () => {
  gw = await startGateway();
  await gw.addUser('root', 'root-password', { roles: ['admin'] });
  await gw.addUser('alice', 'alice-password');
  admin = await gw.login('root', 'root-password');
  replies.length = 0;
});
afterEach(() => gw.close());

/** An admin call from our own origin; every reply is kept to check none leaks a hash. */
async function as(cookie: string, path: string, o: { method?: string; body?: unknown } = {}): Promise<Reply> {
  const r = await gw.call(`/api/v1/admin${path}`, { ...o, cookie, origin: gw.url });
  replies.push(r);
  return r;
}
const body = <T>(r: Reply) => r.body as T;
type UserJson = { id: string; username: string; roles: string[]; groups: string[]; disabled: boolean };

describe('admin users API', () => {
  it('is 401 signed out and 403 for a plain user', async () => {
    expect((await gw.call('/api/v1/admin/users')).status).toBe(401);
    const alice = await gw.login('alice', 'alice-password');
    const r = await as(alice, '/users');
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: { code: 'forbidden' } });
    expect((await as(alice, '/users', { method: 'POST', body: { username: 'x', password: 'long-enough-pw' } })).status).toBe(403);
  });

  it('creates a user with an argon2id hash that never appears in any answer', async () => {
    const created = await as(admin, '/users', {
      method: 'POST',
      body: { username: 'bob.smith@corp', password: 'bob-password', displayName: 'Bob' },
    });
    expect(created.status).toBe(201);
    const bob = body<UserJson & { createdAt: number }>(created);
    expect(bob).toEqual({
      id: bob.id,
      username: 'bob.smith@corp',
      displayName: 'Bob',
      roles: ['user'],
      groups: [],
      disabled: false,
      createdAt: gw.clock.now(),
      mfa: { enabled: false, requiredByPolicy: false },
      providers: [],
    });
    const stored = await gw.store.getUser(bob.id);
    expect(stored?.passwordHash?.startsWith('$argon2id$')).toBe(true);

    await as(admin, `/users/${bob.id}`);
    await as(admin, '/users');
    await as(admin, `/users/${bob.id}`, { method: 'PATCH', body: { displayName: 'Robert' } });
    const login = await gw.call('/api/v1/auth/login', { body: { username: 'bob.smith@corp', password: 'bob-password' } });
    expect(login.status).toBe(200);
    for (const r of [...replies, login]) {
      expect(r.text).not.toContain('$argon2');
      expect(r.text).not.toContain('passwordHash');
    }
    const audit = await gw.store.listAudit({ action: 'user.create' });
    expect(audit[0]).toMatchObject({ actor: 'root', target: bob.id, result: 'ok' });
    expect(JSON.stringify(audit)).not.toContain('bob-password');
  });

  it('refuses a taken username with 409 username_taken (case-insensitively)', async () => {
    for (const username of ['alice', 'ALICE']) {
      const r = await as(admin, '/users', { method: 'POST', body: { username, password: 'long-enough-pw' } });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error: { code: 'username_taken' } });
    }
  });

  it('validates usernames, passwords, roles and unknown fields, listing the fields', async () => {
    const r = await as(admin, '/users', { method: 'POST', body: { username: 'bad name!', password: 'short', roles: ['root'], extra: 1 } });
    expect(r.status).toBe(400);
    const fields = body<{ error: { details: { field: string }[] } }>(r).error.details.map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['username', 'password', 'roles.0']));
    expect(r.text).toContain('extra');
    const long = await as(admin, '/users', { method: 'POST', body: { username: 'a'.repeat(65), password: 'p'.repeat(257) } });
    expect(long.status).toBe(400);
  });

  it('disabling a user ends their sessions and stops their sign-in', async () => {
    const alice = await gw.login('alice', 'alice-password');
    const r = await as(admin, '/users/u-alice', { method: 'PATCH', body: { disabled: true } });
    expect(body<UserJson>(r).disabled).toBe(true);
    expect((await gw.call('/api/v1/me', { cookie: alice })).status).toBe(401);
    const login = await gw.call('/api/v1/auth/login', { body: { username: 'alice', password: 'alice-password' } });
    expect(login.status).toBe(401);
    expect(login.body).toMatchObject({ error: { code: 'invalid_credentials' } });
    expect((await gw.store.listAudit({ action: 'user.update' }))[0]).toMatchObject({ actor: 'root', target: 'u-alice' });
  });

  it('a new password ends the user’s sessions; the new password works, the old does not', async () => {
    const alice = await gw.login('alice', 'alice-password');
    await as(admin, '/users/u-alice', { method: 'PATCH', body: { password: 'brand-new-password' } });
    expect((await gw.call('/api/v1/me', { cookie: alice })).status).toBe(401);
    expect((await gw.call('/api/v1/auth/login', { body: { username: 'alice', password: 'alice-password' } })).status).toBe(401);
    expect((await gw.call('/api/v1/auth/login', { body: { username: 'alice', password: 'brand-new-password' } })).status).toBe(200);
    const audit = await gw.store.listAudit({ action: 'user.update' });
    expect(audit[0]?.details).toMatchObject({ passwordChanged: true });
    expect(JSON.stringify(audit)).not.toContain('brand-new-password');
  });

  it('an admin cannot disable, demote or delete themselves (409)', async () => {
    const codes = [
      (await as(admin, '/users/u-root', { method: 'PATCH', body: { disabled: true } })).body,
      (await as(admin, '/users/u-root', { method: 'PATCH', body: { roles: ['helpdesk'] } })).body,
      (await as(admin, '/users/u-root', { method: 'DELETE' })).body,
    ].map((b) => (b as { error: { code: string } }).error.code);
    expect(codes).toEqual(['cannot_disable_self', 'cannot_demote_self', 'cannot_delete_self']);
    expect((await gw.store.getUser('u-root'))?.roles).toEqual(['admin']);
  });

  it('deletes a user, their sessions with them; unknown ids are 404', async () => {
    const alice = await gw.login('alice', 'alice-password');
    expect((await as(admin, '/users/u-alice', { method: 'DELETE' })).status).toBe(204);
    expect((await gw.call('/api/v1/me', { cookie: alice })).status).toBe(401);
    expect((await as(admin, '/users/u-alice')).status).toBe(404);
    expect((await as(admin, '/users/u-alice', { method: 'PATCH', body: {} })).status).toBe(404);
    expect((await gw.store.listAudit({ action: 'user.delete' }))[0]).toMatchObject({ actor: 'root', target: 'u-alice' });
  });
});

describe('an admin’s own account through the admin API', () => {
  /** An API token of root's, minted from root's browser session. */
  async function rootToken(): Promise<string> {
    const r = await gw.call('/api/v1/me/tokens', { method: 'POST', cookie: admin, origin: gw.url, body: { name: 'script' } });
    expect(r.status).toBe(201);
    return body<{ token: string }>(r).token;
  }
  const viaToken = (token: string, path: string, o: { method?: string; body?: unknown } = {}) =>
    gw.call(`/api/v1/admin${path}`, { ...o, token });
  const code = (r: Reply) => body<{ error: { code: string } }>(r).error.code;
  async function enrolTotp(userId: string): Promise<void> {
    await gw.store.putPendingTotp(userId, 'JBSWY3DPEHPK3PXP', gw.clock.now());
    await gw.store.confirmTotp(userId, 'JBSWY3DPEHPK3PXP', 1, [], gw.clock.now());
  }

  it('a token cannot set its own account’s password: 403 self_service_required, nothing changes, nobody is signed out, audited', async () => {
    const token = await rootToken();
    const before = (await gw.store.getUser('u-root'))!.passwordHash;
    const r = await viaToken(token, '/users/u-root', { method: 'PATCH', body: { password: 'taken-over-password' } });
    expect(r.status).toBe(403);
    expect(code(r)).toBe('self_service_required');
    expect((await gw.store.getUser('u-root'))!.passwordHash).toBe(before);
    expect((await gw.call('/api/v1/me', { cookie: admin })).status).toBe(200);
    expect((await gw.call('/api/v1/auth/login', { body: { username: 'root', password: 'taken-over-password' } })).status).toBe(401);
    const denied = (await gw.store.listAudit({ action: 'user.update' })).find((a) => a.result === 'denied');
    expect(denied).toMatchObject({ actor: 'root', target: 'u-root', details: { reason: 'own_password', via: 'token' } });
    expect(JSON.stringify(denied)).not.toContain('taken-over-password');
  });

  it('a token cannot reset its own account’s second factor: 403 self_service_required, the factor stays, audited', async () => {
    await enrolTotp('u-root');
    const token = await rootToken();
    const r = await viaToken(token, '/users/u-root/mfa/reset', { method: 'POST' });
    expect(r.status).toBe(403);
    expect(code(r)).toBe('self_service_required');
    expect((await gw.store.getTotp('u-root'))?.confirmedAt).not.toBeNull();
    expect((await gw.store.listAudit({ action: 'mfa.reset' }))[0]).toMatchObject({
      actor: 'root',
      target: 'u-root',
      result: 'denied',
      details: { reason: 'own_account', via: 'token' },
    });
  });

  it('a browser session cannot use the admin routes on itself either; the Account page needs the current password', async () => {
    await enrolTotp('u-root');
    const pw = await as(admin, '/users/u-root', { method: 'PATCH', body: { password: 'another-password' } });
    expect([pw.status, code(pw)]).toEqual([403, 'self_service_required']);
    const mfa = await as(admin, '/users/u-root/mfa/reset', { method: 'POST' });
    expect([mfa.status, code(mfa)]).toEqual([403, 'self_service_required']);
    expect((await gw.store.getTotp('u-root'))?.confirmedAt).not.toBeNull();
    const self = (b: unknown) => gw.call('/api/v1/me/password', { method: 'POST', cookie: admin, origin: gw.url, body: b });
    expect((await self({ newPassword: 'another-password' })).status).toBe(400);
    const wrong = await self({ currentPassword: 'not-my-password', newPassword: 'another-password' });
    expect([wrong.status, code(wrong)]).toEqual([403, 'invalid_credentials']);
    expect((await self({ currentPassword: 'root-password', newPassword: 'another-password' })).status).toBe(204);
  });

  it('what a token may do to its own account: its name; not disable, demote, delete or mint tokens', async () => {
    const token = await rootToken();
    expect((await viaToken(token, '/users/u-root', { method: 'PATCH', body: { displayName: 'Root (ops)' } })).status).toBe(200);
    expect(code(await viaToken(token, '/users/u-root', { method: 'PATCH', body: { disabled: true } }))).toBe('cannot_disable_self');
    expect(code(await viaToken(token, '/users/u-root', { method: 'PATCH', body: { roles: ['user'] } }))).toBe('cannot_demote_self');
    expect(code(await viaToken(token, '/users/u-root', { method: 'DELETE' }))).toBe('cannot_delete_self');
    const mint = await gw.call('/api/v1/me/tokens', { method: 'POST', token, body: { name: 'another' } });
    expect([mint.status, code(mint)]).toEqual([403, 'session_required']);
    expect(await gw.store.getUser('u-root')).toMatchObject({ displayName: 'Root (ops)', roles: ['admin'], disabled: false });
  });

  it('an admin still resets ANOTHER user’s password and second factor, by browser or token, audited', async () => {
    await enrolTotp('u-alice');
    const token = await rootToken();
    expect((await viaToken(token, '/users/u-alice', { method: 'PATCH', body: { password: 'reset-by-admin-1' } })).status).toBe(200);
    expect((await viaToken(token, '/users/u-alice/mfa/reset', { method: 'POST' })).status).toBe(204);
    expect(await gw.store.getTotp('u-alice')).toBeNull();
    expect((await as(admin, '/users/u-alice', { method: 'PATCH', body: { password: 'reset-by-admin-2' } })).status).toBe(200);
    expect((await gw.call('/api/v1/auth/login', { body: { username: 'alice', password: 'reset-by-admin-2' } })).status).toBe(200);
    expect((await gw.store.listAudit({ action: 'mfa.reset' }))[0]).toMatchObject({ actor: 'root', target: 'u-alice', result: 'ok' });
    expect((await gw.store.listAudit({ action: 'user.update' })).filter((a) => a.result === 'ok' && a.target === 'u-alice')).toHaveLength(
      2,
    );
  });
});

describe('admin groups API', () => {
  it('creates groups, assigns them by name or id, and shows members’ groups by name', async () => {
    const eng = body<{ id: string }>(await as(admin, '/groups', { method: 'POST', body: { name: 'engineering' } }));
    const ops = body<{ id: string }>(await as(admin, '/groups', { method: 'POST', body: { name: 'ops', description: 'on call' } }));
    expect((await as(admin, '/groups', { method: 'POST', body: { name: 'Engineering' } })).status).toBe(409);
    const r = await as(admin, '/users/u-alice', { method: 'PATCH', body: { groups: ['engineering', ops.id] } });
    expect(body<UserJson>(r).groups).toEqual(['engineering', 'ops']);
    expect((await gw.store.getUser('u-alice'))?.groups.sort()).toEqual([eng.id, ops.id].sort());
    const alice = await gw.login('alice', 'alice-password');
    expect(body<UserJson>(await gw.call('/api/v1/me', { cookie: alice })).groups).toEqual(['engineering', 'ops']);

    const unknown = await as(admin, '/users/u-alice', { method: 'PATCH', body: { groups: ['nope'] } });
    expect(unknown.status).toBe(400);
    expect(body<{ error: { details: { field: string }[] } }>(unknown).error.details[0]?.field).toBe('groups');

    expect(body<unknown[]>(await as(admin, '/groups'))).toHaveLength(2);
    expect((await as(admin, `/groups/${eng.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(body<UserJson>(await as(admin, '/users/u-alice')).groups).toEqual(['ops']);
    expect((await as(admin, `/groups/${eng.id}`, { method: 'DELETE' })).status).toBe(404);
    const actions = (await gw.store.listAudit()).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['group.create', 'group.delete']));
  });

  it('refuses to delete the only group entitled to a pool (that would open it to everyone)', async () => {
    const g = body<{ id: string }>(await as(admin, '/groups', { method: 'POST', body: { name: 'vip' } }));
    const pool: Pool = {
      id: 'p1',
      name: 'VIP desktops',
      description: '',
      driver: 'process',
      protocol: 'vnc',
      image: null,
      cpu: null,
      memoryMb: null,
      minWarm: 0,
      maxDesktops: 1,
      maxPerUser: 1,
      idleTimeoutS: 0,
      graceS: 60,
      maxLifetimeS: 0,
      persistence: 'pooled',
      placement: 'breadth',
      network: 'none',
      groups: [g.id],
      shadowWithoutConsent: false,
      policy: DEFAULT_SESSION_POLICY,
      createdAt: gw.clock.now(),
    };
    await gw.store.createPool(pool);
    const r = await as(admin, `/groups/${g.id}`, { method: 'DELETE' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: { code: 'group_in_use' } });
  });
});
