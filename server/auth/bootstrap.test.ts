// The first admin of an empty store, against the real SQLite store: created once, with the
// operator's password or a generated one, and only when no user exists.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAudit } from '../audit.ts';
import { ManualClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import type { Store } from '../store/types.ts';
import { ensureAdmin } from './bootstrap.ts';
import { verifyPassword } from './passwords.ts';
import { openTestStore } from './testing/test-store.ts';

let store: Store;
let deps: Parameters<typeof ensureAdmin>[0];
beforeEach(async () => {
  const clock = new ManualClock();
  store = await openTestStore(clock);
  deps = {
    store,
    clock,
    log: silentLogger(),
    audit: createAudit(store, silentLogger()),
    config: { cookieSecure: false, sessionTtlS: 3600 },
  };
});
afterEach(() => store.close());

const signsIn = async (password: string) => verifyPassword((await store.getUserByName('admin'))?.passwordHash, password);

describe('ensureAdmin', () => {
  it('creates admin with a generated 20-character password on an empty store, once', async () => {
    const first = await ensureAdmin(deps);
    expect(first.created).toBe(true);
    expect(first.generatedPassword).toMatch(/^\S{20}$/);
    const admin = await store.getUserByName('admin');
    expect(admin).toMatchObject({ roles: ['admin'], disabled: false });
    expect(admin?.passwordHash?.startsWith('$argon2id$')).toBe(true);
    expect(await signsIn(first.generatedPassword!)).toBe(true);

    expect(await ensureAdmin(deps)).toEqual({ created: false });
    expect(await store.countUsers()).toBe(1);
    expect((await store.listAudit({ action: 'user.create' }))[0]).toMatchObject({ actor: 'system', result: 'ok' });
  });

  it('uses the given password and returns none', async () => {
    expect(await ensureAdmin(deps, { password: 'operator-chosen' })).toEqual({ created: true });
    expect(await signsIn('operator-chosen')).toBe(true);
  });

  it('does nothing when any user exists', async () => {
    await store.createUser({
      id: 'u-1',
      username: 'someone',
      displayName: 'someone',
      roles: ['user'],
      groups: [],
      disabled: false,
      passwordHash: null,
      createdAt: 0,
    });
    expect(await ensureAdmin(deps, { password: 'operator-chosen' })).toEqual({ created: false });
    expect(await store.getUserByName('admin')).toBeNull();
  });

  it('refuses a password that breaks the password rules', async () => {
    await expect(ensureAdmin(deps, { password: 'short' })).rejects.toThrow(/at least 8/);
    expect(await store.countUsers()).toBe(0);
  });
});
