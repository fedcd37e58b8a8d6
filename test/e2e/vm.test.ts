// End to end in Chromium with a VM desktop: a real gateway, a real `bin/deskport agent --driver qemu`
// process and real QEMU (TCG on this kind of machine) booting the Debian desktop VM image
// (`image build --kind vm`: X, openbox and a terminal). The portal launches the VM pool with its boot
// progress on the screen, the viewer shows the guest's desktop (its slate background and the white
// terminal), and what is typed in the page reaches the terminal's shell: it writes a line to the
// guest's serial console, which QEMU keeps in the desktop's console.log.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVmImage } from '../../agents/qemu/images.ts';
import { vmPaths } from '../../agents/qemu/vm.ts';
import { ARTIFACTS, launchChromium, recordLaunch, waitForFirstFrame } from '../helpers/browser.ts';
import type { TestAgent } from '../helpers/cluster.ts';
import { endLiveSessions, type Api, type TestGateway } from '../helpers/gateway.ts';
import { signInPage } from './docker-pool.ts';
import { startVmRig, stopVmRig, type VmRig } from './vm-rig.ts';

const POOL = 'VM desktop';
let rig: VmRig | undefined;
let t: TestGateway;
let admin: Api;
let host: TestAgent;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await buildVmImage({ kind: 'vm' }); // infra/setup.sh built it; seconds when cached
  rig = await startVmRig('vm-e2e', {
    name: POOL,
    description: 'A virtual machine of your own: Debian with openbox and a terminal.',
    protocol: 'vnc',
    image: 'vm',
    memoryMb: 512,
  });
  ({ t, admin, host } = rig);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await stopVmRig(rig);
}, 60_000);

