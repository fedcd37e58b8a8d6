// SSH access to a host that runs desktops, in Chromium with real parts: the admin opens Admin → Hosts,
// clicks "SSH access" on the built-in host, gets the machine form prefilled (SSH, 127.0.0.1 as the
// host's own agent sees it, reached through that host), sets the port of the test's real OpenSSH
// server and a shared key, saves, and connects from My desktops: guacd's SSH terminal in the viewer
// runs what is typed on the host (checked by the file it writes).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { startSshd, type TestSshd } from '../helpers/sshd.ts';

let t: TestGateway;
let guacd: GuacdProcess;
let sshd: TestSshd;
let browser: Browser;
let page: Page;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  if (!existsSync(join(process.cwd(), 'client/dist/index.html')))
    throw new Error('client/dist is missing: run `npm run build` (npm test does it)');
  sshd = await startSshd();
  guacd = await startGuacd();
  t = await startTestGateway({ guacd: guacd.guacd });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(t.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My desktops' }).waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
  await guacd?.kill();
  await sshd?.stop();
}, 60_000);

describe('SSH access to a desktop host', () => {
  it('is registered from the Hosts page in two fields and opens a terminal on the host', async () => {
    const api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
    const hosts = (await api.get('/api/v1/admin/hosts')).body as { id: string; name: string }[];
    const host = hosts[0]!;

    await page.getByRole('link', { name: 'Hosts' }).click();
    const link = page.getByRole('link', { name: `SSH access to ${host.name}` });
    await link.waitFor();
    await page.screenshot({ path: join(ARTIFACTS, '65-hosts-ssh-access.png') });
    await link.click();
    const form = page.getByTestId('machine-form');
    await form.waitFor();
    // Prefilled: an SSH machine on the host's loopback, reached through that host's own agent.
    await expect(form.locator('#machine-name').inputValue()).resolves.toBe(`${host.name} (SSH)`);
    await expect(form.locator('#machine-address').inputValue()).resolves.toBe('127.0.0.1');
    await expect(form.locator('#machine-port').inputValue()).resolves.toBe('22');
    await expect(form.locator('#machine-host').inputValue()).resolves.toBe(host.id);
    await expect(form.getByRole('radio', { name: /^SSH/ }).isChecked()).resolves.toBe(true);
    // The link is used once: the address bar shows the plain list again.
    expect(new URL(page.url()).search).toBe('');
    await page.screenshot({ path: join(ARTIFACTS, '65-host-ssh-access-form.png'), fullPage: true });

    // This host's sshd listens on the test's port, and signs in with a key only.
    await form.locator('#machine-port').fill(String(sshd.port));
    await form.getByRole('radio', { name: /^Shared account/ }).check();
    await form.locator('#machine-username').fill(sshd.user);
    await form.locator('#machine-private-key').fill(sshd.privateKey);
    await form.getByRole('button', { name: 'Add machine' }).click();
    const row = page
      .getByTestId('machines-table')
      .getByRole('row')
      .filter({ hasText: `${host.name} (SSH)` });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(`127.0.0.1:${sshd.port}`);

    await page.getByRole('link', { name: 'My desktops' }).click();
    const tile = page.locator('[data-machine-id]').filter({ hasText: `${host.name} (SSH)` });
    await tile.getByRole('button', { name: `Connect to ${host.name} (SSH)` }).click();
    await page.waitForURL(/\/desktop\/[^/]+$/);
    await page.waitForFunction(
      () => window.__deskport?.rfbState === 'connected' && (window.__deskport as { protocol?: string }).protocol === 'ssh',
      undefined,
      { timeout: 60_000 },
    );
    // The viewer names the machine, not "Desktop".
    await page.waitForFunction((name) => document.title === `${name} · Deskport`, `${host.name} (SSH)`);
    const marker = join(sshd.dir, 'typed-from-chromium');
    for (let i = 0; i < 6 && !existsSync(marker); i++) {
      await page.locator('.guac-display').click({ position: { x: 200, y: 200 } });
      await page.keyboard.type(`touch ${marker}`, { delay: 15 });
      await page.keyboard.press('Enter');
      for (let j = 0; j < 30 && !existsSync(marker); j++) await sleep(100);
    }
    expect(existsSync(marker)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, '66-host-ssh-terminal.png') });
  }, 120_000);
});
