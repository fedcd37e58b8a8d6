// End to end in Chromium with a container desktop: the portal launches the Docker pool (a real
// docker agent process, real dockerd, the deskport-desktop image), shows it, and types into it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, recordLaunch, waitForFirstFrame } from '../helpers/browser.ts';
import { startAgent, type TestAgent } from '../helpers/cluster.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';

let t: TestGateway;
let admin: Api;
let dock: TestAgent;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  execFileSync('bash', ['infra/docker.sh'], { stdio: 'ignore' });
  execFileSync('node', ['--import', 'tsx', 'infra/images/build.ts'], { stdio: 'ignore', timeout: 900_000 });
  t = await startTestGateway();
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  dock = await startAgent(admin, t.url, 'dock-e2e', { driver: 'docker' });
  const r = await admin.post('/api/v1/admin/pools', {
    name: 'Docker desktop',
    description: 'A container desktop from the deskport-desktop image.',
    driver: 'docker',
    protocol: 'vnc',
    image: 'deskport-desktop:latest',
    cpu: 1,
    memoryMb: 1024,
  });
  expect(r.status).toBe(201);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 900_000);
afterAll(async () => {
  await browser?.close();
  await t?.cleanup(); // ends the sessions while the agent still runs, so containers are removed
  await dock?.cleanup();
}, 60_000);

describe('a Docker desktop in the browser', () => {
  it('launches from the portal, shows the desktop and takes typing', async () => {
    await page.goto(t.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const launch = page.getByRole('button', { name: 'Launch Docker desktop' });
    await launch.waitFor();
    await page.screenshot({ path: join(ARTIFACTS, '30-desktops-with-docker.png') });
    const clicked = Date.now();
    await launch.click();
    await waitForFirstFrame(page);
    recordLaunch('cold container', Date.now() - clicked);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, '31-docker-desktop.png') });
    const sessionId = await page.evaluate(() => window.__deskport!.sessionId);
    const desktopId = ((await admin.get('/api/v1/admin/sessions')).body as { id: string; desktopId: string }[]).find(
      (s) => s.id === sessionId,
    )!.desktopId;
    await page.locator('[data-testid="viewer"] canvas').click({ position: { x: 300, y: 200 } });
    await page.waitForTimeout(500);
    await page.keyboard.type('echo typed-in-a-container > e2e.txt', { delay: 15 });
    await page.keyboard.press('Enter');
    let got = '';
    const deadline = Date.now() + 10_000;
    while (got !== 'typed-in-a-container' && Date.now() < deadline) {
      try {
        got = execFileSync('docker', ['exec', `deskport-${desktopId}`, 'cat', '/home/user/e2e.txt'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }).trim();
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(got).toBe('typed-in-a-container');
    await page.screenshot({ path: join(ARTIFACTS, '32-docker-typed.png') });
  });

  it('a warm spare makes the next launch instant', async () => {
    const pool = ((await admin.get('/api/v1/admin/pools')).body as { id: string; name: string }[]).find(
      (p) => p.name === 'Docker desktop',
    )!;
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${pool.id}`, { minWarm: 1 })).status).toBe(200);
    const spareRunning = async () => /^deskport_warm_spares\{state="running"\} 1$/m.test(await (await fetch(`${t.url}/metrics`)).text());
    const deadline = Date.now() + 60_000;
    while (!(await spareRunning()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await spareRunning()).toBe(true);
    await page.getByTestId('viewer-back-toolbar').click();
    await page.getByRole('button', { name: 'End Docker desktop' }).click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'End desktop' }).click();
    const launch = page.getByRole('button', { name: 'Launch Docker desktop' });
    await launch.waitFor({ timeout: 30_000 });
    const clicked = Date.now();
    await launch.click();
    await waitForFirstFrame(page);
    recordLaunch('warm spare (container)', Date.now() - clicked);
    await page.screenshot({ path: join(ARTIFACTS, '33-docker-warm.png') });
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${pool.id}`, { minWarm: 0 })).status).toBe(200);
  });
});
