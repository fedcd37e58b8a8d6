// The viewer when the desktop's host dies (agent killed with -9): it says what happened and keeps
// trying; when the host's agent comes back, the same desktop reconnects by itself.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, waitForFirstFrame } from '../helpers/browser.ts';
import { startAgent, type TestAgent } from '../helpers/cluster.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let t: TestGateway;
let host: TestAgent;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  t = await startTestGateway({ embeddedAgent: false, env: { DESKPORT_AGENT_TIMEOUT_S: '3' } });
  host = await startAgent(await signIn(t.url, 'admin', ADMIN_PASSWORD), t.url, 'fragile');
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
  await host?.cleanup();
});

describe('a host that dies under a viewer', () => {
  it('is explained, retried, and recovered when the host comes back', async () => {
    await page.goto(t.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Launch Linux desktop (local)' }).click();
    await waitForFirstFrame(page);
    const attempts = await page.evaluate(() => window.__deskport!.attempts);
    await host.kill('SIGKILL');
    const overlay = page.getByTestId('viewer-overlay');
    await overlay.getByText('The machine running this desktop stopped answering').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(ARTIFACTS, '40-viewer-host-lost.png') });
    await host.restart(t.url);
    await waitForFirstFrame(page);
    expect(await page.evaluate(() => window.__deskport!.attempts)).toBeGreaterThan(attempts + 1);
    await page.screenshot({ path: join(ARTIFACTS, '41-viewer-host-back.png') });
  });
});
