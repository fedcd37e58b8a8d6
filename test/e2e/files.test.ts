// File transfer in Chromium against a real process desktop: upload through the file dialog and by
// dropping files on the viewer, the bytes and owner checked in the desktop's home; a file made inside
// the desktop downloaded and compared; cancel leaves nothing; size and policy refusals are clear.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { desktopInfo, type DesktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';

let t: TestGateway;
let browser: Browser;
let page: Page;
let api: Api;
let desk: DesktopInfo;
let sessionId: string;
let poolId: string;

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
const downloads = () => join(desk.home, 'Downloads');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const fileIn = (name: string) => {
  try {
    return readFileSync(join(downloads(), name));
  } catch {
    return undefined;
  }
};

async function setPolicy(policy: Record<string, unknown>): Promise<void> {
  const r = await api.call('PATCH', `/api/v1/admin/pools/${poolId}`, { policy });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** Drops `files` on the viewer as a person dragging them from the file manager would. */
async function drop(files: { name: string; data: Buffer }[], screenshot?: string): Promise<void> {
  const dt = await page.evaluateHandle(
    (fs) => {
      const d = new DataTransfer();
      for (const f of fs) d.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
      return d;
    },
    files.map((f) => ({ name: f.name, b64: f.data.toString('base64') })),
  );
  await page.dispatchEvent('.viewer__stage', 'dragenter', { dataTransfer: dt });
  await page.dispatchEvent('.viewer__stage', 'dragover', { dataTransfer: dt });
  await page.getByTestId('file-drop').waitFor();
  if (screenshot) await shot(screenshot);
  await page.dispatchEvent('.viewer__stage', 'drop', { dataTransfer: dt });
}

beforeAll(async () => {
  t = await startTestGateway();
  api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
  await page.goto(t.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Launch Linux desktop (local)' }).click();
  await page.waitForFunction(() => window.__deskport?.rfbState === 'connected', undefined, { timeout: 30_000 });
  sessionId = await page.evaluate(() => window.__deskport!.sessionId);
  desk = await desktopInfo(api, t.dataDir, sessionId);
  poolId = ((await api.get(`/api/v1/sessions/${sessionId}`)).body as { session: { poolId: string } }).session.poolId;
});
afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
});

