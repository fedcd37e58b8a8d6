// The whole path with nothing stubbed: a pool with recording `on`, a real process desktop (Xvnc)
// launched and watched in Chromium's viewer, root colours set with xsetroot from its terminal, the live
// viewer's canvas kept as the expected frame at each time; the session ends, the gateway's recorder
// has written the recording, and the Recordings page (the gateway's API) plays it: at each time the
// player's canvas must match the live frame within a small JPEG tolerance.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFileHead } from '../../server/recording/reader.ts';
import { ARTIFACTS, launchChromium, waitForFirstFrame } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { compareWithPng, seekAndTime, signInAs, waitSettled } from './recordings-pages.ts';
import { until } from '../helpers/until.ts';

let t: TestGateway;
let api: Api;
let browser: Browser;
let page: Page;
const live: { colour: string; at: number; png: Buffer }[] = [];
let recordingId: string;
let origin: number;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The live viewer's canvas as a PNG (the frame the desktop showed, as a viewer saw it). */
async function liveFrame(p: Page): Promise<Buffer> {
  const url = await p.evaluate(() => (document.querySelector('[data-testid="viewer"] canvas') as HTMLCanvasElement).toDataURL('image/png'));
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

beforeAll(async () => {
  // Segments every 2 s, so seeks start from different segments.
  t = await startTestGateway({ env: { DESKPORT_RECORDING_KEYFRAME_S: '2' } });
  api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const pools = (await api.get('/api/v1/admin/pools')).body as { id: string; name: string }[];
  const poolId = pools.find((p) => p.name === 'Linux desktop (local)')!.id;
  expect((await api.call('PATCH', `/api/v1/admin/pools/${poolId}`, { policy: { recording: 'on' } })).status).toBe(200);
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await signInAs(page, t.url, 'admin', ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Launch Linux desktop (local)' }).click();
  await waitForFirstFrame(page);
  const sessionId = await page.evaluate(() => window.__deskport!.sessionId);
  recordingId = await until(
    'the recording row',
    async () => ((await api.get('/api/v1/recordings')).body as { items: { id: string }[] }).items[0]?.id,
  );
  // The desktop is sandboxed (its X socket is not on the host): draw from its own terminal, typed in the viewer.
  await page.locator('[data-testid="viewer"] canvas').click({ position: { x: 300, y: 200 } });
  for (const colour of ['red', 'green', 'blue']) {
    await page.keyboard.type(`clear; xsetroot -solid ${colour}`, { delay: 5 });
    await page.keyboard.press('Enter');
    await sleep(1500); // the root repaints asynchronously and reaches the viewer; no event to await from outside
    live.push({ colour, at: Date.now(), png: await liveFrame(page) });
    await sleep(1500); // the picture stays: the recording must show it around `at`
  }
  await page.screenshot({ path: join(ARTIFACTS, '45-live-viewer-recorded.png') });
  expect((await api.del(`/api/v1/sessions/${sessionId}`)).status).toBe(204);
  await until(
    'the recording finished',
    async () => ((await api.get(`/api/v1/recordings/${recordingId}`)).body as { state: string }).state === 'finished',
  );
  origin = parseFileHead(readFileSync(join(t.dataDir, 'recordings', `${recordingId}-0.dprec`))).header.startedAt;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
});

describe('a recorded session played back through the gateway’s recordings API', () => {
  it('is listed with its user and pool, and its download offers the checksum', async () => {
    await page.goto(`${t.url}/recordings`);
    const row = page.getByTestId(`recording-row-${recordingId}`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/admin.*Linux desktop \(local\)/);
    await row.getByTestId('recording-download').click();
    const sha = (await api.get(`/api/v1/recordings/${recordingId}`)).body as { parts: { sha256: string }[] };
    await expect(page.getByTestId('download-sha256').first().textContent()).resolves.toBe(sha.parts[0]!.sha256);
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('shows at each time the frame the live viewer showed then', async () => {
    await page.getByTestId(`recording-row-${recordingId}`).getByTestId('recording-play').click();
    await waitSettled(page);
    for (const f of [...live].reverse().concat(live)) {
      await seekAndTime(page, f.at - origin);
      const diff = await compareWithPng(page, f.png);
      if (diff.mean >= 6) {
        writeFileSync(join(ARTIFACTS, `47-live-expected-${f.colour}.png`), f.png);
        await page.screenshot({ path: join(ARTIFACTS, `47-live-player-${f.colour}.png`) });
      }
      expect(diff.mean, `${f.colour} at ${f.at - origin} ms: mean difference`).toBeLessThan(6);
      expect(diff.badShare, `${f.colour} at ${f.at - origin} ms: pixels far off`).toBeLessThan(0.02);
    }
    await page.screenshot({ path: join(ARTIFACTS, '46-player-real-api.png') });
  });
});
