// Sound of an RDP desktop in Chromium, end to end with real parts: an rdp pool's desktop of the process
// driver (Xorg + xorgxrdp + xrdp + xrdp-chansrv, its own PulseAudio), the agent's bridge from that
// PulseAudio to chansrv's sound socket (agents/process/rdp-sound.ts), xrdp's sound channel, a real guacd,
// the gateway's /ws/rdp and the viewer page (guacamole-common-js, guacSound.ts). A person clicks Sound,
// a program in the desktop plays a tone, the page's WebAudio analyser finds it within 1 s of the write.
// With the pool's policy `audio` off, no sound stream reaches the page and nothing is heard.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessDriver, type ProcessDriver } from '../../agents/process/driver.ts';
import { ARTIFACTS, CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/browser.ts';
import { desktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { captureCpu, capturesOf, heard as heardAt, turnSoundOn } from './sound-page.ts';
import { timedToneArgv } from '../helpers/tone.ts';

let t: TestGateway;
let guacd: GuacdProcess;
let browser: Browser;
let page: Page;
let admin: Api;
let driver: ProcessDriver;
let poolId: string;
let desktopId: string;
let uid: number;
/** Guacamole `audio` instructions the page received on /ws/rdp, and every WebSocket path it opened. */
const audioStreams: string[] = [];
const sockets: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
const soundState = () => page.getByTestId('sound-control').getAttribute('data-sound-state');

const heard = (hz: number, ms: number) => heardAt(page, hz, ms);

/** Plays `hz` inside the desktop; resolves with the epoch ms its first sample was written. */
async function play(hz: number, ms = 1200): Promise<number> {
  const r = await driver.runInDesktop(desktopId, timedToneArgv(hz, ms), { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`tone player failed (${r.code}): ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** The desktop's parec processes (the bridge's capture). */
const captures = () => capturesOf(uid);

async function connected(): Promise<void> {
  await page.waitForFunction(
    () => window.__deskport?.rfbState === 'connected' && (window.__deskport as { protocol?: string }).protocol === 'rdp',
    undefined,
    { timeout: 90_000 },
  );
}

async function until(test: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!test() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return test();
}

beforeAll(async () => {
  guacd = await startGuacd();
  t = await startTestGateway({ guacd: guacd.guacd });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  expect((await admin.post('/api/v1/admin/pools', { name: 'RDP desktop', driver: 'process', protocol: 'rdp' })).status).toBe(201);
  poolId = ((await admin.get('/api/v1/admin/pools')).body as { id: string; name: string }[]).find((p) => p.name === 'RDP desktop')!.id;
  // The autoplay flag only spares a flaky gesture heuristic in headless mode: every unmute below is a real click.
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'],
  });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('websocket', (ws) => {
    const path = new URL(ws.url()).pathname;
    sockets.push(path);
    // `audio` opens a stream: 5.audio,<stream>,<mimetype> (the mimetype holds a ';' of its own).
    if (path === '/ws/rdp')
      ws.on('framereceived', (f) => audioStreams.push(...(String(f.payload).match(/5\.audio,\d+\.\d+,\d+\.[^,;]+;[^;]*;/g) ?? [])));
  });
  await page.goto(t.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Launch RDP desktop' }).click();
  await connected();
  const sessionId = await page.evaluate(() => window.__deskport!.sessionId);
  ({ desktopId, uid } = await desktopInfo(admin, t.dataDir, sessionId));
  driver = createProcessDriver({ dataDir: t.dataDir });
}, 150_000);

afterAll(async () => {
  await driver?.close();
  await browser?.close();
  await t?.cleanup();
  await guacd?.kill();
});

describe('sound of an RDP desktop through xrdp, guacd and /ws/rdp', () => {
  it('is off until clicked; then a 1 kHz and a 440 Hz tone played in the desktop are heard within 1 s', async () => {
    expect(await soundState()).toBe('muted');
    await turnSoundOn(page);
    // The first sound of a fresh desktop pays for starting its audio path: a short unmeasured blip goes first.
    const warm = heard(2000, 8_000);
    await play(2000, 300);
    expect(await warm, 'the warm-up blip heard').not.toBeNull();
    for (const hz of [1000, 440]) {
      const listening = heard(hz, 8_000);
      const playedAt = await play(hz);
      const at = await listening;
      expect(at, `${hz} Hz heard`).not.toBeNull();
      console.info(`rdp sound e2e: ${hz} Hz heard ${at! - playedAt} ms after the desktop wrote it`);
      expect(at! - playedAt).toBeLessThan(1_000);
    }
    // The bridge runs while the RDP client with sound is connected: one capture, for chansrv.
    expect(captures(), 'one parec for the bridge').toBe(1);
    const cpu = captureCpu(uid);
    console.info(`rdp sound e2e: the bridge's parec used ${cpu.cpuMs} ms of CPU in ${Math.round(cpu.ageMs)} ms`);
    // It came with the display, from guacd's RDP sound, and not through /ws/audio.
    expect(audioStreams.some((a) => a.includes('audio/L16;rate=44100,channels=2'))).toBe(true);
    expect(sockets).not.toContain('/ws/audio');
    await shot('rdp-sound-on');
  }, 60_000);

  it('with the pool policy’s audio off, no sound stream reaches the page, no bridge runs, and nothing is heard', async () => {
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${poolId}`, { policy: { audio: false } })).status).toBe(200);
    audioStreams.length = 0;
    await page.reload();
    await connected();
    // Sound was on: it resumes at the first click into the desktop.
    await page.locator('.guac-display').click({ position: { x: 600, y: 400 } });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="sound-control"]')?.getAttribute('data-sound-state') === 'playing',
    );
    expect(await until(() => captures() === 0, 5_000), 'the bridge ended with the old connection').toBe(true);
    const listening = heard(1000, 3_000);
    await play(1000, 2_000);
    expect(await listening).toBeNull();
    expect(audioStreams).toEqual([]);
    expect(captures()).toBe(0); // guacd opened no sound channel: chansrv never listened for the bridge
    expect(sockets).not.toContain('/ws/audio');
  }, 120_000);
});
