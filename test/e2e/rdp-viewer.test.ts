// The RDP viewer in Chromium, end to end with real parts: an rdp pool's desktop (Xorg + xorgxrdp +
// xrdp, process driver), the gateway's /ws/rdp, a real guacd, and guacamole-common-js in the viewer
// page under the gateway's strict CSP. Input and clipboard are checked on the desktop side (files
// its xterm writes; text copied there shows in the clipboard panel); guacd is killed mid-session and
// the viewer says why, then comes back by itself; a viewer opened while guacd is down says so too and
// connects once it is back.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { desktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { followGuacd, startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { untilSameFrame } from './guac-frame.ts';

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

let t: TestGateway;
let guacd: GuacdProcess | undefined;
let browser: Browser;
let page: Page;
let home: string;
let sessionId: string;
const cspConsole: string[] = [];
/** Guacamole instructions the page sent on /ws/rdp. */
const sentToRdp: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The gateway's guacd follows whichever guacd process the test runs now (none after a kill).
const currentGuacd = followGuacd(() => guacd);

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
const violations = async (): Promise<string[]> => [...cspConsole, ...(await page.evaluate(() => window.__cspViolations ?? []))];

/** Waits until the viewer is connected over RDP and the display's largest canvas shows more than one colour. */
async function rdpPixels(timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    () => window.__deskport?.rfbState === 'connected' && (window.__deskport as { protocol?: string }).protocol === 'rdp',
    undefined,
    { timeout },
  );
  await page.waitForFunction(
    () => {
      const all = Array.from(document.querySelectorAll<HTMLCanvasElement>('[data-testid="viewer"] canvas'));
      const c = all.sort((a, b) => b.width * b.height - a.width * a.height)[0];
      if (!c || c.width < 100) return false;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4 * 97) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return seen.size > 2;
    },
    undefined,
    { timeout, polling: 100 },
  );
}

/** A helpdesk (hugo) page on an approved shadow of the owner's session, connected; its sent frames are kept. */
async function openShadow(mode: 'view' | 'control'): Promise<{ hd: Page; hdSent: string[]; end: () => Promise<void> }> {
  const helper = await signIn(t.url, 'hugo', 'hugo-password-1');
  const owner = await signIn(t.url, 'rosa', 'rosa-password-1');
  const ask = await helper.post(`/api/v1/sessions/${sessionId}/shadow`, { mode, reason: 'rdp viewer test' });
  expect(ask.status).toBe(201);
  const shadowId = (ask.body as { shadow: { id: string } }).shadow.id;
  expect((await owner.post(`/api/v1/shadows/${shadowId}/approve`)).status).toBe(200);
  const hd = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const hdSent: string[] = [];
  // What the shadow's page got, for the failure message: each socket, and the opcodes of its first frames.
  const hdGot: string[] = [];
  hd.on('websocket', (ws) => {
    hdGot.push(`open ${new URL(ws.url()).pathname}`);
    ws.on('framesent', (f) => hdSent.push(String(f.payload)));
    ws.on('framereceived', (f) => {
      if (hdGot.length < 40)
        hdGot.push(
          String(f.payload)
            .slice(0, 60)
            .replace(/^(\d+\.[\w-]+).*$/s, '$1'),
        );
    });
    ws.on('close', () => hdGot.push('close'));
  });
  const end = async () => {
    await hd.context().close();
    await helper.post(`/api/v1/shadows/${shadowId}/end`).catch(() => undefined);
  };
  try {
    await hd.goto(t.url);
    await hd.getByLabel('Username').fill('hugo');
    await hd.getByLabel('Password').fill('hugo-password-1');
    await hd.getByRole('button', { name: 'Sign in' }).click();
    await hd
      .getByRole('link', { name: /Helpdesk/ })
      .first()
      .waitFor();
    await hd.goto(`${t.url}/shadow/${shadowId}`);
    await hd.waitForFunction(() => window.__deskport?.rfbState === 'connected', undefined, { timeout: 30_000 });
  } catch (e) {
    await hd.screenshot({ path: join(ARTIFACTS, `rdp-debug-shadow-${mode}.png`) }).catch(() => undefined);
    const state = await hd.evaluate(() => JSON.stringify(window.__deskport ?? null)).catch(() => 'page gone');
    await end();
    throw new Error(`${(e as Error).message}\nshadow page state ${state}; its sockets: ${hdGot.join(' | ') || 'none'}`);
  }
  return { hd, hdSent, end };
}

