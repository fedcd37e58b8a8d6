// A helpdesk shadow of an existing RDP machine hears its sound only when the owner shared it. The
// "machine" is a real RDP server with sound: a process-driver RDP desktop (xrdp + chansrv + the agent's
// sound bridge, agents/process/rdp-sound.ts) that this test's own driver exposes on a loopback TCP port.
// The owner connects to it through the gateway (guacd, /ws/rdp); the helpdesk joins that connection
// (guacd `join`) in its own browser page, shows the machine's desktop as the owner sees it, clicks Sound (guacSound.ts) and the page's WebAudio
// analyser finds a tone played in the desktop. A shadow approved without sound gets no sound stream.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessDriver, type ProcessDriver } from '../../agents/process/driver.ts';
import { removeAllDesktops, tempDataDir } from '../../agents/process/testing.ts';
import { ARTIFACTS, CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { heard as heardAt } from './sound-page.ts';
import { untilSameFrame } from './guac-frame.ts';
import { timedToneArgv } from '../helpers/tone.ts';

let t: TestGateway;
let guacd: GuacdProcess;
let browser: Browser;
let driverDir: string;
let driver: ProcessDriver;
let forward: Server;
const links: Socket[] = [];
const desktopId = `snd-${randomBytes(4).toString('hex')}`;
let owner: Page;
let owner2: Api;
let helper: Api;
let sessionId: string;

const heard = async (page: Page, hz: number, ms: number) => (await heardAt(page, hz, ms)) !== null;

async function play(hz: number, ms: number): Promise<void> {
  const r = await driver.runInDesktop(desktopId, timedToneArgv(hz, ms), { timeoutMs: 20_000 });
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

/** A helpdesk page on an approved shadow; `audio` collects the `audio` instructions its /ws/rdp receives. */
async function shadowPage(sound: boolean): Promise<{ page: Page; audio: string[]; end: () => Promise<unknown> }> {
  const asked = await helper.post(`/api/v1/sessions/${sessionId}/shadow`, { mode: 'view', reason: 'sound check' });
  expect(asked.status).toBe(201);
  const id = (asked.body as { shadow: { id: string } }).shadow.id;
  expect((await owner2.post(`/api/v1/shadows/${id}/approve`, sound ? { sound: true } : {})).status).toBe(200);
  const page = await signedIn('hugh', 'hugh-password-1');
  const audio: string[] = [];
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname === '/ws/rdp')
      ws.on('framereceived', (f) => audio.push(...(String(f.payload).match(/5\.audio,/g) ?? [])));
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
  return { page, audio, end };
}

beforeAll(async () => {
  driverDir = await tempDataDir();
  driver = createProcessDriver({ dataDir: driverDir });
  guacd = await startGuacd();
  [t] = await Promise.all([
    startTestGateway({ guacd: guacd.guacd }),
    driver.create({ desktopId, secret: randomBytes(9).toString('base64url'), persistence: 'pooled', protocol: 'rdp' }),
  ]);
  // The machine's RDP port: each connection is an RDP stream of the driver, as the gateway's agent would open one.
  forward = createServer((c) => {
    links.push(c);
    driver.openStream(desktopId, 'rdp').then(
      (s) => {
        links.push(s);
        c.pipe(s).pipe(c);
        c.once('close', () => s.destroy());
        s.once('close', () => c.destroy());
      },
      () => c.destroy(),
    );
  });
  await new Promise<void>((r) => forward.listen(0, '127.0.0.1', r));
  const admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  for (const [username, roles] of [
    ['erin', ['user']],
    ['hugh', ['helpdesk']],
  ] as const)
    expect((await admin.post('/api/v1/admin/users', { username, password: `${username}-password-1`, roles })).status).toBe(201);
  const host = ((await admin.get('/api/v1/admin/hosts')).body as { id: string }[])[0]!;
  const made = await admin.post('/api/v1/admin/machines', {
    name: 'Sound PC',
    protocol: 'rdp',
    address: '127.0.0.1',
    port: (forward.address() as { port: number }).port,
    hostId: host.id,
    credentialMode: 'shared',
    username: 'svc-deskport', // xrdp without sesman checks no password (agents/process/rdp.ts)
    password: 'any-password-1',
    security: 'tls',
    ignoreCert: true,
  });
  expect(made.status).toBe(201);
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
  await t?.cleanup();
  for (const l of links) l.destroy();
  forward?.close();
  await driver?.destroy(desktopId);
  await driver?.close();
  if (driverDir) await removeAllDesktops(driverDir);
  await guacd?.kill();
}, 60_000);

describe('a helpdesk shadow of an RDP machine with sound', () => {
  it('hears a tone played in the machine after its Sound click, when the owner shared sound', async () => {
    const hd = await shadowPage(true);
    await hd.page.getByTestId('sound-toggle').click();
    await hd.page.waitForFunction(
      () => document.querySelector('[data-testid="sound-control"]')?.getAttribute('data-sound-state') === 'playing',
    );
    const warm = heard(hd.page, 2000, 8_000);
    await play(2000, 300);
    await warm; // the first sound of a fresh desktop starts its audio path
    const listening = heard(hd.page, 1000, 8_000);
    await play(1000, 1200);
    expect(await listening, 'the helpdesk hears the tone').toBe(true);
    expect(hd.audio.length).toBeGreaterThan(0);
    await hd.page.screenshot({ path: `${ARTIFACTS}/rdp-sound-shadow.png` });
    await hd.end();
    await hd.page.close();
  }, 90_000);

  it('gets no sound stream, and no Sound button, when the owner did not share sound', async () => {
    const hd = await shadowPage(false);
    expect(await hd.page.getByTestId('sound-toggle').count()).toBe(0);
    await play(1000, 1500);
    expect(hd.audio).toEqual([]);
    await hd.end();
    await hd.page.close();
  }, 90_000);
});
