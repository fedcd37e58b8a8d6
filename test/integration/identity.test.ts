// Enterprise sign-in through a real gateway: identity providers configured over the admin API,
// LDAP sign-in against a real slapd and OIDC sign-in against a real oidc-provider, with just-in-time
// accounts, group mapping to groups and roles, the entitled pool visible, two-step verification
// after a provider sign-in, and secrets that never come back out of the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../server/auth/totp.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { OidcBrowser } from '../helpers/oidc-browser.ts';
import { CONFIDENTIAL_CLIENT, OIDC_ACCOUNTS, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { BASE_DN, PASSWORDS, READER_DN, READER_PASSWORD, startSlapd, type TestSlapd } from '../helpers/slapd.ts';

let t: TestGateway;
let admin: Api;
let slapd: TestSlapd;
let idp: TestOidcProvider;
let engineeringPool: string;

const ldapConfig = () => ({
  url: slapd.url,
  bindDn: READER_DN,
  bindPassword: READER_PASSWORD,
  userBase: `ou=people,${BASE_DN}`,
  groupBase: `ou=groups,${BASE_DN}`,
  disabledFilter: '(pwdAccountLockedTime=*)',
  timeoutMs: 3000,
});

async function login(username: string, password: string, otp?: string) {
  const r = await fetch(`${t.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: t.url },
    body: JSON.stringify({ username, password, ...(otp ? { otp } : {}) }),
  });
  return {
    status: r.status,
    body: (await r.json()) as { user?: { username: string; roles: string[]; groups: string[] }; error?: { code: string; message: string } },
    cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!,
  };
}

beforeAll(async () => {
  t = await startTestGateway({ embeddedAgent: false });
  [slapd, idp] = await Promise.all([startSlapd(), startOidcProvider({ redirectUris: [`${t.url}/api/v1/auth/oidc/corp-sso/callback`] })]);
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  expect((await admin.post('/api/v1/admin/groups', { name: 'engineering', description: 'Engineers' })).status).toBe(201);
  const groupId = ((await admin.get('/api/v1/admin/groups')).body as { id: string; name: string }[]).find(
    (g) => g.name === 'engineering',
  )!.id;
  const pool = await admin.post('/api/v1/admin/pools', {
    name: 'Engineering desktop',
    driver: 'process',
    protocol: 'vnc',
    groups: [groupId],
  });
  if (pool.status !== 201) throw new Error(JSON.stringify(pool.body));
  expect(pool.status).toBe(201);
  engineeringPool = (pool.body as { id: string }).id;
}, 60_000);

afterAll(async () => {
  await t?.cleanup();
  await slapd?.stop();
  await idp?.stop();
});

describe('identity providers over the admin API', () => {
  it('creates an LDAP directory and an OIDC provider; secrets are write-only; bad settings are refused field by field', async () => {
    const bad = await admin.post('/api/v1/admin/identity-providers', {
      kind: 'ldap',
      id: 'corp-ldap',
      name: 'Corp directory',
      config: { ...ldapConfig(), url: 'http://x', bindPassword: '' },
    });
    expect(bad.status).toBe(400);
    const fields = (bad.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['config.url', 'config.bindPassword']));

    const ldap = await admin.post('/api/v1/admin/identity-providers', {
      kind: 'ldap',
      id: 'corp-ldap',
      name: 'Corp directory',
      config: ldapConfig(),
    });
    expect(ldap.status).toBe(201);
    const oidc = await admin.post('/api/v1/admin/identity-providers', {
      kind: 'oidc',
      id: 'corp-sso',
      name: 'Corp SSO',
      config: { issuer: idp.issuer, ...CONFIDENTIAL_CLIENT, scopes: 'openid profile email groups', allowHttpIssuer: true },
    });
    expect(oidc.status).toBe(201);
    expect(oidc.body).toMatchObject({ secretSet: true, redirectUri: `${t.url}/api/v1/auth/oidc/corp-sso/callback` });
    const listed = JSON.stringify((await admin.get('/api/v1/admin/identity-providers')).body);
    expect(listed).not.toContain(READER_PASSWORD);
    expect(listed).not.toContain(CONFIDENTIAL_CLIENT.clientSecret);
    expect(
      (await admin.post('/api/v1/admin/identity-providers', { kind: 'ldap', id: 'corp-ldap', name: 'Again', config: ldapConfig() })).status,
    ).toBe(409);

    // An edit without the secret keeps it: the connection test still binds as the service account.
    const edit = await admin.call('PUT', '/api/v1/admin/identity-providers/corp-ldap', {
      config: { ...ldapConfig(), bindPassword: undefined },
    });
    expect(edit.status).toBe(200);
    const test = await admin.post('/api/v1/admin/identity-providers/corp-ldap/test');
    expect(test.body).toMatchObject({ ok: true });
    // Pointing the directory elsewhere without re-entering the password drops it (it never goes to another server).
    const moved = await admin.call('PUT', '/api/v1/admin/identity-providers/corp-ldap', {
      config: { ...ldapConfig(), url: 'ldap://127.0.0.1:1', bindPassword: undefined },
    });
    expect(moved.status).toBe(400);
    expect(JSON.stringify(moved.body)).toContain('config.bindPassword');
    // null clears a secret: a bind DN without its password is then refused as an unauthenticated bind.
    const cleared = await admin.call('PUT', '/api/v1/admin/identity-providers/corp-ldap', {
      config: { ...ldapConfig(), bindPassword: null },
    });
    expect(cleared.status).toBe(400);
    expect(JSON.stringify(cleared.body)).toContain('config.bindPassword');
    expect((await admin.post('/api/v1/admin/identity-providers/corp-sso/test')).body).toMatchObject({ ok: true });

    for (const id of ['corp-ldap', 'corp-sso']) {
      const m = await admin.call('PUT', `/api/v1/admin/identity-providers/${id}/mappings`, {
        mappings: [
          { externalGroup: 'engineers', group: 'engineering' },
          { externalGroup: 'desk-admins', role: 'admin' },
        ],
      });
      expect(m.status).toBe(200);
    }
    const unknown = await admin.call('PUT', '/api/v1/admin/identity-providers/corp-ldap/mappings', {
      mappings: [{ externalGroup: 'x', group: 'no-such-group' }],
    });
    expect(unknown.status).toBe(400);

    const pub = (await fetch(`${t.url}/api/v1/auth/providers`).then((r) => r.json())) as { id: string; startUrl?: string }[];
    expect(pub.map((p) => p.id).sort()).toEqual(['corp-ldap', 'corp-sso']);
    expect(pub.find((p) => p.id === 'corp-sso')?.startUrl).toBe('/api/v1/auth/oidc/corp-sso/start');
    const audit = (await admin.get('/api/v1/admin/audit?action=idp.create')).body as unknown[];
    expect(audit).toHaveLength(2);
  });
});

describe('LDAP sign-in against slapd', () => {
  it('bob signs in with his directory password: account created, engineers → engineering, the entitled pool is visible', async () => {
    const r = await login('bob', PASSWORDS.bob);
    expect(r.status).toBe(200);
    expect(r.body.user).toMatchObject({ username: 'bob', groups: ['engineering'], roles: ['user'] });
    const pools = (await fetch(`${t.url}/api/v1/pools`, { headers: { cookie: r.cookie } }).then((x) => x.json())) as { id: string }[];
    expect(pools.map((p) => p.id)).toContain(engineeringPool);
  });

  it('alice gets the admin role from desk-admins', async () => {
    const r = await login('alice', PASSWORDS.alice);
    expect(r.status).toBe(200);
    expect([...r.body.user!.roles].sort()).toEqual(['admin', 'user']);
  });

  it('refuses a wrong password, an unknown name and a user the directory disabled, and audits why', async () => {
    expect((await login('bob', 'not-his-password')).status).toBe(401);
    expect((await login('nobody-here', 'whatever-password')).status).toBe(401);
    const carol = await login('carol', PASSWORDS.carol);
    expect(carol.status).toBe(401);
    expect(carol.body.error?.code).toBe('invalid_credentials');
    const audit = (await admin.get('/api/v1/admin/audit?action=auth.login')).body as {
      actor: string;
      result: string;
      details: { reason?: string; provider?: string };
    }[];
    expect(audit.find((e) => e.actor === 'carol')).toMatchObject({
      result: 'failed',
      details: { reason: 'disabled', provider: 'corp-ldap' },
    });
    expect(audit.find((e) => e.actor === 'bob' && e.result === 'failed')).toMatchObject({ details: { reason: 'bad_password' } });
  });

  it('admins see where an account signs in, and cannot give a directory account a local password', async () => {
    const users = (await admin.get('/api/v1/admin/users')).body as {
      id: string;
      username: string;
      providers: { id: string; name: string }[];
    }[];
    const bob = users.find((u) => u.username === 'bob')!;
    expect(bob.providers).toEqual([{ id: 'corp-ldap', name: 'Corp directory' }]);
    expect(users.find((u) => u.username === 'admin')!.providers).toEqual([]);
    const r = await admin.call('PATCH', `/api/v1/admin/users/${bob.id}`, { password: 'a-brand-new-password-9' });
    expect(r.status).toBe(409);
    expect((r.body as { error: { code: string } }).error.code).toBe('external_account');
    expect((await login('bob', PASSWORDS.bob)).status).toBe(200); // still the directory's
  });

  it("a local account of the same name is never the directory's: the local password decides", async () => {
    expect((await admin.post('/api/v1/admin/users', { username: 'dave', password: 'a-local-password-77' })).status).toBe(201);
    expect((await login('dave', 'a-local-password-77')).status).toBe(200);
  });
});

describe('OIDC sign-in through the gateway', () => {
  it('alice signs in at the provider and comes back signed in, with her groups mapped', async () => {
    const b = new OidcBrowser(t.url);
    const callback = await b.atProvider(await b.start('corp-sso', '/desktops'), {
      username: 'alice',
      password: OIDC_ACCOUNTS.alice!.password,
    });
    const done = await b.request(callback);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/desktops');
    const me = await b.request(`${t.url}/api/v1/me`);
    const body = (await me.json()) as { username: string; roles: string[]; groups: string[] };
    // alice@corp-sso: "alice" is already the LDAP directory's account, never taken over by another provider.
    expect(body.username).toBe('alice@corp-sso');
    expect(body.groups).toEqual(['engineering']);
    expect([...body.roles].sort()).toEqual(['admin', 'user']);
  });

  it('with two-step verification on, the provider sign-in waits for the code; wrong, then right, then replayed', async () => {
    const b = new OidcBrowser(t.url);
    await b.request(await b.atProvider(await b.start('corp-sso'), { username: 'bob', password: OIDC_ACCOUNTS.bob!.password }));
    const post = (path: string, body: unknown) =>
      b.request(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: t.url },
        body: JSON.stringify(body),
      });
    const setup = await post('/api/v1/me/mfa/totp/setup', {});
    expect(setup.status).toBe(201);
    const { secret } = (await setup.json()) as { secret: string };
    expect((await post('/api/v1/me/mfa/totp/confirm', { code: totpCode(secret, Date.now()) })).status).toBe(200);
    await post('/api/v1/auth/logout', {});

    const again = await b.request(
      await b.atProvider(await b.start('corp-sso', '/admin'), { username: 'bob', password: OIDC_ACCOUNTS.bob!.password }),
    );
    expect(again.status).toBe(303);
    const to = new URL(again.headers.get('location')!, t.url);
    expect(to.pathname).toBe('/signin');
    expect(to.searchParams.get('step')).toBe('code');
    expect((await b.request(`${t.url}/api/v1/me`)).status).toBe(401); // not signed in yet

    const wrong = await post('/api/v1/auth/login/code', { otp: '000000' === totpCode(secret, Date.now()) ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    // The current step's code was spent at enrolment; the next step's is within the ±1 window.
    const code = totpCode(secret, Date.now() + 30_000);
    const right = await post('/api/v1/auth/login/code', { otp: code });
    expect(right.status).toBe(200);
    expect(((await right.json()) as { next: string }).next).toBe('/admin');
    expect((await b.request(`${t.url}/api/v1/me`)).status).toBe(200);
    // The pending sign-in is spent: replaying the code (or any code) gets nowhere.
    expect((await post('/api/v1/auth/login/code', { otp: code })).status).toBe(401);
  });

  it('signing out also signs out at the provider when it is configured so (RP-initiated logout)', async () => {
    const oidcConfig = {
      issuer: idp.issuer,
      clientId: CONFIDENTIAL_CLIENT.clientId,
      scopes: 'openid profile email groups',
      allowHttpIssuer: true,
    };
    expect(
      (await admin.call('PUT', '/api/v1/admin/identity-providers/corp-sso', { config: { ...oidcConfig, endSessionRedirect: true } }))
        .status,
    ).toBe(200);
    const b = new OidcBrowser(t.url);
    await b.request(await b.atProvider(await b.start('corp-sso'), { username: 'alice', password: OIDC_ACCOUNTS.alice!.password }));
    const out = await b.request(`${t.url}/api/v1/auth/logout`, { method: 'POST', headers: { origin: t.url } });
    expect(out.status).toBe(200);
    const url = new URL(((await out.json()) as { endSessionUrl: string }).endSessionUrl);
    expect(url.href.startsWith(idp.issuer)).toBe(true);
    expect(url.searchParams.get('client_id')).toBe(CONFIDENTIAL_CLIENT.clientId);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${t.url}/signin`);
    expect((await b.request(`${t.url}/api/v1/me`)).status).toBe(401);
    // A local account signing out gets the plain 204.
    const local = await login('dave', 'a-local-password-77');
    expect((await fetch(`${t.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: local.cookie, origin: t.url } })).status).toBe(
      204,
    );
    expect((await admin.call('PUT', '/api/v1/admin/identity-providers/corp-sso', { config: oidcConfig })).status).toBe(200);
  });

  it('a disabled Deskport account cannot sign in through the provider', async () => {
    const users = (await admin.get('/api/v1/admin/users')).body as { id: string; username: string }[];
    const alice = users.find((u) => u.username === 'alice@corp-sso')!;
    expect((await admin.call('PATCH', `/api/v1/admin/users/${alice.id}`, { disabled: true })).status).toBe(200);
    const b = new OidcBrowser(t.url);
    const done = await b.request(
      await b.atProvider(await b.start('corp-sso'), { username: 'alice', password: OIDC_ACCOUNTS.alice!.password }),
    );
    expect(new URL(done.headers.get('location')!, t.url).searchParams.get('error')).toBe('disabled');
    expect((await b.request(`${t.url}/api/v1/me`)).status).toBe(401);
  });

  it('one address cannot fill the sign-in attempt store: starts are limited per address (429)', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 32; i++) codes.push((await fetch(`${t.url}/api/v1/auth/oidc/corp-sso/start`, { redirect: 'manual' })).status);
    // Earlier tests of this file started a few sign-ins from this address too (this one runs last).
    expect(codes.filter((c) => c === 302).length).toBeLessThanOrEqual(30);
    expect(codes.at(-1)).toBe(429);
  });
});
