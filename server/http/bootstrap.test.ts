import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureAdmin } from '../auth/bootstrap.ts';
import { startGateway, type TestGateway } from './testing/harness.ts';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startGateway();
});
afterEach(() => gw.close());

describe('ensureAdmin', () => {
  it('creates admin with a generated 20-character password on an empty store, once', async () => {
    const first = await ensureAdmin(gw.deps);
    expect(first.created).toBe(true);
    expect(first.generatedPassword).toMatch(/^\S{20}$/);
    const admin = await gw.store.getUserByName('admin');
    expect(admin).toMatchObject({ roles: ['admin'], disabled: false });
    expect(admin?.passwordHash?.startsWith('$argon2id$')).toBe(true);
    const cookie = await gw.login('admin', first.generatedPassword!);
    expect((await gw.call('/api/v1/admin/users', { cookie })).status).toBe(200);

    expect(await ensureAdmin(gw.deps)).toEqual({ created: false });
    expect(await gw.store.countUsers()).toBe(1);
    expect((await gw.store.listAudit({ action: 'user.create' }))[0]).toMatchObject({ actor: 'system', result: 'ok' });
  });

  it('uses the given password and returns none', async () => {
    expect(await ensureAdmin(gw.deps, { password: 'operator-chosen' })).toEqual({ created: true });
    await gw.login('admin', 'operator-chosen');
  });

  it('does nothing when any user exists', async () => {
    await gw.addUser('someone', 'someone-password');
    expect(await ensureAdmin(gw.deps, { password: 'operator-chosen' })).toEqual({ created: false });
    expect(await gw.store.getUserByName('admin')).toBeNull();
  });

  it('refuses a password that breaks the password rules', async () => {
    await expect(ensureAdmin(gw.deps, { password: 'short' })).rejects.toThrow(/at least 8/);
    expect(await gw.store.countUsers()).toBe(0);
  });
});
