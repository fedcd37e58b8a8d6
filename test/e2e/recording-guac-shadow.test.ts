// Recording policy `shadow` on an RDP machine whose owner works in a real browser: the gateway's own
// join of the owner's guacd connection writes a `.guac` file that does not start black. The "machine"
// is a process-driver RDP desktop (xrdp + xorgxrdp) exposed on a loopback TCP port, as in
// rdp-sound-shadow.test.ts; real guacd, gateway and Chromium. The owner's display (client
// guacDisplay.ts) answers the gateway's snapshot request, and that picture, right after guacd's first
// sync in the file, is the desktop (decoded in the page: mostly not black); the Recordings page then
// plays the file (guacamole-common-js's player) from its start to its end, showing the desktop.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingList } from '../../contract/api/recordings.ts';
import { createInstructionParser } from '../../server/guac/instructions.ts';
import { ARTIFACTS, CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, type Api, type TestGateway } from '../helpers/gateway.ts';
import { startRdpMachineRig, type RdpMachineRig } from '../helpers/rdp-machine-rig.ts';
import { recordingEnded } from '../helpers/recording.ts';
import { until } from '../helpers/until.ts';
import { seekAndTime, signInAs, waitSettled } from './recordings-pages.ts';

let rig: RdpMachineRig;
let t: TestGateway;
let browser: Browser;
let admin: Api;
let machineId: string;
let recordingId: string;

beforeAll(async () => {
  rig = await startRdpMachineRig({ name: 'Recorded PC', idPrefix: 'rec', policy: { recording: 'shadow' } });
  ({ t, admin, machineId } = rig);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await rig?.cleanup();
}, 60_000);

/** Share of pixels of a PNG (base64) that are near black, decoded by the page. */
const blackShare = (page: Page, png: string) =>
  page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)); // no fetch: the page's CSP allows none of data:
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    const g = c.getContext('2d')!;
    g.drawImage(bitmap, 0, 0);
    const d = g.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let black = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! + d[i + 1]! + d[i + 2]! < 24) black++;
    return { share: black / (d.length / 4), width: bitmap.width, height: bitmap.height };
  }, png);

describe('shadow-only recording of an RDP machine, owner in a browser', () => {
  it('the recording starts with the owner’s picture of the desktop, not black', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(t.url);
    await page.getByLabel('Username').fill('erin');
    await page.getByLabel('Password').fill('erin-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .locator('[data-machine-id]')
      .filter({ hasText: 'Recorded PC' })
      .getByRole('button', { name: 'Connect to Recorded PC' })
      .click();
    await page.waitForFunction(() => window.__deskport?.rfbState === 'connected', undefined, { timeout: 60_000 });
    const sessionId = await page.evaluate(() => window.__deskport!.sessionId);
    await new Promise((r) => setTimeout(r, 2000)); // the desktop draws
    const [owner, helper] = await Promise.all([signIn(t.url, 'erin', 'erin-password-1'), signIn(t.url, 'hugh', 'hugh-password-1')]);
    const asked = await helper.post(`/api/v1/sessions/${sessionId}/shadow`, { mode: 'view', reason: 'recording check' });
    const shadowId = (asked.body as { shadow: { id: string } }).shadow.id;
    expect((await owner.post(`/api/v1/shadows/${shadowId}/approve`)).status).toBe(200);
    const live = await until(
      'a shadow recording',
      async () => ((await admin.get(`/api/v1/recordings?machine=${machineId}`)).body as RecordingList).items[0],
      15_000,
    );
    recordingId = live.id;
    await page.getByText('Recording', { exact: true }).first().waitFor({ timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 4000)); // longer than the owner's display may take to answer
    // Something happens while recorded: the owner types in the desktop's terminal.
    await page.locator('.guac-display').click({ position: { x: 300, y: 300 } });
    await page.keyboard.type('echo recorded-while-shadowed', { delay: 20 });
    await new Promise((r) => setTimeout(r, 2000));
    await page.screenshot({ path: `${ARTIFACTS}/recording-guac-shadow-owner.png` });
    expect((await owner.post(`/api/v1/shadows/${shadowId}/end`)).status).toBe(200);
    const done = await recordingEnded(admin, live.id);
    expect(done.state, JSON.stringify(done)).toBe('finished');
    const list = createInstructionParser({ maxInstructionChars: 1024 * 1024, maxElements: 64 }).push(
      readFileSync(join(t.dataDir, 'recordings', `${live.id}.guac`), 'utf8'),
    );
    // guacd's join copy ends at the first sync after layer 0's size; the owner's picture follows.
    const sized = list.findIndex((i) => i.opcode === 'size' && i.args[0] === '0');
    const firstSync = list.findIndex((i, n) => n > sized && i.opcode === 'sync');
    expect(list[firstSync + 1]).toMatchObject({ opcode: 'img', args: ['1000', '12', '0', 'image/png', '0', '0'] });
    const png = list
      .filter((i) => i.opcode === 'blob' && i.args[0] === '1000')
      .map((i) => i.args[1])
      .join('');
    const seen = await blackShare(page, png);
    console.info(`the recording's first picture (the owner's): ${seen.width}x${seen.height}, ${Math.round(seen.share * 100)}% black`);
    expect(seen.width).toBeGreaterThan(200);
    expect(seen.share).toBeLessThan(0.5);
  }, 150_000);

  it('plays on the Recordings page from its start to its end, showing the desktop', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    await signInAs(page, t.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${t.url}/recordings/${recordingId}`);
    const start = await waitSettled(page);
    expect(start.durationMs).toBeGreaterThan(3000);
    const blackOnCanvas = () =>
      page.evaluate(() => {
        const c = window.__deskportPlayer!.canvas()!;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let black = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i]! + d[i + 1]! + d[i + 2]! < 24) black++;
        return { share: black / (d.length / 4), width: c.width, height: c.height };
      });
    // The terminal's first line (the window sits at the desktop's top left): the typed command adds dark pixels.
    const textPixels = () =>
      page.evaluate(() => {
        const d = window.__deskportPlayer!.canvas()!.getContext('2d')!.getImageData(40, 55, 800, 40).data;
        let dark = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i]! + d[i + 1]! + d[i + 2]! < 100) dark++;
        return dark;
      });
    const atStart = await blackOnCanvas();
    const textAtStart = await textPixels();
    await page.screenshot({ path: join(ARTIFACTS, 'recording-guac-shadow-play-start.png') });
    await seekAndTime(page, start.durationMs);
    const atEnd = await blackOnCanvas();
    const textAtEnd = await textPixels();
    await page.screenshot({ path: join(ARTIFACTS, 'recording-guac-shadow-play-end.png') });
    console.info(
      `player: ${start.durationMs} ms long; black at the start ${Math.round(atStart.share * 100)}%, at the end ${Math.round(atEnd.share * 100)}%`,
    );
    expect(atStart.width).toBeGreaterThan(200);
    expect(atStart.share).toBeLessThan(0.5);
    expect(atEnd.share).toBeLessThan(0.5);
    // What the owner typed while recorded is shown at the end, not at the start.
    expect(
      textAtEnd - textAtStart,
      `dark pixels on the terminal's first line: ${textAtStart} at the start, ${textAtEnd} at the end`,
    ).toBeGreaterThan(150);
  }, 90_000);
});
