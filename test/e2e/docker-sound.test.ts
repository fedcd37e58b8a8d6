// A docker desktop's sound in Chromium, through the gateway: a real `deskport agent --driver docker`
// process, dockerd and the deskport-desktop image. The person clicks Sound in the viewer, a program
// in the container (pacat as uid 1000, `docker exec`) plays a 1 kHz and then a 440 Hz tone, and the
// page's WebAudio analyser finds each within 1 s of the write. A helpdesk view shadow approved without
// "Also share sound" has no Sound button, opens no sound socket and gets no ticket while the owner
// hears the tone; one approved with it hears it. Muting ends the capture in the container. Screenshots at 1280x800 in test-artifacts/.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM_ARGS, CHROMIUM_PATH, waitForFirstFrame } from '../helpers/browser.ts';
import { launchDockerDesktop, playToneInContainer, signInPage, startDockerPool, type DockerPool } from './docker-pool.ts';
import { signIn, type Api } from '../helpers/gateway.ts';
import { heard, soundState, turnSoundOn } from './sound-page.ts';

let pool: DockerPool;
let browser: Browser;
let owner: Page;
let hana: Api;
let sessionId: string;
let container: string;
const latencies: number[] = [];

/** parec processes in the container (the sound captures the agent started there). */
const captures = (): number =>
  execFileSync('docker', ['top', container, '-o', 'pid,comm'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.trim().split(/\s+/)[1] === 'parec').length;
const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
const newPage = async () => (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();

beforeAll(async () => {
  pool = await startDockerPool('dock-sound');
  const made = await pool.admin.post('/api/v1/admin/users', {
    username: 'hana',
    displayName: 'Hana Helper',
    password: 'hana-password-1',
    roles: ['helpdesk'],
  });
  expect(made.status).toBe(201);
  hana = await signIn(pool.t.url, 'hana', 'hana-password-1');
  // The autoplay flag only spares a flaky gesture heuristic in headless mode: every unmute below is a real click.
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'],
  });
  owner = await newPage();
  await signInPage(owner, pool.t.url);
  ({ sessionId, container } = await launchDockerDesktop(owner, pool.admin));
}, 900_000);
afterAll(async () => {
  if (latencies.length) console.info(`docker sound e2e: play → heard in Chromium: ${latencies.join(', ')} ms`);
  await browser?.close();
  await pool?.cleanup();
}, 60_000);

/** Plays `hz` in the container while `page` listens; the ms from the write to the analyser finding it (null: not heard). */
async function playAndListen(page: Page, hz: number, ms = 1200, listenMs = 8_000): Promise<number | null> {
  const listening = heard(page, hz, listenMs);
  const playedAt = await playToneInContainer(container, hz, ms);
  const at = await listening;
  return at === null ? null : at - playedAt;
}

/** A helpdesk view shadow of the owner's session, answered in the owner's prompt; its id. */
async function viewShadow(shareSound: boolean): Promise<string> {
  const r = await hana.post(`/api/v1/sessions/${sessionId}/shadow`, { mode: 'view', reason: 'sound check' });
  expect(r.status).toBe(201);
  const prompt = owner.getByTestId('shadow-prompt');
  await prompt.waitFor({ timeout: 10_000 });
  const box = owner.getByTestId('shadow-share-sound');
  expect(await box.isChecked()).toBe(false);
  if (shareSound) await box.check();
  await prompt.getByRole('button', { name: 'Allow' }).click();
  await prompt.waitFor({ state: 'detached' });
  return (r.body as { shadow: { id: string } }).shadow.id;
}

/** The shadow's page, and the WebSocket URLs it opened (display, sound). */
async function openShadow(id: string): Promise<{ page: Page; sockets: string[] }> {
  const page = await newPage();
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(new URL(ws.url()).pathname));
  await signInPage(page, pool.t.url, 'hana', 'hana-password-1');
  await page
    .getByRole('heading', { name: /My desktops|Helpdesk|Dashboard/ })
    .first()
    .waitFor();
  await page.goto(`${pool.t.url}/shadow/${id}`);
  await waitForFirstFrame(page);
  return { page, sockets };
}

describe('sound from a docker desktop in the browser', () => {
  it('is off until clicked; then a 1 kHz and a 440 Hz tone played in the container are heard within 1 s', async () => {
    expect(await soundState(owner)).toBe('muted');
    expect(captures()).toBe(0); // nothing captured until someone listens
    await turnSoundOn(owner);
    // The first sound pays for starting the audio path (the capture's docker exec, pacat's first
    // connection, Chromium's output device), as for process desktops: a short unmeasured blip first.
    expect(await playAndListen(owner, 2000, 200), 'the warm-up blip heard').not.toBeNull();
    for (const hz of [1000, 440]) {
      const ms = await playAndListen(owner, hz);
      expect(ms, `${hz} Hz heard`).not.toBeNull();
      latencies.push(ms!);
      console.info(`docker sound e2e: ${hz} Hz heard ${ms} ms after it was written to pacat in the container`);
      expect(ms!).toBeLessThan(1_000);
    }
    await shot(owner, '70-docker-sound-on');
  });

  it('a view shadow without the person’s sound consent hears nothing; with it, the shadow hears the tone', async () => {
    const silentId = await viewShadow(false);
    const { page: silent, sockets } = await openShadow(silentId);
    expect(await silent.getByTestId('sound-control').count()).toBe(0);
    const refused = await hana.post(`/api/v1/shadows/${silentId}/audio-tickets`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'sound_not_shared' } });
    // The tone plays (the owner hears it) while the shadow's page has no audio at all.
    expect(await playAndListen(owner, 880)).not.toBeNull();
    expect(await silent.evaluate(() => window.__deskportSound === undefined)).toBe(true);
    expect(sockets).not.toContain('/ws/audio');
    expect(sockets.length).toBeGreaterThan(0); // its display socket was seen
    await shot(silent, '71-docker-shadow-no-sound');
    await silent.getByRole('button', { name: 'End', exact: true }).click();
    await silent.close();

    const sharedId = await viewShadow(true);
    const { page: shared, sockets: sharedSockets } = await openShadow(sharedId);
    await turnSoundOn(shared);
    expect(sharedSockets).toContain('/ws/audio');
    const ms = await playAndListen(shared, 660);
    expect(ms, 'the shadow with consent hears the tone').not.toBeNull();
    console.info(`docker sound e2e: a shadow with consent heard 660 Hz ${ms} ms after the write`);
    await shot(shared, '72-docker-shadow-sound');
    await shared.getByRole('button', { name: 'End', exact: true }).click();
    await shared.close();
  });

  it('the ended shadow’s capture is gone, and muting stops the owner’s (no parec left in the container)', async () => {
    const settle = async (n: number) => {
      const deadline = Date.now() + 3_000;
      while (captures() > n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      return captures();
    };
    expect(await settle(1)).toBe(1);
    await owner.getByTestId('sound-toggle').click();
    expect(await soundState(owner)).toBe('muted');
    expect(await settle(0)).toBe(0);
  });
});