/** The viewer canvas's most common colour and its share; and how many colours a sample holds. */
const mostCommonShare = (p: Page) =>
  p.evaluate(() => {
    const c = document.querySelector('[data-testid="viewer"] canvas') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map<number, number>();
    for (let i = 0; i < d.length; i += 4 * 7) {
      const k = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    let best = 0;
    let colour = 0;
    for (const [k, n] of counts) if (n > best) [best, colour] = [n, k];
    const white = counts.get(0xffffff) ?? 0;
    return { share: best / (d.length / 4 / 7), colour, white: white / (d.length / 4 / 7), colours: counts.size };
  });

describe('a VM desktop in the browser (qemu driver, TCG)', () => {
  it('launches from the portal with boot progress, shows the guest desktop and takes typing', async () => {
    await signInPage(page, t.url);
    const launch = page.getByRole('button', { name: `Launch ${POOL}` });
    await launch.waitFor();
    await page.screenshot({ path: join(ARTIFACTS, '60-desktops-with-vm.png') });
    const clicked = Date.now();
    await launch.click();
    // A TCG boot takes seconds: the launch progress says what is happening meanwhile.
    await page.getByText('Booting the VM').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(ARTIFACTS, '61-vm-booting.png') });
    await waitForFirstFrame(page, 170_000);
    recordLaunch('cold VM (vm image, TCG)', Date.now() - clicked);
    await page.waitForTimeout(500);
    const screen = await mostCommonShare(page);
    expect(screen.colour).toBe(0x2d3b4e); // the session's slate background
    expect(screen.share).toBeGreaterThan(0.4);
    expect(screen.white).toBeGreaterThan(0.1); // the terminal
    // A VM has no file home, sound channel or clipboard bridge: its toolbar offers none of them.
    const toolbar = page.getByRole('toolbar', { name: 'Desktop controls' });
    await toolbar.getByRole('button', { name: 'Ctrl+Alt+Del' }).waitFor();
    for (const name of ['Clipboard', 'Files', /sound/i]) expect(await toolbar.getByRole('button', { name }).count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, '62-vm-desktop.png') });

    const sessionId = await page.evaluate(() => window.__deskport!.sessionId);
    const sessions = (await admin.get('/api/v1/admin/sessions')).body as { id: string; desktopId: string }[];
    const desktopId = sessions.find((s) => s.id === sessionId)!.desktopId;
    const consoleLog = vmPaths(host.stateDir, desktopId).console;
    const word = `typed-in-a-vm-${randomBytes(3).toString('hex')}`;
    await page.locator('[data-testid="viewer"] canvas').click({ position: { x: 300, y: 200 } });
    // As a person types it: '>' is Shift and the '.' key (QEMU gets scancodes, so a bare '>' keysym would be '.').
    await page.keyboard.type(`echo ${word} `, { delay: 30 });
    await page.keyboard.press('Shift+Period');
    await page.keyboard.type(' /dev/ttyS0', { delay: 30 });
    await page.keyboard.press('Enter');
    const deadline = Date.now() + 30_000;
    let serial = '';
    // The command line itself shows in the terminal only; the serial console gets the output.
    while (!serial.includes(word) && Date.now() < deadline) {
      serial = await readFile(consoleLog, 'utf8');
      if (!serial.includes(word)) await new Promise((r) => setTimeout(r, 250));
    }
    expect(serial).toContain(word);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, '63-vm-typed.png') });
  }, 300_000);

  it("shows the VM's disk on the Hosts page and on Live sessions", async () => {
    const admin2 = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await signInPage(admin2, t.url);
      await admin2.getByRole('button', { name: `Resume ${POOL}` }).waitFor(); // signed in; the VM still runs
      await admin2.goto(`${t.url}/admin/hosts`);
      const disk = admin2.getByTestId(`host-row-${host.hostId}`).getByTestId('host-disk');
      await disk.waitFor({ timeout: 15_000 });
      expect(await disk.textContent()).toMatch(/^VM disks \d+(\.\d)? (KiB|MiB|GiB)$/);
      await admin2.screenshot({ path: join(ARTIFACTS, '64-vm-hosts-disk.png') });
      await admin2.goto(`${t.url}/admin/sessions`);
      const sessionDisk = admin2.getByTestId('session-disk').first();
      await sessionDisk.waitFor({ timeout: 15_000 });
      expect(await sessionDisk.textContent()).toMatch(/^disk \d+(\.\d)? (KiB|MiB|GiB)$/);
      await admin2.screenshot({ path: join(ARTIFACTS, '65-vm-sessions-disk.png') });
    } finally {
      await admin2.close();
    }
  }, 60_000);

  it('a pool whose base image is not on the host: the launch page says why, once, and what to do', async () => {
    await endLiveSessions(admin); // the host has room for one VM, which the first test's still holds
    const r = await admin.post('/api/v1/admin/pools', {
      name: 'Missing image',
      driver: 'qemu',
      protocol: 'vnc',
      image: '/srv/deskport-nowhere/missing.qcow2',
      cpu: 1,
      memoryMb: 256,
    });
    expect(r.status).toBe(201);
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await signInPage(p, t.url);
      await p.getByRole('button', { name: 'Launch Missing image' }).click();
      const error = p.getByTestId('launch-error');
      await error.waitFor({ timeout: 30_000 });
      const text = (await error.textContent()) ?? '';
      expect(text).toContain('base image /srv/deskport-nowhere/missing.qcow2 not found on this host');
      const page = (await p.locator('main').textContent()) ?? '';
      expect(page.match(/tell your admin/g)).toHaveLength(1); // the advice once, not twice
      // No step is claimed as the one it stopped at unless the page heard it.
      const marks = await p
        .getByTestId('launch-steps')
        .locator('[data-mark]')
        .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}:${e.getAttribute('data-mark')}`));
      const failedAt = marks.filter((m) => m.endsWith(':failed'));
      expect(failedAt.length === 0 || !failedAt[0]!.startsWith('queued:'), marks.join(' ')).toBe(true);
      await p.screenshot({ path: join(ARTIFACTS, 'vm-missing-image.png') });
    } finally {
      await p.close();
    }
  }, 60_000);
});
