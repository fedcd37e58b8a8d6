// Starting an OIDC sign-in (GET /auth/oidc/:id/start) against a real OpenID provider (oidc-provider,
// in-process on loopback): the browser goes to the provider only once its attempt is stored, and
// behind an https public URL with a path the cookie and the redirect URI follow. The whole sign-in
// is oidc.integration.test.ts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpProvider, startOidcProvider, type TestOidcProvider } from '../../../test/helpers/oidc-provider.ts';
import { createAttemptStore, oidcProviderSchema, type OidcProviderConfig } from '../../auth/oidc.ts';
import { ManualClock } from '../../clock.ts';
import { silentLogger } from '../../log.ts';
import { openSqliteStore } from '../../store/sqlite.ts';
import { ATTEMPT_COOKIE, createOidcRouter } from './oidc.ts';

const clock = new ManualClock();
const db = openSqliteStore({ file: ':memory:', clock });
const attempts = createAttemptStore(db);
const log = silentLogger();
let idp: TestOidcProvider;
let providers: OidcProviderConfig[] = [];

beforeAll(async () => {
  idp = await startOidcProvider({ redirectUris: ['http://127.0.0.1:8080/api/v1/auth/oidc/corp/callback'] });
  providers = [oidcProviderSchema.parse(corpProvider(idp.issuer))];
});

afterAll(async () => {
  await idp?.stop();
  await db.close();
});

describe('starting an OIDC sign-in', () => {
  it('sends the browser to the provider only once its attempt is stored: a store that fails means 503, no redirect', async () => {
    const web = express();
    const noop = async () => undefined;
    let release: () => void = () => undefined;
    let fail = false;
    const slow: typeof attempts = {
      ...attempts,
      put: (a, id) =>
        new Promise((resolve, reject) => {
          release = () => (fail ? reject(new Error('database unreachable')) : resolve(attempts.put(a, id)));
        }),
    };
    web.use(
      '/api/v1',
      createOidcRouter({
        providers: () => providers,
        publicUrl: 'http://127.0.0.1:8080',
        onIdentity: noop,
        onFailure: noop,
        clock,
        log,
        attempts: slow,
      }),
    );
    const other = createServer(web);
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const start = () =>
      fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/api/v1/auth/oidc/corp/start`, { redirect: 'manual' });
    try {
      let answered = false;
      const pending = start().then((r) => ((answered = true), r));
      await new Promise((r) => setTimeout(r, 300));
      expect(answered).toBe(false);
      release();
      const res = await pending;
      expect(res.status).toBe(302);
      const id = res.headers
        .getSetCookie()
        .find((c) => c.startsWith(`${ATTEMPT_COOKIE}=`))!
        .split(';')[0]!
        .split('=')[1]!;
      expect((await attempts.peek(id))?.checks?.state).toBe(new URL(res.headers.get('location')!).searchParams.get('state'));

      fail = true;
      const refused = start();
      await new Promise((r) => setTimeout(r, 100));
      release();
      const r2 = await refused;
      expect(r2.status).toBe(503);
      expect(r2.headers.get('location')).toBeNull();
      expect(await r2.text()).toMatch(/could not be started right now/);
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });

  it('behind an https public URL with a path, the cookie is Secure and scoped, and the redirect URI follows', async () => {
    const web = express();
    const noop = async () => undefined;
    web.use(
      '/api/v1',
      createOidcRouter({
        providers: () => providers,
        publicUrl: 'https://desk.example.com/vdi/',
        onIdentity: noop,
        onFailure: noop,
        clock,
        log,
        attempts,
      }),
    );
    const other = createServer(web);
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/api/v1/auth/oidc/corp/start`, {
        redirect: 'manual',
      });
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('redirect_uri')).toBe(
        'https://desk.example.com/vdi/api/v1/auth/oidc/corp/callback',
      );
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${ATTEMPT_COOKIE}=`))!;
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/Path=\/vdi\/api\/v1\/auth\/oidc\/corp\//);
      expect(res.headers.get('cache-control')).toBe('no-store');
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });
});