describe('file transfer in the viewer', () => {
  it('uploads through the file dialog into Downloads, as the desktop’s user, and audits it', async () => {
    await page.getByTestId('viewer-files').click();
    await page.getByTestId('file-panel').waitFor();
    await expect.poll(() => page.getByTestId('files-policy').textContent()).toMatch(/Uploads up to 100 MB/);
    const data = randomBytes(200_000);
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('file-upload').click();
    await (await chooser).setFiles({ name: 'from dialog.bin', mimeType: 'application/octet-stream', buffer: data });
    const got = await until('uploaded file', () => fileIn('from dialog.bin'));
    expect(sha(got)).toBe(sha(data));
    const st = statSync(join(downloads(), 'from dialog.bin'));
    expect(st.uid).toBe(desk.uid);
    expect(st.mode & 0o777).toBe(0o644);
    await page.locator('[data-testid="transfer"][data-state="done"]').first().waitFor();
    await page.getByTestId('file-list').getByText('from dialog.bin').waitFor();
    const audit = (await api.get('/api/v1/admin/audit?action=file.upload')).body as { result: string; details: Record<string, unknown> }[];
    expect(audit[0]).toMatchObject({ result: 'ok', details: { name: 'from dialog.bin', size: data.length, sha256: sha(data) } });
  });

  it('uploads files dropped on the viewer; a taken name becomes "name (1)"', async () => {
    const a = randomBytes(50_000);
    const b = randomBytes(70_000);
    await drop([{ name: 'dropped.txt', data: a }], 'files-01-drop-zone');
    await until('first drop', () => fileIn('dropped.txt'));
    await drop([{ name: 'dropped.txt', data: b }]);
    const second = await until('second drop', () => fileIn('dropped (1).txt'));
    expect(sha(second)).toBe(sha(b));
    expect(sha(fileIn('dropped.txt')!)).toBe(sha(a));
    // The transfer list names the file as the desktop stored it, and says so.
    const row = page.locator('[data-testid="transfer"][data-state="done"]', { hasText: 'dropped (1).txt' });
    await row.waitFor();
    expect(await row.getByTestId('transfer-name').textContent()).toBe('dropped (1).txt');
    expect(await row.locator('.transfer__meta').textContent()).toMatch(/stored as “dropped \(1\)\.txt”/);
    await shot('files-05-stored-name');
  });

  it('shows progress and speed while uploading, and Cancel leaves nothing in the home', async () => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    try {
      await drop([{ name: 'slow.bin', data: randomBytes(6 * 1024 * 1024) }]);
      const row = page.locator('[data-testid="transfer"][data-state="running"]', { hasText: 'slow.bin' });
      await row.waitFor();
      await expect
        .poll(() => row.locator('.transfer__meta').textContent(), { timeout: 15_000 })
        .toMatch(/^[1-9][\d.]* [KM]B of 6 MB · [1-9][\d.]* [KM]?B\/s$/);
      await shot('files-02-upload-in-progress');
      await row.getByRole('button', { name: 'Cancel slow.bin' }).click();
      await page.locator('[data-testid="transfer"][data-state="cancelled"]', { hasText: 'slow.bin' }).waitFor();
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    }
    // The gateway and the agent notice the cut and drop the temp file.
    await until('temp file removed', () => readdirSync(downloads()).every((n) => !n.startsWith('.deskport-upload-')));
    expect(readdirSync(downloads())).not.toContain('slow.bin');
    const audit = (await api.get('/api/v1/admin/audit?action=file.upload&limit=1')).body as { result: string; details: { name: string } }[];
    expect(audit[0]).toMatchObject({ result: 'failed', details: { name: 'slow.bin' } });
  });

  it('downloads a file made inside the desktop, byte for byte', async () => {
    await page.getByRole('button', { name: 'Close files' }).click();
    await page.locator('[data-testid="viewer"] canvas').click({ position: { x: 300, y: 200 } });
    await page.keyboard.type('head -c 300000 /dev/urandom > ~/Downloads/made-inside.bin; echo done > ~/Downloads/made-inside.ok', {
      delay: 5,
    });
    await page.keyboard.press('Enter');
    await until('file made in the desktop', () => fileIn('made-inside.ok'));
    const inside = await readFile(join(downloads(), 'made-inside.bin'));
    expect(statSync(join(downloads(), 'made-inside.bin')).uid).toBe(desk.uid);
    await page.getByTestId('viewer-files').click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const saving = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download made-inside.bin' }).click();
    const dl = await saving;
    expect(dl.suggestedFilename()).toBe('made-inside.bin');
    // The browser's own download (a ticket URL of the gateway), not bytes the page collected.
    expect(dl.url()).toMatch(new RegExp(`/api/v1/sessions/${sessionId}/files/downloads/[A-Za-z0-9_-]{43}$`));
    expect(sha(await readFile((await dl.path())!))).toBe(sha(inside));
    await page.locator('[data-testid="transfer"][data-state="done"]', { hasText: 'made-inside.bin' }).waitFor();
    const audit = (await api.get('/api/v1/admin/audit?action=file.download&limit=1')).body as {
      result: string;
      details: Record<string, unknown>;
    }[];
    expect(audit[0]).toMatchObject({
      result: 'ok',
      details: { name: 'made-inside.bin', size: inside.length, sha256: sha(inside), via: 'ticket' },
    });
  });

  it('a large download goes straight to disk, with its progress in the panel', async () => {
    // 60 MiB made inside the desktop (written past the page cache: the desktop's memory cgroup stays small).
    await page.getByRole('button', { name: 'Close files' }).click();
    await page.locator('[data-testid="viewer"] canvas').click({ position: { x: 300, y: 200 } });
    await page.keyboard.type(
      'dd if=/dev/urandom of=$HOME/Downloads/large.bin bs=1M count=60 iflag=fullblock oflag=direct; echo done > ~/Downloads/large.ok',
      { delay: 5 },
    );
    await page.keyboard.press('Enter');
    await until('large file made in the desktop', () => fileIn('large.ok'), 60_000);
    await page.getByTestId('viewer-files').click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const heapBefore = await page.evaluate(
      () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
    );
    const saving = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download large.bin' }).click();
    const dl = await saving;
    const row = page.locator('[data-testid="transfer"]', { hasText: 'large.bin' });
    await row.waitFor();
    // The page follows the browser's download through the ticket's status (the agent hashes the file first).
    await expect
      .poll(() => row.locator('.transfer__meta').textContent(), { timeout: 60_000, interval: 100 })
      .toMatch(/^[1-9][\d.]* [KM]B of 60 MB|^Downloaded from Downloads/);
    await shot('files-06-large-download');
    await row.and(page.locator('[data-state="done"]')).waitFor({ timeout: 120_000 });
    const path = (await dl.path())!;
    expect(statSync(path).size).toBe(60 * 1024 * 1024);
    expect(sha(await readFile(path))).toBe(sha(await readFile(join(downloads(), 'large.bin'))));
    const heapAfter = await page.evaluate(
      () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
    );
    // The page never held the file: its heap grew by far less than 60 MB.
    expect(heapAfter - heapBefore).toBeLessThan(20_000_000);
    await shot('files-07-large-download-done');
  });

  it('refuses a file over the pool’s size cap with a clear error', async () => {
    await setPolicy({ fileMaxMb: 1 });
    await drop([{ name: 'too-big.bin', data: randomBytes(2 * 1024 * 1024) }]);
    const failed = page.locator('[data-testid="transfer"][data-state="failed"]', { hasText: 'too-big.bin' });
    await failed.waitFor();
    expect(await failed.textContent()).toMatch(/Too large: this pool allows files up to 1 MB/);
    await shot('files-03-too-large');
    expect(readdirSync(downloads()).filter((n) => n.startsWith('too-big') || n.startsWith('.deskport-upload-'))).toEqual([]);
  });

  it('with transfers off by policy, the panel says so and the API refuses', async () => {
    await setPolicy({ fileUpload: false, fileDownload: false, fileMaxMb: 100 });
    await page.reload();
    await page.waitForFunction(() => window.__deskport?.rfbState === 'connected', undefined, { timeout: 30_000 });
    await page.getByTestId('viewer-files').click();
    await expect.poll(() => page.getByTestId('files-off').textContent()).toMatch(/turned off/);
    await shot('files-04-policy-off');
    // A drop says why nothing will happen, and nothing does.
    const dt = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File(['x'], 'refused.txt'));
      return d;
    });
    await page.dispatchEvent('.viewer__stage', 'dragenter', { dataTransfer: dt });
    await expect.poll(() => page.getByTestId('file-drop').textContent()).toMatch(/Uploads are turned off/);
    await page.dispatchEvent('.viewer__stage', 'drop', { dataTransfer: dt });
    await expect.poll(() => page.getByTestId('file-drop').count()).toBe(0);
    expect(readdirSync(downloads())).not.toContain('refused.txt');
    const put = await fetch(`${t.url}/api/v1/sessions/${sessionId}/files/content?path=Downloads&name=x.txt`, {
      method: 'PUT',
      headers: { cookie: api.cookie, origin: t.url, 'content-type': 'application/octet-stream' },
      body: 'x',
    });
    expect(put.status).toBe(403);
    expect(((await put.json()) as { error: { code: string } }).error.code).toBe('file_transfer_disabled');
    const get = await api.get(`/api/v1/sessions/${sessionId}/files/content?path=Downloads/made-inside.bin`);
    expect(get.status).toBe(403);
  });
});