/** The shadow's display shows what the owner's shows (sampled on a grid; fails on a black display). */
async function expectOwnersPicture(hd: Page): Promise<void> {
  const f = await untilSameFrame(page, hd);
  console.info(`RDP shadow vs owner: ${Math.round(f.same * 100)}% of samples alike, ${Math.round(f.black * 100)}% black, ${f.size}`);
  if (f.same < 0.9 || f.black >= 0.5) {
    await page.screenshot({ path: join(ARTIFACTS, 'rdp-debug-shadow-owner.png') });
    await hd.screenshot({ path: join(ARTIFACTS, 'rdp-debug-shadow-unlike.png') });
  }
  expect(f.black).toBeLessThan(0.5);
  expect(f.same).toBeGreaterThanOrEqual(0.9);
}

async function fileSays(name: string, want: string, ms = 4_000): Promise<boolean> {
  const file = join(home, name);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (existsSync(file) && readFileSync(file, 'utf8').trim() === want) return true;
    await sleep(100);
  }
  return false;
}

/** Clicks into the desktop's xterm (at +40+40 on the remote screen) and types `command`, until `name` says `want`. */
async function typeUntil(command: string, name: string, want: string): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await page.locator('.guac-display').click({ position: { x: 200, y: 200 } });
    await page.keyboard.type(command, { delay: 15 });
    await page.keyboard.press('Enter');
    if (await fileSays(name, want)) return;
  }
  throw new Error(`${name} never said "${want}" in the desktop's home`);
}

beforeAll(async () => {
  if (!existsSync(join(process.cwd(), 'client/dist/index.html')))
    throw new Error('client/dist is missing: run `npm run build` (npm test does it)');
  guacd = await startGuacd();
  t = await startTestGateway({ guacd: currentGuacd });
  const admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  expect((await admin.post('/api/v1/admin/users', { username: 'rosa', password: 'rosa-password-1', roles: ['user'] })).status).toBe(201);
  expect((await admin.post('/api/v1/admin/users', { username: 'hugo', password: 'hugo-password-1', roles: ['helpdesk'] })).status).toBe(
    201,
  );
  expect((await admin.post('/api/v1/admin/pools', { name: 'RDP desktop', driver: 'process', protocol: 'rdp' })).status).toBe(201);

  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
  page = await context.newPage();
  // Every CSP violation: the DOM event, and Chromium's console report (as in account-security.test.ts).
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspConsole.push(m.text());
  });
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname === '/ws/rdp') ws.on('framesent', (f) => sentToRdp.push(String(f.payload)));
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations!.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(t.url);
  await page.getByLabel('Username').fill('rosa');
  await page.getByLabel('Password').fill('rosa-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Launch RDP desktop' }).click();
  await rdpPixels(90_000);
  sessionId = await page.evaluate(() => window.__deskport!.sessionId);
  home = (await desktopInfo(admin, t.dataDir, sessionId)).home;
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
  await guacd?.kill();
});

