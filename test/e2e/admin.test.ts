// The admin pages in Chromium against the real API: create a user who then signs in and
// launches; the admin sees the live session and ends it.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

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

describe('admin pages', () => {
  it('an admin creates a user, sees their live session and ends it', async () => {
    const admin = await signedIn('admin', ADMIN_PASSWORD);
    await admin.getByRole('link', { name: 'Users' }).click();
    const form = admin.getByTestId('create-user-form');
    await form.getByLabel('Username').fill('carol');
    await form.getByLabel('Display name').fill('Carol Danvers');
    await form.getByLabel('Password').fill('carol-password-1');
    await form.getByRole('button', { name: 'Create user' }).click();
    await admin.getByTestId('user-row-carol').waitFor();
    await admin.screenshot({ path: join(ARTIFACTS, '20-admin-users.png') });

    const carol = await signedIn('carol', 'carol-password-1');
    await expect(carol.getByRole('link', { name: 'Users' }).count()).resolves.toBe(0);
    await carol.getByRole('button', { name: 'Launch Linux desktop (local)' }).click();
    await carol.waitForFunction(() => window.__deskport?.rfbState === 'connected', undefined, { timeout: 30_000 });

    await admin.getByRole('link', { name: 'Live sessions' }).click();
    const row = admin.getByTestId('sessions-table').getByRole('row').filter({ hasText: 'carol' });
    await row.waitFor({ timeout: 10_000 });
    await admin.screenshot({ path: join(ARTIFACTS, '21-admin-live-sessions.png') });
    await admin.getByRole('button', { name: 'End session of carol in Linux desktop (local)' }).click();
    await admin.getByTestId('confirm-dialog').getByRole('button', { name: 'End session' }).click();
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    // Carol's viewer is told the session ended instead of retrying forever.
    await carol.getByTestId('viewer-overlay').and(carol.locator('[data-kind="ended"]')).waitFor({ timeout: 15_000 });
    await carol.screenshot({ path: join(ARTIFACTS, '22-viewer-ended-by-admin.png') });
  });

  it('an admin sets a pool’s session policy in the pool form, and the gateway keeps it', async () => {
    const admin = await signedIn('admin', ADMIN_PASSWORD);
    await admin.getByRole('link', { name: 'Pools' }).click();
    const pools = async () =>
      (await (await admin.request.get(`${t.url}/api/v1/admin/pools`)).json()) as { id: string; name: string; policy: unknown }[];
    const [pool] = await pools();
    await admin.getByRole('button', { name: `Edit ${pool!.name}` }).click();
    await admin.getByLabel('Record sessions').selectOption('on');
    await admin.getByLabel('Recording is required').check();
    await admin.getByLabel('Upload files to the desktop').uncheck();
    await admin.getByLabel('Largest file (MB)').fill('0');
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => admin.getByTestId('pool-policy-fileMaxMb-error').textContent()).toMatch(/from 1 to/);
    await admin.getByLabel('Largest file (MB)').fill('25');
    await admin.getByLabel('Clipboard', { exact: true }).selectOption('to_desktop');
    await admin.getByRole('heading', { name: 'Recording' }).scrollIntoViewIfNeeded();
    await admin.screenshot({ path: join(ARTIFACTS, '23-pool-session-policy.png') });
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(async () => (await pools()).find((p) => p.id === pool!.id)!.policy)
      .toMatchObject({
        recording: 'on',
        recordingRequired: true,
        fileUpload: false,
        fileDownload: true,
        fileMaxMb: 25,
        clipboard: 'to_desktop',
      });
    const audit = (await (await admin.request.get(`${t.url}/api/v1/admin/audit?action=pool.update`)).json()) as unknown;
    expect(JSON.stringify(audit)).toContain('"fields":["policy"]');
  });

  it('an admin gives a qemu pool the restricted guest network, and the choice goes when the driver changes', async () => {
    const admin = await signedIn('admin', ADMIN_PASSWORD);
    await admin.getByRole('link', { name: 'Pools' }).click();
    await admin.getByRole('button', { name: 'New pool' }).click();
    await admin.getByLabel('Name', { exact: true }).fill('Isolated VMs');
    await admin.getByLabel('Driver').selectOption('docker');
    await expect.poll(() => admin.getByLabel('Guest network').count()).toBe(0); // only qemu builds one
    await admin.getByLabel('Driver').selectOption('qemu');
    await admin.getByLabel('Image', { exact: true }).fill('vm');
    await admin.getByLabel('Guest network').selectOption('restricted');
    await admin.screenshot({ path: join(ARTIFACTS, '24-pool-guest-network.png') });
    await admin.getByRole('button', { name: 'Create pool' }).click();
    const stored = async () =>
      (
        (await (await admin.request.get(`${t.url}/api/v1/admin/pools`)).json()) as {
          id: string;
          name: string;
          driver: string;
          network: string;
        }[]
      ).find((p) => p.name === 'Isolated VMs');
    await expect.poll(async () => (await stored())?.network).toBe('restricted');
    await expect.poll(() => admin.getByText('restricted network').count()).toBe(1);
    await admin.screenshot({ path: join(ARTIFACTS, '25-pools-restricted-network.png') });
    await admin.getByRole('button', { name: 'Edit Isolated VMs' }).click();
    await admin.getByLabel('Driver').selectOption('docker');
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await stored())?.driver).toBe('docker');
    expect((await stored())?.network).toBe('none');
  });

  it('Add a host gives the agent command for the driver the admin picks', async () => {
    const admin = await signedIn('admin', ADMIN_PASSWORD);
    await admin.getByRole('link', { name: 'Hosts' }).click();
    await admin.getByRole('button', { name: 'Add a host' }).click();
    await admin.getByLabel('Host name').fill('vm-node1');
    await admin.getByLabel('Desktops it runs').selectOption('qemu');
    await admin.getByRole('button', { name: 'Create enrollment token' }).click();
    const command = (await admin.getByTestId('enroll-command').textContent()) ?? '';
    expect(command).toMatch(/^bin\/deskport agent --gateway \S+ --enroll dpe_\S+ --name vm-node1 --driver qemu$/);
    await admin.screenshot({ path: join(ARTIFACTS, '26-add-host-qemu.png') });
  });
});
