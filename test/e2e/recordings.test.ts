// The recordings player in Chromium with a recording made from a REAL desktop: Xvnc with the
// gateway's own recorder (test/helpers/recording.ts) while full-screen colours are drawn with
// xsetroot. The player seeks to the time each colour was on screen, and its canvas must show the
// live frame grabbed from the desktop at that time (within a small tolerance for JPEG).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanPart } from '../../server/recording/reader.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { makeTestRecording, type TestRecording } from '../helpers/recording.ts';
import { compareWithPng, seekAndTime, signInAs, waitSettled } from './recordings-pages.ts';

let t: TestGateway;
let browser: Browser;
let page: Page;
let rec: TestRecording;
let parts: Buffer[];
let segmentCount: number;
let origin: number;

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

/**
 * FAKE (named): the recordings API answered by the test from the recorder's files, so it can serve a
 * damaged copy too and use the helper's live frames (grabbed over RFB at known times). The gateway's
 * real API is played through in recordings-live.test.ts. Range and 404 behave as HTTP says.
 */
async function serveRecording(p: Page, files: () => Buffer[]): Promise<void> {
  const index = await indexOf(files());
  const meta = () => ({
    id: rec.recordingId,
    sessionId: rec.sessionId,
    userId: 'u-alice',
    userName: 'alice',
    poolId: 'p-linux',
    poolName: 'Linux desktop (local)',
    hostId: 'local',
    kind: 'rfb',
    trigger: 'on',
    state: 'finished',
    startedAt: new Date(origin).toISOString(),
    endedAt: new Date(origin + durationMs()).toISOString(),
    durationMs: durationMs(),
    bytes: files().reduce((n, b) => n + b.length, 0),
    parts: rec.parts.map((p, n) => ({ n, bytes: p.bytes, sha256: p.sha256 })),
  });
  await p.route('**/api/v1/recordings**', async (route: Route) => {
    const url = new URL(route.request().url());
    const m = /^\/api\/v1\/recordings(?:\/([^/]+)(?:\/(index|parts)(?:\/(\d+))?)?)?$/.exec(url.pathname);
    if (!m) return route.fulfill({ status: 404, json: { error: { code: 'not_found', message: 'no such route' } } });
    const [, id, sub, n] = m;
    if (!id) return route.fulfill({ json: { items: [meta()] } });
    if (!sub) return route.fulfill({ json: meta() });
    if (sub === 'index') return route.fulfill({ json: index });
    const file = files()[Number(n)];
    if (!file) return route.fulfill({ status: 404, json: { error: { code: 'not_found', message: 'part missing' } } });
    const range = /bytes=(\d+)-/.exec(route.request().headers()['range'] ?? '');
    const from = range ? Number(range[1]) : 0;
    return route.fulfill({
      status: range ? 206 : 200,
      headers: {
        'Content-Type': 'application/octet-stream',
        ...(range ? { 'Content-Range': `bytes ${from}-${file.length - 1}/${file.length}` } : {}),
      },
      body: file.subarray(from),
    });
  });
}

const durationMs = () => Math.max(...rec.parts.map((p) => p.lastT));

/** The index the gateway would answer for these files (its own scanner stops at damage). */
async function indexOf(files: Buffer[]) {
  const scans = await Promise.all(
    files.map((b, i) => {
      const path = join(rec.dir, `served-${i}.dprec`);
      writeFileSync(path, b);
      return scanPart(path);
    }),
  );
  const t0 = scans[0]!.header.startedAt;
  const startT = (i: number) => scans[i]!.header.startedAt - t0;
  return {
    recordingId: rec.recordingId,
    kind: 'rfb',
    durationMs: Math.max(...scans.map((s, i) => startT(i) + s.lastT)),
    parts: scans.map((s, n) => ({ n, startT: startT(n), durationMs: s.lastT, bytes: s.readableBytes, complete: s.endReason !== null })),
    segments: scans.flatMap((s, part) =>
      s.segments.map((g) => ({ part, offset: g.offset, t: startT(part) + g.t, partT: g.t, width: g.width, height: g.height })),
    ),
  };
}

beforeAll(async () => {
  // Segments every 1.5 s, so seeks start from different segments and playback crosses segment changes.
  rec = await makeTestRecording({
    colours: ['#ff0000', '#00ff00', '#0000ff', '#ffff00'],
    holdMs: 1500,
    keyframeMs: 1500,
    geometry: '800x600',
  });
  parts = rec.parts.map((p) => readFileSync(p.path));
  origin = (await scanPart(rec.parts[0]!.path)).header.startedAt;
  segmentCount = (await indexOf(parts)).segments.length;
  t = await startTestGateway();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  page.on('console', (m) => m.type() === 'error' && console.error('page console:', m.text()));
  await signInAs(page, t.url, 'admin', ADMIN_PASSWORD);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
  rec?.cleanup();
});

describe('playing a VNC recording of a real desktop (recordings API answered by the test)', () => {
  it('lists the recording and opens it in the player', async () => {
    expect(segmentCount).toBeGreaterThan(2);
    await serveRecording(page, () => parts);
    await page.getByRole('link', { name: 'Recordings' }).click();
    await page.getByTestId(`recording-row-${rec.recordingId}`).waitFor();
    await shot('40-recordings-list');
    await page.getByTestId('recording-download').click();
    await expect(page.getByTestId('download-sha256').textContent()).resolves.toBe(rec.parts[0]!.sha256);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('recording-play').click();
    await waitSettled(page);
  });

  it('shows, at the time each colour was on screen, the frame the desktop showed then', async () => {
    // Backwards and forwards, so seeks both restart from earlier segments and skip ahead.
    const order = [...rec.frames.keys()].reverse().concat([...rec.frames.keys()]);
    for (const i of order) {
      const f = rec.frames[i]!;
      await seekAndTime(page, f.t + 200);
      const diff = await compareWithPng(page, f.png);
      expect({ colour: f.colour, ...diff }).toMatchObject({ colour: f.colour, width: rec.width, height: rec.height });
      expect(diff.mean, `${f.colour} at ${f.t} ms: mean difference`).toBeLessThan(6);
      expect(diff.badShare, `${f.colour} at ${f.t} ms: pixels far off`).toBeLessThan(0.01);
    }
    await shot('41-player-seeked');
  });

  it('plays through segment changes to the end at 8x, ending on the last frame', async () => {
    await page.getByTestId('player-speed').selectOption('8');
    await page.keyboard.press('Home');
    await waitSettled(page);
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.__deskportPlayer?.snapshot().status === 'ended', undefined, { timeout: 30_000 });
    const last = rec.frames.at(-1)!;
    const diff = await compareWithPng(page, last.png);
    expect(diff.mean).toBeLessThan(6);
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await page.getByTestId('player-help').waitFor();
    await shot('42-player-ended-help');
  });

  it('says where a damaged file stops playing, and keeps what came before', async () => {
    const cut = parts.map((b, i) => (i === parts.length - 1 ? b.subarray(0, Math.floor(b.length * 0.6)) : b));
    await page.unroute('**/api/v1/recordings**');
    await serveRecording(page, () => cut);
    await page.reload();
    await page.getByTestId('player-problem').or(page.getByTestId('player-controls')).first().waitFor();
    await page.evaluate(() => window.__deskportPlayer?.player.seek(1e9));
    await page.getByTestId('player-problem').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('player-problem').textContent()).resolves.toMatch(/damaged after \d+:\d\d; playback stops there/);
    await shot('43-player-damaged');
  });
});