describe('the RDP viewer in Chromium', () => {
  it('draws the RDP desktop in the viewer frame, says Connected, and breaks no CSP rule', async () => {
    expect((await page.getByTestId('viewer-status').textContent())?.trim()).toBe('Connected');
    expect(await page.getByTestId('viewer-overlay').count()).toBe(0);
    await shot('rdp-20-connected');
    expect(await violations()).toEqual([]);
  });

  it('types into the RDP desktop (a command run by its terminal)', async () => {
    await typeUntil('echo typed-in-chromium > typed.txt', 'typed.txt', 'typed-in-chromium');
    await shot('rdp-21-typed');
  });

  it("sends the clipboard panel's text as a text/plain clipboard stream, and it becomes the desktop's X clipboard", async () => {
    const text = 'from-the-panel-42 ✓';
    await page.getByRole('button', { name: 'Clipboard' }).click();
    await page.getByLabel('Clipboard text').fill(text);
    await page.getByRole('button', { name: 'Send to desktop' }).click();
    await page.getByRole('button', { name: 'Close clipboard' }).click();
    const blob = `.${Buffer.from(text, 'utf8').toString('base64')};`;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !sentToRdp.some((f) => f.includes(blob))) await sleep(50);
    const stream = /^9\.clipboard,\d+\.(\d+),10\.text\/plain;$/.exec(sentToRdp.find((f) => f.startsWith('9.clipboard,')) ?? '')?.[1];
    expect(stream).toBeDefined();
    expect(sentToRdp.some((f) => f.startsWith(`4.blob,${stream!.length}.${stream},`) && f.endsWith(blob))).toBe(true);
    expect(sentToRdp.some((f) => f === `3.end,${stream!.length}.${stream};`)).toBe(true);
    // On the desktop side (xrdp-chansrv owns the X clipboard for the RDP client): its terminal,
    // as the desktop's user, writes what the X clipboard holds to a file.
    await typeUntil('xclip -o -selection clipboard > pasted.txt', 'pasted.txt', text);
    await shot('rdp-26-pasted-in-desktop');
  });

  it('shows text copied in the desktop in the clipboard panel', async () => {
    // Typed into the desktop's terminal: xclip, as the desktop's user, takes the X clipboard (and
    // keeps serving it in the background); chansrv announces it to guacd, which sends it to the page.
    const copied = 'copied-in-the-rdp-desktop-7';
    await page.locator('.guac-display').click({ position: { x: 200, y: 200 } });
    await page.keyboard.type(`printf ${copied} | xclip -selection clipboard`, { delay: 15 });
    await page.keyboard.press('Enter');
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Clipboard' }).click();
    const panel = page.getByTestId('clipboard-panel');
    await expect.poll(() => page.getByLabel('Clipboard text').inputValue(), { timeout: 20_000 }).toBe(copied);
    console.info(`RDP clipboard: desktop copy → clipboard panel in ${Date.now() - t0} ms`);
    expect(await panel.textContent()).toMatch(/Received from the desktop at/);
    await shot('rdp-27-clipboard-received');
    await page.getByRole('button', { name: 'Close clipboard' }).click();
  });

  it('resizes the RDP desktop to the window (a display update), and still fits it', async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    const want = await page.locator('[data-testid="viewer"]').evaluate((el) => ({ w: el.clientWidth, h: el.clientHeight }));
    // The remote display's size (guacamole allocates layer canvases in steps of 64 pixels, so the
    // canvas is not the measure; its display element is), shown whole in the window.
    await page.waitForFunction(
      (w) => {
        const inner = document.querySelector('.guac-display')?.firstElementChild as HTMLElement | null;
        return inner?.style.width === `${w.w}px` && inner.style.height === `${w.h}px`;
      },
      want,
      { timeout: 20_000 },
    );
    expect(sentToRdp.filter((f) => f.startsWith('4.size,')).at(-1)).toBe(
      `4.size,${String(want.w).length}.${want.w},${String(want.h).length}.${want.h};`,
    );
    await shot('rdp-24-resized-1024');
    await page.setViewportSize({ width: 1280, height: 800 });
    await rdpPixels();
  });

  it('shows a view-only helpdesk shadow of the RDP desktop (the owner\u2019s picture, not black) with no input handlers: its keys never arrive', async () => {
    const { hd, hdSent, end } = await openShadow('view');
    try {
      expect(await hd.getByTestId('shadow-mode-badge').textContent()).toMatch(/View only/);
      // The owner's stage shrank for the shadow banner (a display-update resize): guacd's own copy for the join
      // is black since; the join shows the owner's picture (server/guac/shadow-snapshot.ts), then guacd's updates.
      await expectOwnersPicture(hd);
      await hd.screenshot({ path: join(ARTIFACTS, 'rdp-25-shadow-view-only.png') });
      // No keyboard handler: the frame cannot even take focus.
      expect(await hd.locator('.guac-frame').getAttribute('tabindex')).toBeNull();
      await hd.locator('.guac-display').click({ position: { x: 200, y: 200 } });
      await hd.keyboard.type('echo from-view > view.txt', { delay: 10 });
      await hd.keyboard.press('Enter');
      // Nothing to send them with: no key, mouse or size instruction left the page.
      expect(hdSent.filter((f) => /^(3\.key|5\.mouse|4\.size|5\.touch),/.test(f))).toEqual([]);
      // The owner types after it: the owner's file appearing while the view's never did shows the
      // view's keys did not reach the desktop (they would have run first).
      await typeUntil('echo owner-after-view > owner.txt', 'owner.txt', 'owner-after-view');
      expect(existsSync(join(home, 'view.txt'))).toBe(false);
    } finally {
      await end();
    }
  });

  it('shows a control helpdesk shadow of the RDP desktop (the owner\u2019s picture), and follows what the owner types', async () => {
    const { hd, end } = await openShadow('control');
    try {
      expect(await hd.getByTestId('shadow-mode-badge').textContent()).toMatch(/Control/);
      await expectOwnersPicture(hd);
      await hd.screenshot({ path: join(ARTIFACTS, 'rdp-28-shadow-control.png') });
      // guacd's updates after the picture: what the owner types shows in the shadow too.
      await typeUntil('echo typed-while-shadowed > shadowed.txt', 'shadowed.txt', 'typed-while-shadowed');
      await expectOwnersPicture(hd);
    } finally {
      await end();
    }
  });

  it('says that RDP needs guacd while it is down, and reconnects by itself with a new ticket once it is back', async () => {
    const attempts = await page.evaluate(() => window.__deskport!.attempts);
    await guacd!.kill();
    guacd = undefined;
    await page.getByTestId('viewer-overlay').filter({ hasText: 'RDP needs guacd' }).waitFor({ timeout: 15_000 });
    await shot('rdp-22-guacd-down');
    guacd = await startGuacd();
    await rdpPixels(60_000);
    expect(await page.evaluate(() => window.__deskport!.attempts)).toBeGreaterThan(attempts);
    await typeUntil('echo after-guacd > after.txt', 'after.txt', 'after-guacd');
    await shot('rdp-23-reconnected');
    expect(await violations()).toEqual([]);
  });

  it('opened while guacd is down, the viewer says RDP needs guacd (not "cannot reach"), keeps retrying, and connects once it is back', async () => {
    await guacd!.kill();
    guacd = undefined;
    await page.reload();
    // Each attempt gets the gateway's 4504 close with the reason, not a bare 1006.
    await page.waitForFunction(() => (window.__deskport?.attempts ?? 0) >= 3, undefined, { timeout: 30_000 });
    const overlay = page.getByTestId('viewer-overlay');
    await overlay.filter({ hasText: 'RDP needs guacd' }).waitFor({ timeout: 15_000 });
    expect(await overlay.textContent()).not.toMatch(/Cannot reach the desktop/);
    await shot('rdp-26-guacd-down-at-open');
    guacd = await startGuacd();
    await rdpPixels(60_000);
    await shot('rdp-27-guacd-back-at-open');
    expect(await violations()).toEqual([]);
  });
});
