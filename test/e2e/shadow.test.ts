// Helpdesk shadowing end to end in Chromium with two browser contexts (the desktop's owner and a
// helpdesk user): request, consent prompt, banner, view-only enforced by the gateway, end. Also the
// thumbnail wall and the admin dashboard. Screenshots go to test-artifacts/.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, waitForFirstFrame } from '../helpers/browser.ts';
import { desktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';

let t: TestGateway;
let admin: Api;
let browser: Browser;
const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

beforeAll(async () => {
  t = await startTestGateway({ env: { DESKPORT_METRICS_INTERVAL_S: '1' } });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  expect(
    (await admin.post('/api/v1/admin/users', { username: 'ada', displayName: 'Ada Owner', password: 'ada-password-1', roles: ['user'] }))
      .status,
  ).toBe(201);
  expect(
    (
      await admin.post('/api/v1/admin/users', {
        username: 'hana',
        displayName: 'Hana Helper',
        password: 'hana-password-1',
        roles: ['helpdesk'],
      })
    ).status,
  ).toBe(201);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
});

async function signedIn(username: string, password: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(t.url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByRole('heading', { name: /My desktops|Helpdesk|Dashboard/ })
    .first()
    .waitFor();
  return page;
}

describe('shadowing in the browser', () => {
  it('asks, gets consent, shows the banner, stays view-only, and ends', async () => {
    const owner = await signedIn('ada', 'ada-password-1');
    await owner.getByRole('button', { name: 'Launch Linux desktop (local)' }).click();
    await waitForFirstFrame(owner);
    const sessionId = await owner.evaluate(() => window.__deskport!.sessionId);
    const { home } = await desktopInfo(admin, t.dataDir, sessionId);

    const helpdesk = await signedIn('hana', 'hana-password-1');
    await helpdesk.goto(`${t.url}/helpdesk`);
    const card = helpdesk.getByTestId(`session-card-${sessionId}`);
    await card.waitFor();
    await helpdesk.waitForFunction(
      (id) => {
        const img = document.querySelector(`[data-testid="session-card-${id}"] img`) as HTMLImageElement | null;
        return !!img && img.complete && img.naturalWidth > 0;
      },
      sessionId,
      { timeout: 15_000 },
    );
    await shot(helpdesk, '50-helpdesk-thumbnail-wall');
    await card.getByRole('button', { name: 'View', exact: true }).click();
    await helpdesk.getByLabel('Reason').fill('Ticket #4821: Outlook will not start');
    await helpdesk.getByRole('button', { name: 'Ask to view' }).click();
    await helpdesk.getByTestId('shadow-status').and(helpdesk.locator('[data-kind="pending"]')).waitFor();
    await shot(helpdesk, '51-shadow-waiting');

    const prompt = owner.getByTestId('shadow-prompt');
    await prompt.waitFor({ timeout: 10_000 });
    await expect(prompt.textContent()).resolves.toMatch(/Hana Helper.*see your desktop[\s\S]*Outlook will not start/);
    await shot(owner, '52-owner-consent-prompt');
    const allowedAt = Date.now();
    await prompt.getByRole('button', { name: 'Allow' }).click();

    await waitForFirstFrame(helpdesk);
    console.info(
      `Allow → helpdesk's first frame: ${Date.now() - allowedAt} ms (display attempts: ${await helpdesk.evaluate(() => window.__deskport!.attempts)})`,
    );
    await owner.getByTestId('shadow-banner').waitFor();
    await shot(owner, '53-owner-banner');
    await expect(helpdesk.getByTestId('shadow-mode-badge').textContent()).resolves.toMatch(/View only/);
    await shot(helpdesk, '54-shadow-view-only');

    // The helpdesk's keys never reach the desktop (the gateway drops them), the owner's do.
    const canvas = helpdesk.locator('[data-testid="viewer"] canvas');
    await canvas.click({ position: { x: 300, y: 200 } });
    await helpdesk.keyboard.type('touch from-helpdesk', { delay: 10 });
    await helpdesk.keyboard.press('Enter');
    await owner.locator('[data-testid="viewer"] canvas').click({ position: { x: 300, y: 250 } });
    await owner.waitForTimeout(500);
    await owner.keyboard.type('touch from-owner', { delay: 10 });
    await owner.keyboard.press('Enter');
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(home, 'from-owner')) && Date.now() < deadline) await owner.waitForTimeout(100);
    expect(existsSync(join(home, 'from-owner'))).toBe(true);
    expect(existsSync(join(home, 'from-helpdesk'))).toBe(false);

    await owner.getByTestId('shadow-banner').getByRole('button', { name: 'Stop sharing' }).click();
    await helpdesk.getByTestId('shadow-status').and(helpdesk.locator('[data-kind="ended"]')).waitFor({ timeout: 5_000 });
    await shot(helpdesk, '55-shadow-ended');
    await owner.getByTestId('shadow-banner').waitFor({ state: 'detached' });
    const audit = ((await admin.get('/api/v1/admin/audit?action=shadow.start')).body as unknown[]).length;
    expect(audit).toBeGreaterThanOrEqual(1);
  });

  it('shows the admin dashboard with the live count of running desktops', async () => {
    // The owner's desktop from the case above still runs: the card counts it now, not at the last
    // history point (up to 30 s old).
    const running = ((await admin.get('/api/v1/admin/sessions?state=ready')).body as unknown[]).length;
    expect(running).toBeGreaterThan(0);
    const page = await signedIn('admin', ADMIN_PASSWORD);
    await page.goto(`${t.url}/admin`);
    await page.getByTestId('dashboard').waitFor();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('[data-testid="dashboard"] svg').first().waitFor({ timeout: 10_000 });
    await expect(page.getByTestId('stat-sessions').locator('.stat__value').textContent()).resolves.toBe(String(running));
    await shot(page, '56-admin-dashboard');
  });
});
