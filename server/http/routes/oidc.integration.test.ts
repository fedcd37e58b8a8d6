// OIDC sign-in against a real OpenID provider (oidc-provider, in-process on loopback), driven over
// HTTP with a small cookie jar the way a browser would: start → provider login → consent → callback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OidcBrowser } from '../../../test/helpers/oidc-browser.ts';
import {
  CONFIDENTIAL_CLIENT,
  corpProvider,
  OIDC_ACCOUNTS,
  PUBLIC_CLIENT,
  startOidcProvider,
  type TestOidcProvider,
} from '../../../test/helpers/oidc-provider.ts';
import { ManualClock } from '../../clock.ts';
import { openSqliteStore } from '../../store/sqlite.ts';
import { errorHandler } from '../errors.ts';
import { createLogger } from '../../log.ts';
import type { ExternalIdentity } from '../../auth/identity.ts';
import {
  ATTEMPT_TTL_MS,
  createAttemptStore,
  createOidcDiscovery,
  endSessionUrl,
  oidcProviderSchema,
  type OidcFailureReason,
  type OidcProviderConfig,
} from '../../auth/oidc.ts';
import { ATTEMPT_COOKIE, createOidcRouter } from './oidc.ts';

const clock = new ManualClock();
const db = openSqliteStore({ file: ':memory:', clock });
const attempts = createAttemptStore(db);
const logLines: string[] = [];
const log = createLogger({
  level: 'debug',
  destination: new Writable({ write: (c: Buffer, _e, cb) => (logLines.push(c.toString()), cb()) }),
});
const identities: { identity: ExternalIdentity; next: string; idToken?: string }[] = [];
const failures: { providerId: string; reason: OidcFailureReason }[] = [];

let idp: TestOidcProvider;
let server: Server;
let app: string; // our gateway-like app's origin
let providers: OidcProviderConfig[] = [];

const callbackOf = (id: string) => `${app}/api/v1/auth/oidc/${id}/callback`;

