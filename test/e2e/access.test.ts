// Losing access in Chromium against a real desktop: a person whose account is disabled while their
// desktop is open sees "Your account was disabled" at once, and the viewer does not try again;
// one who loses the pool's group sees "You no longer have access to this desktop".
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, waitForFirstFrame } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';

let t: TestGateway;
let browser: Browser;
let admin: Api;
let group: string;

beforeAll(async () => {
  t = await startTestGateway();
  browser = await launchChromium();
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  group = ((await admin.post('/api/v1/admin/groups', { name: 'everyone' })).body as { id: string }).id;
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
});

/** A new person signed in in their own browser context, looking at their launched desktop. */
async function openDesktop(username: string): Promise<{ id: string; page: Page }> {
  const password = `${username}-password-1`;
  const r = await admin.post('/api/v1/admin/users', { username, password, groups: [group] });
  expect(r.status).toBe(201);
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(t.url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Launch Linux desktop (local)' }).click();
  await waitForFirstFrame(page);
  return { id: (r.body as { id: string }).id, page };
}

async function expectFinal(page: Page, title: string, shot: string): Promise<void> {
  const overlay = page.locator('[data-testid="viewer-overlay"][data-kind="ended"]');
  await overlay.waitFor({ timeout: 2000 });
  expect(await overlay.getByRole('heading').textContent()).toBe(title);
  await page.screenshot({ path: join(ARTIFACTS, `${shot}.png`) });
  const attempts = await page.evaluate(() => window.__deskport!.attempts);
  await page.waitForTimeout(2500); // longer than the first reconnect backoff: nothing may follow
  expect(await page.evaluate(() => window.__deskport!.attempts)).toBe(attempts);
  expect(new URL(page.url()).pathname).toMatch(/^\/desktop\//);
  expect(await overlay.getByRole('heading').textContent()).toBe(title);
}

describe('the viewer when access is taken away', () => {
  it('says "Your account was disabled" and stays there', async () => {
    const { id, page } = await openDesktop('vera');
    expect((await admin.call('PATCH', `/api/v1/admin/users/${id}`, { disabled: true })).status).toBe(200);
    await expectFinal(page, 'Your account was disabled', '40-viewer-account-disabled');
    expect(await page.getByTestId('ended-note').textContent()).toContain('An administrator disabled your account');
  });

  it('says "You no longer have access to this desktop" when the pool\'s group is taken away', async () => {
    const pool = ((await admin.get('/api/v1/admin/pools')).body as { id: string; name: string }[]).find(
      (p) => p.name === 'Linux desktop (local)',
    )!;
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${pool.id}`, { groups: [group] })).status).toBe(200);
    const { id, page } = await openDesktop('walt');
    expect((await admin.call('PATCH', `/api/v1/admin/users/${id}`, { groups: [] })).status).toBe(200);
    await expectFinal(page, 'You no longer have access to this desktop', '41-viewer-access-revoked');
  });
});
