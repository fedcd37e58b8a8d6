// OpenID Connect end to end in Chromium against a real provider (oidc-provider on loopback): the
// sign-in page offers the provider, the person signs in there, comes back signed in with their
// directory groups mapped, sees the pool their group is entitled to, and launches it. A cancelled
// sign-in comes back with an explanation. (Bad state, nonce and replayed codes are refused in
// server/auth/oidc.integration.test.ts and test/integration/identity.test.ts.)
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, recordLaunch, waitForFirstFrame } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { CONFIDENTIAL_CLIENT, OIDC_ACCOUNTS, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';

let t: TestGateway;
let idp: TestOidcProvider;
let browser: Browser;
let admin: Api;

beforeAll(async () => {
  t = await startTestGateway();
  idp = await startOidcProvider({ redirectUris: [`${t.url}/api/v1/auth/oidc/corp-sso/callback`] });
  browser = await launchChromium();
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const group = await admin.post('/api/v1/admin/groups', { name: 'engineering', description: '' });
  const groupId = (group.body as { id: string }).id;
  const pool = await admin.post('/api/v1/admin/pools', {
    name: 'Engineering desktop',
    driver: 'process',
    protocol: 'vnc',
    groups: [groupId],
  });
  expect(pool.status).toBe(201);
  const p = await admin.post('/api/v1/admin/identity-providers', {
    kind: 'oidc',
    id: 'corp-sso',
    name: 'Corp SSO',
    config: { issuer: idp.issuer, ...CONFIDENTIAL_CLIENT, scopes: 'openid profile email groups', allowHttpIssuer: true },
  });
  expect(p.status).toBe(201);
  expect(
    (
      await admin.call('PUT', '/api/v1/admin/identity-providers/corp-sso/mappings', {
        mappings: [{ externalGroup: 'engineers', group: 'engineering' }],
      })
    ).status,
  ).toBe(200);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
  await idp?.stop();
});

async function newPage(): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
}
const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

describe('OIDC sign-in in Chromium', () => {
  it('bob signs in with Corp SSO, gets the engineering group, sees its pool and launches it', async () => {
    const page = await newPage();
    await page.goto(t.url);
    const button = page.getByTestId('signin-provider-corp-sso');
    await button.waitFor();
    await shot(page, '70-signin-with-provider');
    await button.click();
    await page.locator('#username').waitFor();
    expect(page.url().startsWith(idp.issuer)).toBe(true);
    await page.locator('#username').fill('bob');
    await page.locator('#password').fill(OIDC_ACCOUNTS.bob!.password);
    await page.locator('#sign-in').click();

    const launch = page.getByRole('button', { name: 'Launch Engineering desktop' });
    await launch.waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).origin).toBe(t.url);
    await shot(page, '71-oidc-my-desktops');
    const me = (await page.evaluate(async () => (await fetch('/api/v1/me')).json())) as { username: string; groups: string[] };
    expect(me).toMatchObject({ username: 'bob', groups: ['engineering'] });

    const clicked = Date.now();
    await launch.click();
    await waitForFirstFrame(page, 30_000);
    recordLaunch('process desktop (OIDC user)', Date.now() - clicked);
    await shot(page, '72-oidc-desktop');

    const audit = (await admin.get('/api/v1/admin/audit?action=auth.login')).body as {
      actor: string;
      result: string;
      details: { provider?: string };
    }[];
    expect(audit.find((e) => e.actor === 'bob' && e.result === 'ok')?.details.provider).toBe('corp-sso');
    await page.context().close();
  });

  it('cancelling at the provider comes back to the sign-in page with an explanation', async () => {
    const page = await newPage();
    await page.goto(`${t.url}/signin`);
    await page.getByTestId('signin-provider-corp-sso').click();
    await page.locator('#cancel-button').click();
    await page.getByText('Sign-in with Corp SSO was cancelled').waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).pathname).toBe('/signin');
    await shot(page, '73-oidc-cancelled');
    await page.context().close();
  });
});
