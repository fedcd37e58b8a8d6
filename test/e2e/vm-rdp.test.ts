// End to end in Chromium with an RDP VM desktop: a real gateway with a real guacd, a real
// `bin/deskport agent --driver qemu` process and real QEMU (TCG) booting the Debian desktop image with
// deskport.protocol=rdp. The portal launches the pool with boot progress; the RDP viewer shows the
// guest's session (xrdp logged user deskport in with the desktop's secret, set through QEMU's guest
// agent; the browser never sees it); typing reaches the guest's terminal (a command there recolours
// the desktop); the guest's screen follows the browser window (xorgxrdp takes guacd's resize); and the
// clipboard works both ways (xrdp's chansrv in the guest), while Files and Sound are not offered.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVmImage } from '../../agents/qemu/images.ts';
import { ARTIFACTS, launchChromium, recordLaunch } from '../helpers/browser.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { signInPage } from './docker-pool.ts';
import { startVmRig, stopVmRig, type VmRig } from './vm-rig.ts';

const POOL = 'RDP VM';
const SLATE = 0x2d3b4e; // the guest session's xsetroot colour
let rig: VmRig | undefined;
let t: TestGateway;
let guacd: GuacdProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await buildVmImage({ kind: 'vm' }); // infra/setup.sh built it; seconds when cached
  guacd = await startGuacd();
  rig = await startVmRig(
    'vm-rdp',
    {
      name: POOL,
      description: 'A virtual machine of your own over RDP: Debian with openbox and a terminal.',
      protocol: 'rdp',
      image: 'vm',
      memoryMb: 512,
    },
    guacd.guacd,
  );
  ({ t } = rig);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
  page = await context.newPage();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await stopVmRig(rig);
  await guacd?.kill();
}, 60_000);

/** The RDP display's picture: its size, most common colour and that colour's share, the share of near-black (the terminal). */
const screen = (p: Page) =>
  p.evaluate(() => {
    // guacamole allocates canvases in steps of 64 pixels: the display element has the picture's size.
    const inner = document.querySelector('.guac-display')?.firstElementChild as HTMLElement | null;
    const width = parseInt(inner?.style.width ?? '', 10);
    const height = parseInt(inner?.style.height ?? '', 10);
    const all = Array.from(document.querySelectorAll<HTMLCanvasElement>('[data-testid="viewer"] canvas'));
    const c = all.sort((a, b) => b.width * b.height - a.width * a.height)[0];
    if (!c || !(width > 100) || !(height > 100)) return null;
    const d = c.getContext('2d')!.getImageData(0, 0, width, height).data;
    const counts = new Map<number, number>();
    for (let i = 0; i < d.length; i += 4 * 7) {
      const k = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    let best = 0;
    let colour = 0;
    for (const [k, n] of counts) if (n > best) [best, colour] = [n, k];
    let dark = 0;
    for (const [k, n] of counts) if (k >> 16 < 0x10 && ((k >> 8) & 0xff) < 0x10 && (k & 0xff) < 0x10) dark += n;
    return { width, height, colour, share: best / (d.length / 4 / 7), dark: dark / (d.length / 4 / 7) };
  });

/** Within 12 per channel: guacd sends lossy image formats for large regions, so flat colours come back nearly exact. */
const near = (a: number, b: number): boolean => [16, 8, 0].every((shift) => Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)) <= 12);

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  let last = await probe();
  for (const deadline = Date.now() + ms; !ok(last); last = await probe()) {
    if (Date.now() > deadline) {
      await page.screenshot({ path: join(ARTIFACTS, 'vm-rdp-failed.png') });
      throw new Error(`${what}: last seen ${JSON.stringify(last)} (test-artifacts/vm-rdp-failed.png)`);
    }
    await page.waitForTimeout(250);
  }
  return last;
}

