// File transfer in Chromium with a container desktop run by a separate docker agent process (real
// dockerd, the deskport-desktop image): upload lands in the container's home as its user, and a file
// made inside the container downloads byte for byte, all through the agent's dial-back streams.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { launchDockerDesktop, signInPage, startDockerPool, type DockerPool } from './docker-pool.ts';

let pool: DockerPool;
let browser: Browser;
let page: Page;
let container: string;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const inside = (...argv: string[]) => execFileSync('docker', ['exec', container, ...argv], { stdio: ['ignore', 'pipe', 'ignore'] });

beforeAll(async () => {
  pool = await startDockerPool('dock-files');
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })).newPage();
  await signInPage(page, pool.t.url);
  ({ container } = await launchDockerDesktop(page, pool.admin));
}, 900_000);
afterAll(async () => {
  await browser?.close();
  await pool?.cleanup();
}, 60_000);

describe('file transfer with a docker desktop', () => {
  it('uploads into the container’s home as its user, and downloads a file made inside', async () => {
    await page.getByTestId('viewer-files').click();
    const data = randomBytes(500_000);
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('file-upload').click();
    await (await chooser).setFiles({ name: 'to-container.bin', mimeType: 'application/octet-stream', buffer: data });
    await page.locator('[data-testid="transfer"][data-state="done"]', { hasText: 'to-container.bin' }).waitFor({ timeout: 30_000 });
    expect(inside('stat', '-c', '%u %a', '/home/user/Downloads/to-container.bin').toString().trim()).toBe('1000 644');
    expect(sha(inside('cat', '/home/user/Downloads/to-container.bin'))).toBe(sha(data));
    await page.screenshot({ path: join(ARTIFACTS, 'files-05-docker.png') });

    inside('sh', '-c', 'head -c 250000 /dev/urandom > /home/user/Downloads/from-container.bin');
    const made = inside('cat', '/home/user/Downloads/from-container.bin');
    await page.getByRole('button', { name: 'Refresh' }).click();
    const saving = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download from-container.bin' }).click();
    const dl = await saving;
    expect(sha(await readFile((await dl.path())!))).toBe(sha(made));
  });
});
