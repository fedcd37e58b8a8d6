// The kept directory password of a web session, against the real SQLite store and a real vault: only
// directory sign-ins keep one, sealed; it opens only for its own live web session and person; a
// sign-in with a changed password drops the older copies; sign-out takes it.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAudit } from '../audit.ts';
import { ManualClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import type { Store } from '../store/types.ts';
import { createVault } from '../vault.ts';
import type { AuthDeps } from './deps.ts';
import { createLoginThrottle } from './login-throttle.ts';
import { signInWithPassword, signOut, type LoginOutcome } from './sign-in.ts';
import { keepSignInPassword, signInLogin } from './sign-in-secrets.ts';
import { openTestStore } from './testing/test-store.ts';
import { startWebSession } from './web-sessions.ts';

const clock = new ManualClock();
const vault = createVault(randomBytes(32));
let store: Store;
let deps: AuthDeps & { vault: typeof vault };

const user = (id: string, passwordHash: string | null) =>
  store.createUser({ id, username: id, displayName: id, roles: ['user'], groups: [], disabled: false, passwordHash, createdAt: 0 });
const keep = (webSessionId: string, password: string, userId = 'u-bob') =>
  keepSignInPassword(deps, { webSessionId, userId, providerId: 'corp-ldap', username: 'bob', password });

beforeEach(async () => {
  store = await openTestStore(clock);
  deps = {
    store,
    clock,
    log: silentLogger(),
    audit: createAudit(store, silentLogger()),
    config: { cookieSecure: false, sessionTtlS: 3600 },
    access: { userChanged: async () => {}, poolChanged: async () => {} },
    vault,
  };
  await user('u-bob', null);
  await user('u-ann', null);
});
afterEach(() => store.close());

describe('a kept sign-in password', () => {
  it('is stored sealed and opens only for its own live web session and person', async () => {
    const { session } = await startWebSession(deps, 'u-bob');
    await keep(session.id, 'bobs-directory-password');
    const row = await store.getSignInSecret(session.id);
    expect(row?.passwordSealed).toMatch(/^v1:/);
    expect(row?.passwordSealed).not.toContain('bobs-directory-password');
    expect(await signInLogin(deps, session.id, 'u-bob')).toEqual({ username: 'bob', password: 'bobs-directory-password' });
    expect(await signInLogin(deps, session.id, 'u-ann')).toBeNull(); // someone else's ticket naming it
    expect(await signInLogin(deps, null, 'u-bob')).toBeNull(); // an API token: no web session
    expect(await signInLogin(deps, 'no-such-session', 'u-bob')).toBeNull();
    clock.advance(3600_000); // the web session expired, not yet swept
    expect(await signInLogin(deps, session.id, 'u-bob')).toBeNull();
  });

  it('does not open when its sealed value is copied into another web session’s row', async () => {
    const [a, b] = [(await startWebSession(deps, 'u-bob')).session, (await startWebSession(deps, 'u-bob')).session];
    await keep(a.id, 'bobs-directory-password');
    const sealed = (await store.getSignInSecret(a.id))!.passwordSealed;
    await store.putSignInSecret({ ...(await store.getSignInSecret(a.id))!, webSessionId: b.id, passwordSealed: sealed });
    expect(await signInLogin(deps, b.id, 'u-bob')).toBeNull();
  });

  it('a sign-in with a changed directory password drops the older sign-ins’ copies; the same password keeps them', async () => {
    const [old, same, fresh] = [
      (await startWebSession(deps, 'u-bob')).session,
      (await startWebSession(deps, 'u-bob')).session,
      (await startWebSession(deps, 'u-bob')).session,
    ];
    await keep(old.id, 'first-password');
    await keep(same.id, 'first-password');
    expect(await store.getSignInSecret(old.id)).not.toBeNull();
    await keep(fresh.id, 'changed-password');
    expect(await store.getSignInSecret(old.id)).toBeNull();
    expect(await store.getSignInSecret(same.id)).toBeNull();
    expect(await signInLogin(deps, fresh.id, 'u-bob')).toEqual({ username: 'bob', password: 'changed-password' });
  });
});

describe('signing in with a password', () => {
  const from = { ip: '127.0.0.1', origin: {}, sessionCookie: null, rememberCookie: null };

  it('keeps the password of a directory sign-in for that web session, and sign-out deletes it', async () => {
    const bob = (await store.getUser('u-bob'))!;
    const directory: LoginOutcome = { ok: true, user: bob, provider: 'corp-ldap', directoryUsername: 'bob' };
    const r = await signInWithPassword(deps, createLoginThrottle(store, clock), { username: 'bob', password: 'pw-from-ldap' }, from, {
      local: async () => ({ ok: false, reason: 'unknown_user', userId: null }),
      directories: async () => directory,
    });
    const [web] = await store.listWebSessionsOfUser('u-bob');
    expect(await signInLogin(deps, web!.id, 'u-bob')).toEqual({ username: 'bob', password: 'pw-from-ldap' });
    expect(await signOut(deps, r.session.value, bob, '127.0.0.1')).toBe(true);
    expect(await store.getSignInSecret(web!.id)).toBeNull();
  });

  it('keeps nothing for a local account: its password is Deskport’s own', async () => {
    await user('u-local', '$argon2id$stand-in');
    const local = (await store.getUser('u-local'))!;
    await signInWithPassword(deps, createLoginThrottle(store, clock), { username: 'u-local', password: 'local-password' }, from, {
      local: async () => ({ ok: true, user: local }),
    });
    const [web] = await store.listWebSessionsOfUser('u-local');
    expect(web).toBeDefined();
    expect(await store.getSignInSecret(web!.id)).toBeNull();
    expect(await signInLogin(deps, web!.id, 'u-local')).toBeNull();
  });
});
