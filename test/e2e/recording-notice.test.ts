// The recording notice in Chromium against a real gateway and desktop: a pool that records says so
// under "Connecting…" before the display opens, and the toolbar shows the red-dot badge while the
// gateway records; a full recordings disk shows the "Recording storage" alert on the dashboard.
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let browser: Browser;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const g of gateways) await g.cleanup();
});

async function signedInPage(t: TestGateway): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(t.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Signed in once the portal shows: navigating away before would abort the sign-in request.
  await page.getByRole('heading', { name: 'My desktops' }).waitFor();
  return page;
}

async function recordDefaultPool(t: TestGateway, policy: Record<string, unknown>): Promise<void> {
  const api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const pools = (await api.get('/api/v1/admin/pools')).body as { id: string; name: string }[];
  const id = pools.find((p) => p.name === 'Linux desktop (local)')!.id;
  expect((await api.call('PATCH', `/api/v1/admin/pools/${id}`, { policy })).status).toBe(200);
}

describe('recording notice', () => {
  it('says the session is recorded before connecting and shows the badge while recording', async () => {
    const t = await startTestGateway();
    gateways.push(t);
    await recordDefaultPool(t, { recording: 'on' });
    const page = await signedInPage(t);
    // Hold the display ticket so the "Connecting…" overlay stays long enough to be looked at.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/v1/sessions/*/tickets', async (route: Route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Launch Linux desktop (local)' }).click();
    const notice = page.getByTestId('recording-notice');
    await notice.waitFor({ timeout: 60_000 }).catch(async (e) => {
      await page.screenshot({ path: join(ARTIFACTS, 'recording-01-debug.png') });
      throw e;
    });
    expect(await notice.textContent()).toContain('This session is being recorded.');
    await page.screenshot({ path: join(ARTIFACTS, 'recording-01-connecting-notice.png') });
    release();
    await page.waitForFunction(() => window.__deskport?.rfbState === 'connected', undefined, { timeout: 60_000 });
    const badge = page.getByTestId('recording-badge');
    await badge.waitFor({ timeout: 20_000 });
    expect(await badge.textContent()).toContain('Recording');
    await page.waitForTimeout(500); // let the first frame paint for the screenshot
    await page.screenshot({ path: join(ARTIFACTS, 'recording-02-viewer-badge.png') });
  }, 180_000);

  it('shows the Recording storage alert on the dashboard when recordings cannot be written', async () => {
    const t = await startTestGateway({ env: { DESKPORT_RECORDINGS_MIN_FREE_MB: '1000000000' } });
    gateways.push(t);
    const page = await signedInPage(t);
    await page.goto(`${t.url}/admin`);
    const alert = page.getByTestId('alert-recording-storage');
    await alert.waitFor({ timeout: 30_000 }).catch(async (e) => {
      await page.screenshot({ path: join(ARTIFACTS, 'recording-03-debug.png') });
      throw e;
    });
    expect(await alert.textContent()).toMatch(/Recording storage.*nearly full/);
    await page.screenshot({ path: join(ARTIFACTS, 'recording-03-dashboard-alert.png') });
  }, 120_000);
});
