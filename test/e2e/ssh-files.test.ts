// An existing SSH machine's files and clipboard policy in Chromium: the viewer's file panel lists the
// account's home over guacd's SFTP (guacSource.ts), an upload through the file dialog lands there with
// the account as owner, a download comes back byte for byte, and the clipboard panel says what the
// machine's policy turns off. Real sshd, real guacd, the built client.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { startSshd, type TestSshd } from '../helpers/sshd.ts';
import { addSshMachine } from '../helpers/ssh-machine.ts';

let t: TestGateway;
let guacd: GuacdProcess;
let sshd: TestSshd;
let browser: Browser;
let page: Page;
let api: Api;
const HOME = process.getuid?.() === 0 ? '/root' : `/home/${process.env.USER}`;
const tag = randomBytes(3).toString('hex');
const written: string[] = [];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

beforeAll(async () => {
  sshd = await startSshd();
  guacd = await startGuacd();
  t = await startTestGateway({ guacd: guacd.guacd });
  api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
  await page.goto(t.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.includes('sign-in'));
}, 120_000);

afterAll(async () => {
  for (const f of written) rmSync(f, { force: true });
  await browser?.close();
  await t?.cleanup();
  await guacd?.kill();
  await sshd?.stop();
}, 60_000);

describe('files and clipboard policy on an existing SSH machine, in Chromium', () => {
  it('lists the home, uploads with the account as owner, downloads the same bytes; the clipboard panel shows the policy', async () => {
    const inside = `made-inside-${tag}.bin`;
    const insideData = randomBytes(40_000);
    writeFileSync(join(HOME, inside), insideData);
    written.push(join(HOME, inside));
    const machineId = await addSshMachine(api, sshd, 'SSH with files', { policy: { clipboard: 'from_desktop', fileMaxMb: 5 } });
    const s = await api.post('/api/v1/sessions', { machineId });
    const sessionId = (s.body as { session: { id: string } }).session.id;
    await page.goto(`${t.url}/desktop/${sessionId}`);
    await page.getByTestId('guac-frame').waitFor();

    await page.getByTestId('viewer-files').click();
    await page.getByTestId('file-panel').waitFor();
    await page.getByTestId('file-list').getByText(inside).waitFor({ timeout: 30_000 });

    const data = randomBytes(300_000);
    const name = `from-browser-${tag}.bin`;
    written.push(join(HOME, name));
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('file-upload').click();
    await (await chooser).setFiles({ name, mimeType: 'application/octet-stream', buffer: data });
    await page.locator('[data-testid="transfer"][data-state="done"]', { hasText: name }).waitFor({ timeout: 30_000 });
    await expect.poll(() => existsSync(join(HOME, name)) && statSync(join(HOME, name)).size, { timeout: 10_000 }).toBe(data.length);
    expect(sha(readFileSync(join(HOME, name)))).toBe(sha(data));
    expect(statSync(join(HOME, name)).uid).toBe(process.getuid?.());
    await page.getByTestId('file-list').getByText(name).waitFor();
    await shot('ssh-files-01-panel');

    const saving = page.waitForEvent('download');
    await page.getByRole('button', { name: `Download ${inside}` }).click();
    const dl = await saving;
    expect(dl.suggestedFilename()).toBe(inside);
    expect(sha(await readFile((await dl.path())!))).toBe(sha(insideData));

    // Cancelled midway: guacd's SFTP has no delete, so the part sent stays, and the panel says so plainly.
    const big = `cancelled-${tag}.bin`;
    written.push(join(HOME, big));
    const chooser2 = page.waitForEvent('filechooser');
    await page.getByTestId('file-upload').click();
    await (await chooser2).setFiles({ name: big, mimeType: 'application/octet-stream', buffer: randomBytes(4_900_000) });
    const row = page.locator('[data-testid="transfer"]', { hasText: big });
    await expect.poll(() => row.locator('.transfer__meta').textContent(), { timeout: 30_000 }).toMatch(/^[1-9][\d.]* [KM]B of /);
    await row.getByRole('button', { name: `Cancel ${big}` }).click();
    await page.locator('[data-testid="transfer"][data-state="cancelled"]', { hasText: big }).waitFor({ timeout: 10_000 });
    expect(await row.locator('.transfer__meta').textContent()).toMatch(
      new RegExp(
        `^Cancelled: “${big}” on the machine holds only the first [\\d.]+ [KM]B of 4\\.7 MB .*Delete it on the machine or upload it again\\.$`,
      ),
    );
    await expect.poll(() => existsSync(join(HOME, big)) && statSync(join(HOME, big)).size).toBeGreaterThan(0);
    expect(statSync(join(HOME, big)).size).toBeLessThan(4_900_000);
    await shot('ssh-files-03-cancelled-upload');

    await page.getByRole('button', { name: 'Close files' }).click();
    await page.getByRole('button', { name: /Clipboard/ }).click();
    await expect.poll(() => page.getByTestId('clipboard-policy').textContent()).toMatch(/Copying to the desktop is turned off/);
    await page.locator('#viewer-clipboard').fill('nothing goes over');
    expect(await page.getByTestId('clipboard-send').isDisabled()).toBe(true);
    await shot('ssh-files-02-clipboard-policy');
  }, 120_000);
});