beforeAll(async () => {
  // The port comes first (redirect URIs and the public URL need it), the app right after.
  let web: express.Express | undefined;
  server = createServer((req, res) => web!(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  app = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  idp = await startOidcProvider({
    redirectUris: [callbackOf('corp'), callbackOf('corp-public')],
    postLogoutRedirectUris: [`${app}/signed-out`],
  });
  providers = [
    oidcProviderSchema.parse(corpProvider(idp.issuer)),
    oidcProviderSchema.parse({
      id: 'corp-public',
      name: 'Corp (public)',
      issuer: idp.issuer,
      clientId: PUBLIC_CLIENT.clientId,
      scopes: 'openid profile email groups',
      allowHttpIssuer: true,
    }),
    oidcProviderSchema.parse({ id: 'down', name: 'Nobody home', issuer: 'http://127.0.0.1:9', clientId: 'x', allowHttpIssuer: true }),
  ];
  web = express();
  web.use(
    '/api/v1',
    createOidcRouter({
      providers: () => providers,
      publicUrl: app,
      onIdentity: async (identity, _req, res, next, tokens) => {
        identities.push({ identity, next, idToken: tokens.idToken });
        res.redirect(303, next);
      },
      onFailure: async (providerId, reason, _req, res) => {
        failures.push({ providerId, reason });
        res.status(401).json({ error: { code: reason, message: 'Sign-in failed.' } });
      },
      clock,
      log,
      attempts,
    }),
  );
  web.use(errorHandler(log));
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await idp?.stop();
  await db.close();
});

beforeEach(() => {
  identities.length = 0;
  failures.length = 0;
});

class Browser extends OidcBrowser {
  constructor() {
    super(app);
  }
}

async function expectFailure(res: Response, reason: OidcFailureReason) {
  expect(res.status).toBe(401);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe(reason);
  expect(identities).toHaveLength(0);
}

describe('OIDC sign-in against a real provider', () => {
  it('a confidential client signs alice in with her groups, and returns her to where she was going', async () => {
    const b = new Browser();
    const authz = await b.start('corp');
    expect(`${authz.origin}${authz.pathname}`).toBe(`${idp.issuer}/auth`);
    const q = authz.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe(CONFIDENTIAL_CLIENT.clientId);
    expect(q.get('redirect_uri')).toBe(callbackOf('corp'));
    expect(q.get('scope')).toBe('openid profile email groups');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const attemptCookie = b.setCookies.find((c) => c.startsWith(`${ATTEMPT_COOKIE}=`))!;
    expect(attemptCookie).toMatch(/HttpOnly/);
    expect(attemptCookie).toMatch(/SameSite=Lax/);
    expect(attemptCookie).toMatch(/Path=\/api\/v1\/auth\/oidc\/corp\/(;|$)/);
    expect(attemptCookie).not.toMatch(/Secure/); // the public URL is http

    const cb = await b.atProvider(authz, { username: 'alice', password: OIDC_ACCOUNTS.alice!.password });
    const res = await b.request(cb);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/desktops?tab=mine');
    expect(failures).toEqual([]);
    expect(identities).toHaveLength(1);
    expect(identities[0]!.identity).toEqual({
      providerId: 'corp',
      subject: OIDC_ACCOUNTS.alice!.sub,
      username: 'alice',
      displayName: 'Alice Liddell',
      email: 'alice@example.test',
      groups: ['engineers', 'desk-admins'],
    });
    expect(identities[0]!.next).toBe('/desktops?tab=mine');
    expect(identities[0]!.idToken).toMatch(/^ey/);
    expect(b.jar.has(ATTEMPT_COOKIE)).toBe(false); // the attempt cookie is cleared
  });

  it('a public client (no secret, PKCE only) signs bob in', async () => {
    const b = new Browser();
    const res = await b.request(await b.signInUpTo('corp-public', 'bob', '/'));
    expect(res.status).toBe(303);
    expect(identities.map((i) => [i.identity.providerId, i.identity.username, i.identity.groups])).toEqual([
      ['corp-public', 'bob', ['engineers']],
    ]);
  });

  it('the provider refuses an authorization request without PKCE, so PKCE is really in play', async () => {
    const b = new Browser();
    const authz = await b.start('corp');
    authz.searchParams.delete('code_challenge');
    authz.searchParams.delete('code_challenge_method');
    const res = await b.request(authz.href);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/code_challenge|PKCE/i);
  });

  it('every attempt gets fresh state, nonce, verifier and attempt cookie', async () => {
    const [a, b] = [new Browser(), new Browser()];
    const [qa, qb] = [(await a.start('corp')).searchParams, (await b.start('corp')).searchParams];
    for (const k of ['state', 'nonce', 'code_challenge']) expect(qa.get(k)).not.toBe(qb.get(k));
    expect(a.attemptId()).not.toBe(b.attemptId());
    const rec = (await attempts.peek(a.attemptId()))!;
    expect(rec.checks?.state).toBe(qa.get('state'));
    expect(rec.checks?.nonce).toBe(qa.get('nonce'));
  });

  it('a tampered state is refused, and the attempt is spent', async () => {
    const b = new Browser();
    const cb = new URL(await b.signInUpTo('corp', 'alice'));
    const jar = new Map(b.jar);
    const tampered = new URL(cb);
    tampered.searchParams.set('state', 'A'.repeat(43));
    await expectFailure(await b.request(tampered.href), 'bad_state');
    b.jar = jar; // even with the cookie back, the real callback no longer works
    await expectFailure(await b.request(cb.href), 'bad_state');
    expect(failures.map((f) => f.reason)).toEqual(['bad_state', 'bad_state']);
  });

  it('a callback replayed (same cookie, same code and state) is refused', async () => {
    const b = new Browser();
    const cb = await b.signInUpTo('corp', 'alice');
    const jar = new Map(b.jar);
    expect((await b.request(cb)).status).toBe(303);
    b.jar = jar;
    identities.length = 0;
    await expectFailure(await b.request(cb), 'bad_state');
  });

  it('a code is exchanged once: the provider refuses it the second time, even with the right verifier', async () => {
    const b = new Browser();
    const cb = await b.signInUpTo('corp', 'alice');
    const saved = (await attempts.peek(b.attemptId()))!;
    expect((await b.request(cb)).status).toBe(303);
    identities.length = 0;
    // Bring the whole attempt back (verifier, state, nonce): only the provider stands in the way now.
    b.jar.set(ATTEMPT_COOKIE, await attempts.put(saved));
    await expectFailure(await b.request(cb), 'provider_error');
    expect(logLines.join('')).toMatch(/invalid_grant/);
  });

  it("an ID token whose nonce is not this attempt's is refused by openid-client", async () => {
    const b = new Browser();
    const cb = await b.signInUpTo('corp', 'alice');
    // The stored attempt's nonce changed under it (taken and put back with another).
    const rec = (await attempts.take(b.attemptId()))!;
    await attempts.put({ ...rec, checks: { ...rec.checks!, nonce: 'n'.repeat(43) } }, b.attemptId());
    await expectFailure(await b.request(cb), 'id_token_invalid');
    expect(logLines.at(-1)).toMatch(/OAUTH_JWT_CLAIM_COMPARISON_FAILED.*ID Token .{0,3}nonce/);
  });

  it('an attempt older than ten minutes is refused', async () => {
    const b = new Browser();
    const cb = await b.signInUpTo('corp', 'alice');
    clock.advance(ATTEMPT_TTL_MS + 1);
    await expectFailure(await b.request(cb), 'expired');
  });

  it('a callback without the attempt cookie is refused', async () => {
    const b = new Browser();
    const cb = await b.signInUpTo('corp', 'alice');
    b.jar.delete(ATTEMPT_COOKIE);
    await expectFailure(await b.request(cb), 'bad_state');
  });

  it('cancelling at the provider comes back as access_denied', async () => {
    const b = new Browser();
    const cb = await b.atProvider(await b.start('corp'), 'cancel');
    expect(new URL(cb).searchParams.get('error')).toBe('access_denied');
    await expectFailure(await b.request(cb), 'access_denied');
  });

  it("the provider's login form refuses a wrong password and unknown people", async () => {
    const b = new Browser();
    await expect(b.atProvider(await b.start('corp'), { username: 'alice', password: 'nope' })).rejects.toThrow(
      /Wrong username or password/,
    );
    await expect(b.atProvider(await b.start('corp'), { username: 'mallory', password: 'whatever' })).rejects.toThrow(
      /Wrong username or password/,
    );
  });

  it('only same-site paths survive as `next`', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const b = new Browser();
      expect((await b.request(await b.signInUpTo('corp', 'bob', next))).headers.get('location')).toBe('/');
    }
    expect(identities.map((i) => i.next)).toEqual(['/', '/', '/']);
  });

  it('an unknown provider is a 404 at the start and a failure at the callback', async () => {
    const res = await fetch(`${app}/api/v1/auth/oidc/nope/start`, { redirect: 'manual' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    await expectFailure(await fetch(`${app}/api/v1/auth/oidc/nope/callback?code=x&state=y`, { redirect: 'manual' }), 'unknown_provider');
  });

  it('an unreachable provider fails cleanly, and discovery is retried once it is back', async () => {
    const b = new Browser();
    await expectFailure(await b.request(`${app}/api/v1/auth/oidc/down/start`), 'provider_unreachable');

    // Reserve a port, discover while nothing listens there, then bring a provider up on it.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const discovery = createOidcDiscovery({ clock });
    const cfg = oidcProviderSchema.parse({
      id: 'later',
      name: 'Later',
      issuer: `http://127.0.0.1:${port}`,
      clientId: PUBLIC_CLIENT.clientId,
      allowHttpIssuer: true,
    });
    await expect(discovery.get(cfg)).rejects.toThrow();
    const late = await startOidcProvider({ redirectUris: [callbackOf('later')], port });
    try {
      expect((await discovery.get(cfg)).serverMetadata().issuer).toBe(late.issuer);
    } finally {
      await late.stop();
    }
  });

  it("sign-out: the provider's end-session URL when enabled, null otherwise", async () => {
    const b = new Browser();
    await b.request(await b.signInUpTo('corp', 'alice'));
    const idToken = identities[0]!.idToken!;
    const url = new URL((await endSessionUrl(providers[0]!, idToken, `${app}/signed-out`))!);
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.issuer}/session/end`);
    expect(url.searchParams.get('id_token_hint')).toBe(idToken);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${app}/signed-out`);
    expect(url.searchParams.get('client_id')).toBe(CONFIDENTIAL_CLIENT.clientId);
    // The provider accepts it: a logout confirmation page, not an error.
    const res = await b.request(url.href);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/logout/i);

    expect(await endSessionUrl(providers[1]!, undefined, `${app}/signed-out`)).toBeNull(); // not enabled
    expect(await endSessionUrl({ ...providers[0]!, issuer: 'http://127.0.0.1:9' }, undefined, `${app}/signed-out`)).toBeNull(); // unreachable
  });

  it('never logs codes, tokens, states, nonces, verifiers or the client secret', async () => {
    const b = new Browser();
    const cb = new URL(await b.signInUpTo('corp', 'alice'));
    const attemptId = b.attemptId();
    const checks = (await attempts.peek(attemptId))!.checks!;
    expect((await b.request(cb.href)).status).toBe(303);
    const secrets = [
      cb.searchParams.get('code')!,
      checks.state,
      checks.nonce,
      checks.codeVerifier,
      CONFIDENTIAL_CLIENT.clientSecret,
      identities[0]!.idToken!,
      attemptId,
    ];
    const all = logLines.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const s of secrets) expect(all).not.toContain(s);
  });
});
