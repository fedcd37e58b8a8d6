// A helpdesk shadow of an existing RDP machine hears its sound only when the owner shared it. The
// "machine" is a real RDP server with sound: a process-driver RDP desktop (xrdp + chansrv + the agent's
// sound bridge, agents/process/rdp-sound.ts) that this test's own driver exposes on a loopback TCP port.
// The owner connects to it through the gateway (guacd, /ws/rdp); the helpdesk joins that connection
// (guacd `join`) in its own browser page, shows the machine's desktop as the owner sees it, clicks Sound (guacSound.ts) and the page's WebAudio
// analyser finds a tone played in the desktop. A shadow approved without sound gets no sound stream.
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/browser.ts';
import { signIn, type Api, type TestGateway } from '../helpers/gateway.ts';
import { startRdpMachineRig, type RdpMachineRig } from '../helpers/rdp-machine-rig.ts';
import { heard as heardAt } from './sound-page.ts';
import { untilSameFrame } from './guac-frame.ts';
import { timedToneArgv } from '../helpers/tone.ts';

let rig: RdpMachineRig;
let t: TestGateway;
let browser: Browser;
let owner: Page;
let owner2: Api;
let helper: Api;
let sessionId: string;

const heard = async (page: Page, hz: number, ms: number) => (await heardAt(page, hz, ms)) !== null;

async function play(hz: number, ms: number): Promise<void> {
  const r = await rig.driver.runInDesktop(rig.desktopId, timedToneArgv(hz, ms), { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`tone player failed (${r.code}): ${r.stderr}`);
}

async function signedIn(username: string, password: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(t.url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByRole('heading', { name: /My desktops|Helpdesk/ })
    .first()
    .waitFor();
  return page;
}

const displayed = (page: Page) =>
  page.waitForFunction(() => window.__deskport?.rfbState === 'connected', undefined, {
    timeout: 60_000,
  });

/** What one /ws/rdp socket received: its `audio` openers, and the blobs of streams that are not known non-audio streams. */
interface SocketAudio {
  url: string;
  audio: string[]; // stream indexes of `audio` instructions
  blobs: Map<string, number>; // stream index → blobs on a stream no non-audio opener opened on this socket
}

/** The instructions of one frame (the gateway sends ASCII-only audio/img/blob instructions; others are skipped whole). */
function instructions(text: string): string[][] {
  const out: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const ins: string[] = [];
    for (;;) {
      const dot = text.indexOf('.', i);
      const n = Number(text.slice(i, dot));
      if (dot < 0 || !Number.isInteger(n)) return out;
      ins.push(text.slice(dot + 1, dot + 1 + n));
      i = dot + 1 + n + 1;
      if (text[i - 1] === ';') break;
      if (text[i - 1] !== ',') return out; // a non-ASCII element: the rest of this frame is not audio's business
    }
    out.push(ins);
  }
  return out;
}

/** Follows one socket: per stream index, its last opener; audio openers and blobs on non-image streams counted. */
function followSocket(url: string): { s: SocketAudio; frame: (payload: string) => void } {
  const s: SocketAudio = { url, audio: [], blobs: new Map() };
  const opener = new Map<string, string>();
  const frame = (payload: string) => {
    for (const [op, stream] of instructions(payload)) {
      if (stream === undefined) continue;
      if (op === 'audio') s.audio.push(stream);
      if (['audio', 'img', 'file', 'pipe', 'clipboard', 'video', 'argv'].includes(op!)) opener.set(stream, op!);
      else if (op === 'blob' && opener.get(stream) !== 'img' && opener.get(stream) !== 'file' && opener.get(stream) !== 'pipe')
        s.blobs.set(stream, (s.blobs.get(stream) ?? 0) + 1);
    }
  };
  return { s, frame };
}

/** A helpdesk page on an approved shadow; `sockets` follows each /ws/rdp socket it opens, by URL. */
async function shadowPage(sound: boolean): Promise<{ page: Page; sockets: SocketAudio[]; end: () => Promise<unknown> }> {
  const asked = await helper.post(`/api/v1/sessions/${sessionId}/shadow`, { mode: 'view', reason: 'sound check' });
  expect(asked.status).toBe(201);
  const id = (asked.body as { shadow: { id: string } }).shadow.id;
  expect((await owner2.post(`/api/v1/shadows/${id}/approve`, sound ? { sound: true } : {})).status).toBe(200);
  const page = await signedIn('hugh', 'hugh-password-1');
  const sockets: SocketAudio[] = [];
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname !== '/ws/rdp') return;
    const f = followSocket(ws.url());
    sockets.push(f.s);
    ws.on('framereceived', (m) => f.frame(String(m.payload)));
  });
  const end = () => owner2.post(`/api/v1/shadows/${id}/end`);
  try {
    await page.goto(`${t.url}/shadow/${id}`);
    await displayed(page).catch(async (e: Error) => {
      await page.screenshot({ path: `${ARTIFACTS}/rdp-sound-shadow-failed.png` });
      throw e;
    });
    // The machine's desktop, as the owner sees it: not guacd's black copy of it for the join (shadow-snapshot.ts).
    const f = await untilSameFrame(owner, page);
    console.info(`RDP machine shadow vs owner: ${Math.round(f.same * 100)}% alike, ${Math.round(f.black * 100)}% black, ${f.size}`);
    expect(f.black).toBeLessThan(0.5);
    expect(f.same).toBeGreaterThanOrEqual(0.9);
  } catch (e) {
    // A shadow left approved would stay on the owner's connection for the next test.
    await end().catch(() => undefined);
    await page.close();
    throw e;
  }
  return { page, sockets, end };
}

