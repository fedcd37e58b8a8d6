// "RDP needs guacd" in Chromium: a gateway without guacd shows why on the RDP pool's tile (Launch
// disabled) and next to the pool in Admin → Pools; the VNC pool's tile is untouched.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let t: TestGateway;
let browser: Browser;
let rdpId: string;

beforeAll(async () => {
  t = await startTestGateway({ env: { DESKPORT_GUACD: 'off' }, embeddedAgent: false });
  const api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const r = await api.post('/api/v1/admin/pools', {
    name: 'Windows desktop (RDP)',
    description: 'A remote desktop over RDP.',
    driver: 'process',
    protocol: 'rdp',
  });
  rdpId = (r.body as { id: string }).id;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
});

describe('RDP needs guacd', () => {
  it('the tile says why and Launch is disabled; Admin → Pools says it next to the pool', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(t.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My desktops' }).waitFor();

    const note = page.getByTestId(`unavailable-${rdpId}`);
    await note.waitFor();
    expect(await note.textContent()).toMatch(/^RDP needs guacd, which is not installed on this gateway\. Ask your admin/);
    expect(await page.getByRole('button', { name: 'Launch Windows desktop (RDP)' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Launch Linux desktop (local)' }).isDisabled()).toBe(false);
    expect(await page.locator('[data-testid^="unavailable-"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, '60-rdp-needs-guacd-tile.png') });

    await page.getByRole('link', { name: 'Pools' }).click();
    const adminNote = page.getByTestId(`pool-unavailable-${rdpId}`);
    await adminNote.waitFor();
    expect(await adminNote.textContent()).toMatch(/^RDP needs guacd: this gateway was started without it \(--no-guacd\)/);
    expect(await page.locator('[data-testid^="pool-unavailable-"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, '61-rdp-needs-guacd-admin-pools.png') });
  });
});
