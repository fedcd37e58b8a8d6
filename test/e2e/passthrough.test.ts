// Passthrough machines in Chromium against the real gateway and a real slapd: an admin registers an
// RDP machine with "Their directory sign-in (passthrough)" through the Machines page; a directory
// user's tile says "Uses your directory sign-in" and may connect; the local admin's own tile says,
// before any click, that it needs a directory sign-in, and cannot be connected to.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { BASE_DN, PASSWORDS, READER_DN, READER_PASSWORD, startSlapd, type TestSlapd } from '../helpers/slapd.ts';

let t: TestGateway;
let slapd: TestSlapd;
let browser: Browser;

beforeAll(async () => {
  [t, slapd] = await Promise.all([startTestGateway(), startSlapd()]);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
  await slapd?.stop();
});

async function signedIn(username: string, password: string) {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(t.url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My desktops' }).waitFor();
  return page;
}

describe('a passthrough machine in the portal', () => {
  it('is offered in the machine form, usable by a directory user, and explained to a local account before a click', async () => {
    const api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
    const ldap = await api.post('/api/v1/admin/identity-providers', {
      kind: 'ldap',
      id: 'corp-ldap',
      name: 'Corp directory',
      config: { url: slapd.url, bindDn: READER_DN, bindPassword: READER_PASSWORD, userBase: `ou=people,${BASE_DN}`, timeoutMs: 3000 },
    });
    expect(ldap.status).toBe(201);
    const hosts = (await api.get('/api/v1/admin/hosts')).body as { id: string }[];

    const admin = await signedIn('admin', ADMIN_PASSWORD);
    await admin.getByRole('link', { name: 'Machines' }).click();
    await admin.getByRole('heading', { name: 'Machines', exact: true }).waitFor();
    await admin.getByRole('button', { name: 'Add machine' }).click();
    const form = admin.getByTestId('machine-form');
    await form.locator('#machine-name').fill('Office PC');
    await form.locator('#machine-address').fill('10.99.0.13');
    await form.locator('#machine-host').selectOption(hosts[0]!.id);
    await form.locator('#machine-domain').fill('CORP');
    await form.getByRole('radio', { name: /^Their directory sign-in \(passthrough\)/ }).check();
    await form.getByTestId('machine-passthrough-note').waitFor();
    await expect(form.locator('#machine-username').count()).resolves.toBe(0); // nothing to enter: each person's own sign-in
    await admin.screenshot({ path: join(ARTIFACTS, '70-admin-machine-form-passthrough.png'), fullPage: true });
    await form.getByRole('button', { name: 'Add machine' }).click();
    const row = admin.getByTestId('machines-table').getByRole('row').filter({ hasText: 'Office PC' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('Their directory sign-in');
    await admin.screenshot({ path: join(ARTIFACTS, '71-admin-machines-passthrough.png'), fullPage: true });

    // The local admin: the tile says why before a click, and Connect is off.
    await admin.getByRole('link', { name: 'My desktops' }).click();
    const adminTile = admin.locator('[data-machine-id]').filter({ hasText: 'Office PC' });
    await adminTile.getByText('sign in with your directory account to use it', { exact: false }).waitFor();
    await expect(adminTile.getByRole('button', { name: 'Connect to Office PC' }).isDisabled()).resolves.toBe(true);
    await admin.screenshot({ path: join(ARTIFACTS, '72-desktops-passthrough-local-account.png'), fullPage: true });

    // bob signs in with his directory password: the tile uses it.
    const bob = await signedIn('bob', PASSWORDS.bob);
    const tile = bob.locator('[data-machine-id]').filter({ hasText: 'Office PC' });
    await tile.getByText('Uses your directory sign-in').waitFor();
    await expect(tile.getByRole('button', { name: 'Connect to Office PC' }).isEnabled()).resolves.toBe(true);
    await expect(tile.locator('.machine-unavailable').count()).resolves.toBe(0);
    await bob.screenshot({ path: join(ARTIFACTS, '73-desktops-passthrough-directory-user.png'), fullPage: true });
    expect(await bob.content()).not.toContain(PASSWORDS.bob);
  }, 90_000);
});