beforeAll(async () => {
  rig = await startRdpMachineRig({ name: 'Sound PC', idPrefix: 'snd' });
  t = rig.t;
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'],
  });
  owner = await signedIn('erin', 'erin-password-1');
  await owner.locator('[data-machine-id]').filter({ hasText: 'Sound PC' }).getByRole('button', { name: 'Connect to Sound PC' }).click();
  await displayed(owner);
  sessionId = await owner.evaluate(() => window.__deskport!.sessionId);
  [owner2, helper] = await Promise.all([signIn(t.url, 'erin', 'erin-password-1'), signIn(t.url, 'hugh', 'hugh-password-1')]);
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await rig?.cleanup();
}, 60_000);

describe('a helpdesk shadow of an RDP machine with sound', () => {
  // Both shadows are the same helpdesk user's, in the same mode, open at the same time: the one the
  // owner approved without sound must get none of the sound the other one hears (issue 13).
  it('hears a tone after its Sound click when the owner shared sound; a second shadow without sound, open at once, gets none', async () => {
    const withSound = await shadowPage(true);
    let without: Awaited<ReturnType<typeof shadowPage>> | undefined;
    try {
      await withSound.page.getByTestId('sound-toggle').click();
      await withSound.page.waitForFunction(
        () => document.querySelector('[data-testid="sound-control"]')?.getAttribute('data-sound-state') === 'playing',
      );
      const warm = heard(withSound.page, 2000, 8_000);
      await play(2000, 300);
      await warm; // the first sound of a fresh desktop starts its audio path
      without = await shadowPage(false);
      expect(await without.page.getByTestId('sound-toggle').count()).toBe(0);
      const listening = heard(withSound.page, 1000, 8_000);
      await play(1000, 1200);
      expect(await listening, 'the shadow with sound hears the tone').toBe(true);
      await play(1500, 600); // and a second stream of sound, after the first one's end
      await withSound.page.screenshot({ path: `${ARTIFACTS}/rdp-sound-shadow.png` });
      const heardBy = withSound.sockets.flatMap((s) => s.audio);
      console.info(`with sound: ${JSON.stringify(withSound.sockets.map((s) => ({ audio: s.audio, blobs: [...s.blobs] })))}`);
      console.info(`without sound: ${JSON.stringify(without.sockets.map((s) => ({ audio: s.audio, blobs: [...s.blobs] })))}`);
      expect(heardBy.length).toBeGreaterThan(0);
      expect([...withSound.sockets[0]!.blobs.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      // Per socket of the shadow without sound: no audio opener, and no blob on any stream that carried sound.
      expect(without.sockets.length).toBeGreaterThan(0);
      for (const s of without.sockets) {
        expect(s.audio, `audio instructions on ${new URL(s.url).pathname}`).toEqual([]);
        expect(
          heardBy.filter((i) => s.blobs.has(i)),
          'audio blobs on the shadow without sound',
        ).toEqual([]);
      }
      // Its page plays nothing: no Sound button, and no sound player ever started.
      expect(await without.page.evaluate(() => window.__deskportSound?.received.frames ?? 0)).toBe(0);
    } finally {
      await Promise.all([withSound.end(), without?.end()]);
      await Promise.all([withSound.page.close(), without?.page.close()]);
    }
  }, 150_000);
});
