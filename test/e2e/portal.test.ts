// End to end in Debian's Chromium (playwright-core): sign in, launch the default pool, see the
// real desktop on the canvas, type into its terminal, end the session. Screenshots and the
// measured click-to-first-frame time go to test-artifacts/.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, recordLaunch, waitForFirstFrame } from '../helpers/browser.ts';
import { desktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let t: TestGateway;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(join(process.cwd(), 'client/dist/index.html')))
    throw new Error('client/dist is missing: run `npm run build` (npm test does it)');
  t = await startTestGateway();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
});

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

/** Distinct colours in a sample of the noVNC canvas: a flat (blank) screen has one. */
async function canvasColours(): Promise<number> {
  return page.evaluate(() => {
    const c = document.querySelector('[data-testid="viewer"] canvas') as HTMLCanvasElement | null;
    if (!c || c.width === 0) return 0;
    const ctx = c.getContext('2d');
    if (!ctx) return 0;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4 * 251) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
    return seen.size;
  });
}

describe('the portal in Chromium', () => {
  it('signs in, launches a desktop, types into it, and ends it', async () => {
    await page.goto(t.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await shot('01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const launch = page.getByRole('button', { name: 'Launch Linux desktop (local)' });
    await launch.waitFor({ timeout: 15_000 });
    await shot('02-my-desktops');

    const clicked = Date.now();
    await launch.click();
    await waitForFirstFrame(page, 30_000);
    const firstFrameMs = Date.now() - clicked;
    recordLaunch('process desktop', firstFrameMs);
    expect(await canvasColours()).toBeGreaterThan(2);
    await shot('03-desktop');

    const sessionId = await page.evaluate(() => window.__deskport!.sessionId);
    const api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
    const { home } = await desktopInfo(api, t.dataDir, sessionId);
    const canvas = page.locator('[data-testid="viewer"] canvas');
    await canvas.click({ position: { x: 300, y: 200 } });
    await page.waitForTimeout(500); // the window manager moves focus after the click
    await page.keyboard.type('echo typed-in-chromium > e2e.txt', { delay: 15 });
    await page.keyboard.press('Enter');
    const file = join(home, 'e2e.txt');
    const deadline = Date.now() + 10_000;
    // The shell creates the file before echo writes into it: wait for the content, not the file.
    while (!(existsSync(file) && readFileSync(file, 'utf8').trim() === 'typed-in-chromium') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(file, 'utf8').trim()).toBe('typed-in-chromium');
    await new Promise((r) => setTimeout(r, 300));
    await shot('04-typed');

    await page.getByTestId('viewer-back-toolbar').click();
    await page.getByRole('button', { name: 'End Linux desktop (local)' }).click();
    await page.getByTestId('confirm-dialog').waitFor();
    await page.waitForTimeout(400); // let the dialog finish fading in for the screenshot
    await shot('05-end-confirm');
    await page.getByRole('button', { name: 'End desktop' }).click();
    await launch.waitFor({ timeout: 30_000 });
    await shot('06-ended');
    const s = (await api.get(`/api/v1/sessions/${sessionId}`)).body as { session: { state: string } };
    expect(s.session.state).toBe('ended');
    expect(existsSync(home)).toBe(false);
  });
});
