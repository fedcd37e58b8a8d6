// End to end in Chromium: two-step verification set up from the Account page (the test reads the
// key shown for manual entry and computes codes with otplib, like a phone would), signing out and
// in again with a code; the account's browsers and tokens; the admin's MFA column and policy; the
// enrolment a policy forces; and a strict CSP that the whole portal and a live desktop never break.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../server/auth/totp.ts';
import { ARTIFACTS, launchChromium, waitForFirstFrame } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';

let t: TestGateway;
let browser: Browser;
let admin: Api;
/** Erin's recovery codes, as the set-up step showed them. */
let recoveryCodes: string[] = [];

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

beforeAll(async () => {
  if (!existsSync(join(process.cwd(), 'client/dist/index.html')))
    throw new Error('client/dist is missing: run `npm run build` (npm test does it)');
  t = await startTestGateway();
  browser = await launchChromium();
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
});

/** A page that records every CSP violation: the DOM event, and Chromium's console report. */
async function watchedPage(): Promise<{ page: Page; violations: () => Promise<string[]> }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const console: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) console.push(m.text());
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations!.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { page, violations: async () => [...console, ...(await page.evaluate(() => window.__cspViolations ?? []).catch(() => []))] };
}

/** A 1280x800 screenshot, scrolled to `testId` first when given. */
async function shot(page: Page, name: string, testId?: string) {
  if (testId) await page.getByTestId(testId).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

async function signInUi(page: Page, username: string, password: string) {
  await page.goto(`${t.url}/signin`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('account security in Chromium', () => {
  const PW = 'cobalt-window-64';

  it('sets up two-step verification from the Account page, then signs in with a code', async () => {
    expect((await admin.post('/api/v1/admin/users', { username: 'erin', displayName: 'Erin Example', password: PW })).status).toBe(201);
    await admin.call('PUT', '/api/v1/admin/mfa-policy', { requiredRoles: [], requiredGroups: [], rememberDays: 30 });
    const { page, violations } = await watchedPage();
    await signInUi(page, 'erin', PW);
    await page
      .getByRole('link', { name: /Account/ })
      .first()
      .click();
    await page.getByTestId('two-step-start').click();
    await page.getByLabel('Confirm your password').fill(PW);
    await page.getByRole('button', { name: 'Continue' }).click();
    const secretEl = page.getByTestId('two-step-secret');
    await secretEl.waitFor();
    const secret = (await secretEl.getAttribute('data-secret'))!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await page.locator('img.totp-setup__qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await shot(page, '60-mfa-setup-qr', 'two-step-scan');

    await page.getByLabel('Code from the app').fill(totpCode(secret, Date.now()));
    await page.getByTestId('two-step-confirm').click();
    await page.getByTestId('recovery-codes').waitFor();
    const codes = await page.locator('.recovery-codes code').allTextContents();
    expect(codes).toHaveLength(10);
    recoveryCodes = codes;
    await shot(page, '61-mfa-recovery-codes', 'recovery-codes');
    await page.getByTestId('recovery-codes-done').click();
    await page.getByTestId('two-step-on').waitFor();

    // A token, so the tokens section has something to show.
    await page.getByLabel('New token name').fill('nightly-report');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('new-token').waitFor();
    await shot(page, '62-account-tokens', 'api-tokens');

    await page
      .getByRole('button', { name: /Sign out/ })
      .first()
      .click();
    await page.getByLabel('Username').waitFor();
    await signInUi(page, 'erin', PW);
    const code = page.getByLabel('Verification code');
    await code.waitFor();
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    await expect(page.getByTestId('signin-remember').isVisible()).resolves.toBe(true);
    await shot(page, '63-signin-code-step');

    await code.fill('000000' === totpCode(secret, Date.now()) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('That code is not right').waitFor();
    await shot(page, '64-signin-code-wrong');

    // The code the confirm step used is spent; the next step's code is within the window.
    await code.fill(totpCode(secret, Date.now() + 30_000));
    await page.getByTestId('signin-remember').check();
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'My desktops' }).waitFor({ timeout: 15_000 });

    // Signed out and in again on this browser: remembered, so no code is asked.
    await page
      .getByRole('button', { name: /Sign out/ })
      .first()
      .click();
    await page.getByLabel('Username').waitFor();
    await signInUi(page, 'erin', PW);
    await page.getByRole('heading', { name: 'My desktops' }).waitFor({ timeout: 15_000 });

    await page.goto(`${t.url}/account`);
    await page.getByTestId('browser-row').first().waitFor();
    await shot(page, '65-account-browsers', 'signed-in-browsers');
    expect(await violations()).toEqual([]);
    await page.close();
  });

  it('signs in with a recovery code instead, and that code works only once', async () => {
    expect(recoveryCodes).toHaveLength(10);
    const { page } = await watchedPage();
    await signInUi(page, 'erin', PW);
    await page.getByTestId('signin-use-recovery').click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await shot(page, '66-signin-recovery-code');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'My desktops' }).waitFor({ timeout: 15_000 });
    await page.close();

    const again = (await watchedPage()).page;
    await signInUi(again, 'erin', PW);
    await again.getByTestId('signin-use-recovery').click();
    await again.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await again.getByRole('button', { name: 'Verify' }).click();
    await again
      .getByRole('alert')
      .filter({ hasText: /not right|used|invalid/i })
      .first()
      .waitFor({ timeout: 10_000 });
    expect(await again.getByRole('heading', { name: 'My desktops' }).count()).toBe(0);
    await again.close();
  });

  it('shows the admin MFA status per user, the policy, and forces enrolment on a covered user', async () => {
    expect((await admin.post('/api/v1/admin/groups', { name: 'finance' })).status).toBe(201);
    expect((await admin.post('/api/v1/admin/users', { username: 'finn', password: PW, groups: ['finance'] })).status).toBe(201);
    expect(
      (await admin.call('PUT', '/api/v1/admin/mfa-policy', { requiredRoles: [], requiredGroups: ['finance'], rememberDays: 30 })).status,
    ).toBe(200);

    const { page, violations } = await watchedPage();
    await signInUi(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('heading', { name: 'My desktops' }).waitFor({ timeout: 15_000 });
    await page.goto(`${t.url}/admin/users`);
    await page.getByTestId('user-mfa-erin').waitFor();
    expect(await page.getByTestId('user-mfa-erin').textContent()).toContain('2-step on');
    expect(await page.getByTestId('user-mfa-finn').textContent()).toContain('2-step required');
    await page.getByTestId('mfa-policy').getByText('finance').waitFor();
    await shot(page, '67-admin-users-mfa');
    await shot(page, '67b-admin-mfa-policy', 'mfa-policy');
    expect(await violations()).toEqual([]);

    const other = await watchedPage();
    await signInUi(other.page, 'finn', PW);
    await other.page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor({ timeout: 15_000 });
    // Whatever they open, enrolment comes first.
    await other.page.goto(`${t.url}/`);
    await other.page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    await shot(other.page, '68-mfa-enrolment-required');
    await other.page.close();
    await admin.call('PUT', '/api/v1/admin/mfa-policy', { requiredRoles: [], requiredGroups: [], rememberDays: 0 });
    await page.close();
  });

  it('renders a live desktop with no CSP violation', async () => {
    const { page, violations } = await watchedPage();
    await signInUi(page, 'admin', ADMIN_PASSWORD);
    const launch = page.getByRole('button', { name: 'Launch Linux desktop (local)' });
    await launch.waitFor({ timeout: 15_000 });
    await launch.click();
    await waitForFirstFrame(page, 60_000);
    await page.waitForTimeout(1500); // let the viewer settle: resize, cursor, toolbar
    await shot(page, '69-csp-viewer');
    expect(await violations()).toEqual([]);
    // The watcher itself works: an inline <style> (what 'unsafe-inline' would allow) is reported.
    await page.evaluate(() => {
      const s = document.createElement('style');
      s.textContent = 'body { outline: 0 }';
      document.head.append(s);
    });
    await expect.poll(violations).toEqual(expect.arrayContaining([expect.stringMatching(/style-src/)]));
    await page.close();
  });
});