describe('an RDP VM desktop in the browser (qemu driver, TCG, guacd)', () => {
  it('launches with boot progress, shows the guest session, takes typing and follows the window', async () => {
    await signInPage(page, t.url);
    const launch = page.getByRole('button', { name: `Launch ${POOL}` });
    await launch.waitFor();
    const clicked = Date.now();
    await launch.click();
    await page.getByText('Booting the VM').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(ARTIFACTS, '66-vm-rdp-booting.png') });
    await page.waitForFunction(
      () => window.__deskport?.rfbState === 'connected' && (window.__deskport as { protocol?: string }).protocol === 'rdp',
      undefined,
      { timeout: 200_000 },
    );
    // The guest's session: the slate background with the terminal (black in this session) (the first sesman login starts Xorg in the guest).
    const first = await until(
      'the guest session on the screen',
      () => screen(page),
      (s) => s !== null && near(s.colour, SLATE) && s.dark > 0.05,
      120_000,
    );
    recordLaunch('cold RDP VM (vm image, TCG)', Date.now() - clicked);
    expect(first!.share).toBeGreaterThan(0.4);
    await page.screenshot({ path: join(ARTIFACTS, '67-vm-rdp-desktop.png') });

    // Typing reaches the guest: a command in its terminal recolours the desktop.
    await page.locator('[data-testid="viewer"]').click({ position: { x: 300, y: 200 } });
    await page.keyboard.type('xsetroot -solid red', { delay: 40 });
    await page.keyboard.press('Enter');
    await until(
      'the desktop recoloured by the typed command',
      () => screen(page),
      (s) => s !== null && near(s.colour, 0xff0000),
      60_000,
    );
    await page.screenshot({ path: join(ARTIFACTS, '68-vm-rdp-typed.png') });

    // The guest's screen follows the window (guacd's display-update, which xorgxrdp takes).
    const before = (await screen(page))!;
    await page.setViewportSize({ width: 1000, height: 700 });
    const after = await until(
      'the guest screen resized to the window',
      () => screen(page),
      (s) => s !== null && s.width !== before.width && s.width <= 1000 && s.height <= 700,
      60_000,
    );
    expect(after!.width).toBeGreaterThan(800);
    await page.screenshot({ path: join(ARTIFACTS, '69-vm-rdp-resized.png') });
  }, 420_000);

  it('has a clipboard both ways (xrdp in the guest), and no Files or Sound', async () => {
    const toolbar = page.getByRole('toolbar', { name: 'Desktop controls' });
    for (const name of ['Files', /sound/i]) expect(await toolbar.getByRole('button', { name }).count()).toBe(0);
    // The panel's text becomes the guest's X clipboard: a command there takes it as the desktop's colour.
    await toolbar.getByRole('button', { name: 'Clipboard' }).click();
    await page.getByLabel('Clipboard text').fill('blue');
    await page.getByRole('button', { name: 'Send to desktop' }).click();
    await page.getByRole('button', { name: 'Close clipboard' }).click();
    await page.locator('[data-testid="viewer"]').click({ position: { x: 300, y: 200 } });
    await page.keyboard.type('xsetroot -solid $(xclip -o -selection clipboard)', { delay: 40 });
    await page.keyboard.press('Enter');
    await until(
      'the desktop recoloured from the pasted clipboard',
      () => screen(page),
      (s) => s !== null && near(s.colour, 0x0000ff),
      60_000,
    );
    // What is copied in the guest shows in the panel.
    const copied = `copied-in-a-vm-${randomBytes(3).toString('hex')}`;
    await page.keyboard.type(`printf ${copied} | xclip -selection clipboard`, { delay: 40 });
    await page.keyboard.press('Enter');
    await toolbar.getByRole('button', { name: 'Clipboard' }).click();
    await until(
      'the guest copy in the clipboard panel',
      () => page.getByLabel('Clipboard text').inputValue(),
      (v) => v === copied,
      30_000,
    );
    await page.screenshot({ path: join(ARTIFACTS, '70-vm-rdp-clipboard.png') });
    await page.getByRole('button', { name: 'Close clipboard' }).click();
  }, 180_000);
});
