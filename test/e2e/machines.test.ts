// Existing machines in Chromium against the real gateway: an admin registers an SSH machine (each
// person's own login) and an RDP machine (a shared account, entitled to one group) through the
// Machines page; a user outside that group sees only the SSH tile, saves their login in the dialog,
// and can connect. The API never answers the shared password.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const SHARED_PASSWORD = 'shared-rdp-password-e2e';

let t: TestGateway;
let browser: Browser;

beforeAll(async () => {
  t = await startTestGateway();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
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

describe('existing machines', () => {
  it('an admin registers machines through the UI; an entitled user sees the tile, saves their login and may connect', async () => {
    const api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
    const group = await api.post('/api/v1/admin/groups', { name: 'finance', description: '' });
    expect(group.status).toBe(201);
    expect((await api.post('/api/v1/admin/users', { username: 'dora', password: 'dora-password-1', displayName: 'Dora' })).status).toBe(
      201,
    );
    const hosts = (await api.get('/api/v1/admin/hosts')).body as { id: string; name: string }[];
    expect(hosts.length).toBeGreaterThan(0);

    const admin = await signedIn('admin', ADMIN_PASSWORD);
    await admin.getByRole('link', { name: 'Machines' }).click();
    await admin.getByRole('heading', { name: 'Machines', exact: true }).waitFor();

    // SSH, each person's own login; the port follows the protocol.
    await admin.getByRole('button', { name: 'Add machine' }).click();
    let form = admin.getByTestId('machine-form');
    await form.locator('#machine-name').fill('Build box');
    await form.locator('#machine-description').fill('Debian build server');
    await expect(form.locator('#machine-port').inputValue()).resolves.toBe('3389');
    await form.getByRole('radio', { name: /^SSH/ }).check();
    await expect(form.locator('#machine-port').inputValue()).resolves.toBe('22');
    await form.locator('#machine-address').fill('127.0.0.1');
    await form.locator('#machine-host').selectOption(hosts[0]!.id);
    await form.getByRole('radio', { name: /^Each person’s own/ }).check();
    await form.getByRole('button', { name: 'Add machine' }).click();
    const sshRow = admin.getByTestId('machines-table').getByRole('row').filter({ hasText: 'Build box' });
    await sshRow.waitFor();
    await expect(sshRow.textContent()).resolves.toMatch(/SSH.*127\.0\.0\.1:22/);

    // RDP, a shared account, only for the finance group: a missing password is caught before sending.
    await admin.getByRole('button', { name: 'Add machine' }).click();
    form = admin.getByTestId('machine-form');
    await form.locator('#machine-name').fill('Finance PC');
    await form.locator('#machine-address').fill('10.99.0.12');
    await form.locator('#machine-host').selectOption(hosts[0]!.id);
    await form.getByRole('radio', { name: /^Shared account/ }).check();
    await form.locator('#machine-username').fill('svc-deskport');
    await form.getByRole('button', { name: 'Add machine' }).click();
    await admin.getByTestId('machine-password-error').waitFor();
    await form.locator('#machine-password').fill(SHARED_PASSWORD);
    await form.locator('#machine-ignore-cert').check();
    await form.getByTestId('machine-groups').getByText('finance').click();
    await admin.screenshot({ path: join(ARTIFACTS, '60-admin-machine-form-rdp.png'), fullPage: true });
    await form.getByRole('button', { name: 'Add machine' }).click();
    const rdpRow = admin.getByTestId('machines-table').getByRole('row').filter({ hasText: 'Finance PC' });
    await rdpRow.waitFor();
    await expect(rdpRow.textContent()).resolves.toMatch(/svc-deskport · password set/);
    await admin.screenshot({ path: join(ARTIFACTS, '61-admin-machines.png'), fullPage: true });
    // Ten admin links and "Sign out" fit a 1280 px window without scrolling sideways.
    await expect(admin.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(1280);

    // What the gateway stored: the secret only as "set", never its value.
    const listed = await api.get('/api/v1/admin/machines');
    expect(listed.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'Finance PC',
          protocol: 'rdp',
          port: 3389,
          ignoreCert: true,
          passwordSet: true,
          groups: [group.body && (group.body as { id: string }).id],
        }),
        expect.objectContaining({ name: 'Build box', protocol: 'ssh', port: 22, credentialMode: 'per_user', hostId: hosts[0]!.id }),
      ]),
    );
    expect(JSON.stringify(listed.body)).not.toContain(SHARED_PASSWORD);

    // Dora is not in finance: she sees the SSH machine only, and must enter her login first.
    const dora = await signedIn('dora', 'dora-password-1');
    const tile = dora.locator('[data-machine-id]').filter({ hasText: 'Build box' });
    await tile.waitFor();
    await expect(dora.locator('[data-machine-id]').filter({ hasText: 'Finance PC' }).count()).resolves.toBe(0);
    await expect(tile.getByText('SSH', { exact: true }).count()).resolves.toBe(1);
    await expect(tile.getByRole('button', { name: /^Connect/ }).count()).resolves.toBe(0);
    await dora.screenshot({ path: join(ARTIFACTS, '62-desktops-machine-tile.png'), fullPage: true });

    await tile.getByRole('button', { name: 'Enter your credentials for Build box' }).click();
    const dialog = dora.getByTestId('credentials-dialog');
    await dialog.locator('#my-credentials-username').fill('dora');
    await dialog.locator('#my-credentials-password').fill('dora-ssh-password');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dora.getByTestId('machine-notice').waitFor();
    await tile.getByText('Your login is saved').waitFor();
    await expect(tile.getByRole('button', { name: 'Connect to Build box' }).isEnabled()).resolves.toBe(true);
    await dora.screenshot({ path: join(ARTIFACTS, '63-desktops-machine-saved.png'), fullPage: true });

    const doraApi = await signIn(t.url, 'dora', 'dora-password-1');
    const mine = (await doraApi.get('/api/v1/machines')).body as { name: string; credentialsSaved: boolean }[];
    expect(mine).toEqual([expect.objectContaining({ name: 'Build box', credentialsSaved: true })]);

    // Connect opens a machine session and goes to the viewer; back on My desktops the tile resumes or ends it.
    await tile.getByRole('button', { name: 'Connect to Build box' }).click();
    await dora.waitForURL(/\/desktop\/[^/]+$/);
    const sessionId = decodeURIComponent(new URL(dora.url()).pathname.split('/').pop()!);
    const session = (await doraApi.get(`/api/v1/sessions/${encodeURIComponent(sessionId)}`)).body as { session: { machineId?: string } };
    expect(session.session.machineId).toBe((mine[0] as unknown as { id: string }).id);
    await dora.goto(t.url);
    await tile.getByRole('button', { name: 'Resume Build box' }).waitFor();
    await dora.screenshot({ path: join(ARTIFACTS, '64-desktops-machine-session.png'), fullPage: true });
    await tile.getByRole('button', { name: 'End Build box' }).click();
    await dora.getByTestId('confirm-dialog').getByRole('button', { name: 'End session' }).click();
    await tile.getByRole('button', { name: 'Connect to Build box' }).waitFor({ timeout: 15_000 });
  });
});
