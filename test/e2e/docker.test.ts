// End to end in Chromium with a container desktop: the portal launches the Docker pool (a real
// docker agent process, real dockerd, the deskport-desktop image), shows it, and types into it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, recordLaunch, waitForFirstFrame } from '../helpers/browser.ts';
import { DOCKER_POOL, dockerSessionOf, signInPage, startDockerPool, type DockerPool } from './docker-pool.ts';
import type { Api, TestGateway } from '../helpers/gateway.ts';

let pool: DockerPool;
let t: TestGateway;
let admin: Api;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  pool = await startDockerPool('dock-e2e', {
    description: 'A container desktop from the deskport-desktop image.',
    cpu: 1,
    memoryMb: 1024,
  });
  ({ t, admin } = pool);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 900_000);
afterAll(async () => {
  await browser?.close();
  await pool?.cleanup();
}, 60_000);

describe('a Docker desktop in the browser', () => {
  it('launches from the portal, shows the desktop and takes typing', async () => {
    await signInPage(page, t.url);
    const launch = page.getByRole('button', { name: `Launch ${DOCKER_POOL}` });
    await launch.waitFor();
    await page.screenshot({ path: join(ARTIFACTS, '30-desktops-with-docker.png') });
    const clicked = Date.now();
    await launch.click();
    await waitForFirstFrame(page);
    recordLaunch('cold container', Date.now() - clicked);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, '31-docker-desktop.png') });
    const { container } = await dockerSessionOf(page, admin);
    await page.locator('[data-testid="viewer"] canvas').click({ position: { x: 300, y: 200 } });
    await page.waitForTimeout(500);
    await page.keyboard.type('echo typed-in-a-container > e2e.txt', { delay: 15 });
    await page.keyboard.press('Enter');
    let got = '';
    const deadline = Date.now() + 10_000;
    while (got !== 'typed-in-a-container' && Date.now() < deadline) {
      try {
        got = execFileSync('docker', ['exec', container, 'cat', '/home/user/e2e.txt'], {
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
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${pool.poolId}`, { minWarm: 1 })).status).toBe(200);
    const spareRunning = async () => /^deskport_warm_spares\{state="running"\} 1$/m.test(await (await fetch(`${t.url}/metrics`)).text());
    const deadline = Date.now() + 60_000;
    while (!(await spareRunning()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await spareRunning()).toBe(true);
    await page.getByTestId('viewer-back-toolbar').click();
    await page.getByRole('button', { name: `End ${DOCKER_POOL}` }).click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'End desktop' }).click();
    const launch = page.getByRole('button', { name: `Launch ${DOCKER_POOL}` });
    await launch.waitFor({ timeout: 30_000 });
    const clicked = Date.now();
    await launch.click();
    await waitForFirstFrame(page);
    recordLaunch('warm spare (container)', Date.now() - clicked);
    await page.screenshot({ path: join(ARTIFACTS, '33-docker-warm.png') });
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${pool.poolId}`, { minWarm: 0 })).status).toBe(200);
  });
});
