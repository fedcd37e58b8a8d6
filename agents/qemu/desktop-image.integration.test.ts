// The Debian desktop VM image (`image build --kind vm`, infra/images/vm/) under the real qemu driver
// and QEMU (TCG on this kind of machine): create() resolves once openbox manages the terminal, the
// screen is the pool's size with the slate background and the white terminal, typing reaches the
// terminal's shell, and a personal disk keeps a file across two desktops of the same person (the
// guest powers off cleanly on the ACPI button, so what it wrote is on the overlay).
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { grabColours, vncLogin, type VncSession } from '../../test/helpers/vnc-login.ts';
import type { DesktopSpec } from '../driver.ts';
import { stillRunning } from '../process/procfs.ts';
import { createQemuDriver, type QemuDriver } from './driver.ts';
import { buildVmImage } from './images.ts';
import { removeAllVms, tempStateDir } from './testing.ts';
import { personalOverlay, readAllStates } from './vm.ts';

// A TCG boot of this image takes 20-45 s on a 2-core machine; a first build (infra/setup.sh does it) minutes.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 900_000 });

const stateDir = await tempStateDir();
let driver: QemuDriver;
beforeAll(async () => {
  const r = await buildVmImage({ kind: 'vm', log: { debug() {}, info: (_o, msg) => console.info(`[vm-image] ${msg ?? ''}`) } });
  console.info(`[vm-image] vm: ${r.cached ? 'cached' : 'built'} in ${r.seconds} s (${r.dir})`);
  driver = createQemuDriver({ stateDir, stopGraceMs: 60_000 });
});
afterAll(async () => {
  await driver?.close();
  await removeAllVms(stateDir);
});

const SLATE = 0x2d3b4e; // the session's xsetroot colour
const spec = (over: Partial<DesktopSpec> = {}): DesktopSpec => ({
  desktopId: `qi-${randomBytes(4).toString('hex')}`,
  secret: randomBytes(9).toString('base64url'),
  persistence: 'pooled',
  image: 'vm',
  memoryMb: 512,
  cpu: 1,
  ...over,
});

const key = (socket: Socket, keysym: number, down: boolean): void => {
  const m = Buffer.alloc(8);
  m[0] = 4;
  m[1] = down ? 1 : 0;
  m.writeUInt32BE(keysym, 4);
  socket.write(m);
};
const SHIFTED = /[A-Z~!@#$%^&*()_+{}|:"<>?]/;
const SHIFT_L = 0xffe1;

/** Types printable ASCII ('\n' is Return) as a US keyboard would: QEMU's VNC server turns each keysym into
 *  the scancode of its key, so a shifted character needs Shift held, as a person (and noVNC) sends it. */
async function type(socket: Socket, text: string): Promise<void> {
  for (const ch of text) {
    const keysym = ch === '\n' ? 0xff0d : ch.charCodeAt(0);
    const shift = SHIFTED.test(ch);
    if (shift) key(socket, SHIFT_L, true);
    key(socket, keysym, true);
    key(socket, keysym, false);
    if (shift) key(socket, SHIFT_L, false);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** Waits for text on the guest's serial console (QEMU writes it to the desktop's console.log). */
async function serialShows(desktopId: string, text: string, ms = 60_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await readFile(driver.pathsOf(desktopId).console, 'utf8').catch(() => '')).includes(text)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

describe('the Debian desktop VM image', () => {
  let session: VncSession | undefined;
  afterAll(() => session?.socket.destroy());

  it("boots to openbox and a terminal at the pool's screen size, and takes typing", async () => {
    const s = spec({ width: 1440, height: 900 });
    const t0 = performance.now();
    await driver.create(s);
    console.info(`qemu vm image create() -> terminal up: ${(performance.now() - t0).toFixed(0)} ms`);
    session = await vncLogin(await driver.openStream(s.desktopId), s.secret);
    expect([session.width, session.height]).toEqual([1440, 900]);
    const colours = await grabColours(session);
    const total = 1440 * 900;
    expect(colours.get(SLATE) ?? 0).toBeGreaterThan(total * 0.4); // the desktop's background, not a console
    expect(colours.get(0xffffff) ?? 0).toBeGreaterThan(total * 0.1); // the terminal
    const word = `typed-in-the-vm-${randomBytes(3).toString('hex')}`;
    await type(session.socket, `echo ${word} > /dev/ttyS0\n`);
    expect(await serialShows(s.desktopId, word)).toBe(true);
    session.socket.destroy();
    await driver.destroy(s.desktopId);
  });

  it("keeps a person's disk: a file written in one desktop is there in the next", async () => {
    const homeKey = `u-${randomBytes(4).toString('hex')}`;
    const first = spec({ persistence: 'personal', homeKey });
    await driver.create(first);
    const a = await vncLogin(await driver.openStream(first.desktopId), first.secret);
    const word = `kept-${randomBytes(3).toString('hex')}`;
    await type(a.socket, `echo ${word} > /root/kept.txt && echo written-${word} > /dev/ttyS0\n`);
    expect(await serialShows(first.desktopId, `written-${word}`)).toBe(true);
    a.socket.destroy();
    const t0 = performance.now();
    await driver.destroy(first.desktopId); // the ACPI power button: the guest syncs and powers off
    console.info(`qemu vm image personal destroy() (guest power-off): ${(performance.now() - t0).toFixed(0)} ms`);

    const second = spec({ persistence: 'personal', homeKey });
    await driver.create(second);
    const b = await vncLogin(await driver.openStream(second.desktopId), second.secret);
    await type(b.socket, 'cat /root/kept.txt > /dev/ttyS0\n');
    expect(await serialShows(second.desktopId, word)).toBe(true);
    b.socket.destroy();
    await driver.destroy(second.desktopId);
    expect((await stat(personalOverlay(stateDir, homeKey))).size).toBeGreaterThan(0); // the disk stays for next time
    for (const st of await readAllStates(stateDir)) expect(await stillRunning({ pid: st.pid, start: st.pidStart })).toBe(false);
  });
});
