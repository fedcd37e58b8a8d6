// The Sign-in admin page in Chromium against the real API: an admin adds an LDAP directory (fixing
// what the gateway refuses) and an OpenID Connect provider, tests a connection that cannot work,
// maps groups, disables and deletes; the API shows each change.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';

interface ProviderJson {
  id: string;
  kind: string;
  enabled: boolean;
  secretSet: boolean;
  config: Record<string, unknown>;
  redirectUri?: string;
  mappings: { externalGroup: string; group: string | null; role: string | null }[];
}

let t: TestGateway;
let browser: Browser;
let api: Api;

beforeAll(async () => {
  t = await startTestGateway({ embeddedAgent: false });
  browser = await launchChromium();
  api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  expect((await api.post('/api/v1/admin/groups', { name: 'Engineering', description: '' })).status).toBe(201);
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
});

async function providers(): Promise<ProviderJson[]> {
  return (await api.get('/api/v1/admin/identity-providers')).body as ProviderJson[];
}

async function signInPage(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(t.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My desktops' }).waitFor();
  await page.getByRole('link', { name: 'Sign-in' }).click();
  await page.getByRole('heading', { name: 'Sign-in', exact: true }).waitFor();
  return page;
}

describe('sign-in admin page', () => {
  it('an admin adds an LDAP directory and an OIDC provider, maps groups, disables and deletes', async () => {
    const page = await signInPage();
    const form = page.getByTestId('idp-form');

    // LDAP with the Active Directory preset; the gateway refuses the URL and the half-given account.
    await page.getByTestId('idp-add').click();
    await page.getByTestId('idp-choose-ldap').click();
    await form.getByLabel('Name', { exact: true }).fill('Corp AD');
    await page.getByTestId('idp-preset-ad').click();
    await form.getByLabel('Server URL').fill('dc1.corp.example.com');
    await form.getByLabel('Bind DN', { exact: true }).fill('CN=svc,DC=corp,DC=example,DC=com');
    await form.getByLabel('User base DN').fill('DC=corp,DC=example,DC=com');
    await page.getByTestId('idp-save').click();
    await expect(page.getByTestId('idp-url-error').textContent()).resolves.toContain('ldap://');
    await expect(page.getByTestId('idp-bind-password-error').textContent()).resolves.toContain('bind password');
    expect(await providers()).toEqual([]);

    await form.getByLabel('Server URL').fill('ldap://127.0.0.1:9');
    await form.getByLabel('Bind password', { exact: true }).fill('service-password');
    await form.getByLabel('Timeout (ms)').fill('1000');
    await page.getByTestId('idp-save').click();
    await page.getByRole('heading', { name: /Corp AD/ }).waitFor();
    const [ldap] = await providers();
    expect(ldap).toMatchObject({ id: 'corp-ad', kind: 'ldap', enabled: true, secretSet: true });
    expect(ldap?.config).toMatchObject({
      url: 'ldap://127.0.0.1:9',
      usernameAttribute: 'sAMAccountName',
      memberOfAttribute: 'memberOf',
      timeoutMs: 1000,
    });
    expect(ldap?.config).not.toHaveProperty('bindPassword');

    // Nothing listens on port 9: the test says so, with what to check.
    await page.getByTestId('idp-test-button').click();
    const result = page.getByTestId('idp-test-result');
    await result.waitFor({ timeout: 15_000 });
    await expect(result.getAttribute('data-ok')).resolves.toBe('false');
    await expect(result.textContent()).resolves.toContain('Check the server URL');

    // Group mappings: one to a group, one to a role.
    const maps = page.getByTestId('idp-mappings');
    for (const [name, grants, target] of [
      ['Desk Users', 'group', 'Engineering'],
      ['Desk Admins', 'role', 'Administrator'],
    ] as const) {
      await page.getByTestId('mapping-add').click();
      const row = maps.getByTestId('mapping-row').last();
      await row.locator('input').fill(name);
      await row.locator('select').nth(0).selectOption(grants);
      await row.locator('select').nth(1).selectOption({ label: target });
    }
    await page.getByTestId('mapping-save').click();
    await maps.getByText('Saved 2 mappings').waitFor();
    const saved = [...((await providers())[0]?.mappings ?? [])].sort((a, b) => a.externalGroup.localeCompare(b.externalGroup));
    expect(saved).toEqual([
      { externalGroup: 'Desk Admins', groupId: null, group: null, role: 'admin' },
      { externalGroup: 'Desk Users', groupId: expect.any(String), group: 'Engineering', role: null },
    ]);
    await page.screenshot({ path: join(ARTIFACTS, '60-admin-identity-ldap.png'), fullPage: true });

    // OIDC on a loopback issuer: the redirect URI to register is shown with a copy button.
    await page.getByRole('button', { name: '← All providers' }).click();
    await page.getByTestId('idp-add').click();
    await page.getByTestId('idp-choose-oidc').click();
    await form.getByLabel('Name', { exact: true }).fill('Company SSO');
    await form.getByLabel('Issuer URL').fill('http://127.0.0.1:9/');
    await form.getByLabel('Client ID').fill('deskport');
    await form.getByLabel('Client secret', { exact: true }).fill('client-secret');
    await form.getByLabel(/Allow http:/).check();
    await page.getByTestId('idp-save').click();
    await page.getByRole('heading', { name: /Company SSO/ }).waitFor();
    const oidc = (await providers()).find((p) => p.id === 'company-sso');
    expect(oidc).toMatchObject({ kind: 'oidc', secretSet: true });
    await expect(page.getByTestId('idp-redirect-uri').textContent()).resolves.toContain(oidc?.redirectUri ?? 'missing');
    await expect(form.getByLabel('Client secret', { exact: true }).getAttribute('placeholder')).resolves.toBe('Set — leave empty to keep');

    // Saving other settings with the secret left empty keeps the stored one.
    await form.getByLabel('Groups claim').fill('realm_access.roles');
    await page.getByTestId('idp-save').click();
    await page.getByText('Saved the settings of Company SSO').waitFor();
    expect((await providers()).find((p) => p.id === 'company-sso')).toMatchObject({
      secretSet: true,
      config: { groupsClaim: 'realm_access.roles' },
    });

    // Disable from the list, then delete with a confirmation.
    await page.getByRole('button', { name: '← All providers' }).click();
    await page.getByRole('button', { name: 'Disable Corp AD' }).click();
    await page.getByRole('button', { name: 'Enable Corp AD' }).waitFor();
    expect((await providers()).find((p) => p.id === 'corp-ad')?.enabled).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, '61-admin-identity-list.png') });
    await page.getByRole('button', { name: 'Delete Company SSO' }).click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Delete provider' }).click();
    await page.getByTestId('idp-row-company-sso').waitFor({ state: 'detached' });
    expect((await providers()).map((p) => p.id)).toEqual(['corp-ad']);
  });
});
