// RDP VM desktops under the real qemu driver and QEMU (TCG here): the Debian desktop image booted with
// deskport.protocol=rdp serves xrdp with sesman; the driver forwards an ephemeral port on the host's
// loopback to the guest's RDP port and sets the guest login of user deskport to the desktop's secret
// through QEMU's guest agent, which also starts the session ahead. xfreerdp (a real RDP client, under
// Xvfb) logs in with that secret and sees the session's slate desktop; with another password it gets
// xrdp's login dialog and no session.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { countColour, killGroup, screenshot, startXvfb } from '../../test/helpers/xvfb.ts';
import type { DesktopSpec } from '../driver.ts';
import { isConnectionConfirm, X224_CONNECTION_REQUEST } from '../x224.ts';
import { createQemuDriver, type QemuDriver } from './driver.ts';
import { guestExec } from './qga.ts';
import { buildVmImage } from './images.ts';
import { prepareTestImage, removeAllVms, tempStateDir } from './testing.ts';
import { readState } from './vm.ts';

// A TCG boot of the image takes 20-45 s here, a first sesman login some seconds more.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 900_000 });

const SLATE = 0x2d3b4e; // the session's xsetroot colour
const XRDP_DIALOG = 0x009cb5; // xrdp.ini's ls_top_window_bg_color: its login dialog
const W = 800;
const H = 600;

const stateDir = await tempStateDir();
let driver: QemuDriver;
let home: string;
const groups: ChildProcess[] = [];
beforeAll(async () => {
  await buildVmImage({ kind: 'vm', log: { debug() {}, info: (_o, msg) => console.info(`[vm-image] ${msg ?? ''}`) } });
  await prepareTestImage();
  home = await mkdtemp(join(tmpdir(), 'dp-xfreerdp-'));
  driver = createQemuDriver({ stateDir });
});
afterAll(async () => {
  for (const g of groups) killGroup(g.pid);
  await driver?.close();
  await removeAllVms(stateDir);
  if (home) await rm(home, { recursive: true, force: true });
});

const spec: DesktopSpec = {
  desktopId: `qr-${randomBytes(4).toString('hex')}`,
  secret: randomBytes(12).toString('base64url'),
  persistence: 'pooled',
  protocol: 'rdp',
  image: 'vm',
  memoryMb: 512,
  cpu: 1,
};

/** The first bytes xrdp answers to an X.224 Connection Request on a stream. */
async function x224Answer(socket: Socket): Promise<Buffer> {
  socket.write(X224_CONNECTION_REQUEST);
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return chunk;
}

/** xfreerdp on its own Xvfb against the forward, its screen read every second: resolves the most pixels
 *  of each of `colours` seen at once, as soon as `until` holds for those, or when `ms` have passed. */
async function rdpLogin(
  port: number,
  password: string,
  until: (counts: number[]) => boolean,
  ms: number,
  colours: number[],
): Promise<number[]> {
  const display = await startXvfb(groups);
  const said: string[] = [];
  const client = spawn(
    'xfreerdp',
    [
      `/v:127.0.0.1:${port}`,
      '/cert:ignore',
      '/sec:tls',
      '/u:deskport',
      `/p:${password}`,
      `/size:${W}x${H}`,
      '/bpp:24',
      '-grab-keyboard',
      '/log-level:WARN',
    ],
    {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, DISPLAY: `:${display}` },
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  groups.push(client);
  client.stderr!.on('data', (d: Buffer) => said.push(d.toString()));
  const exited = new Promise<string>((resolve) => client.once('exit', (code, sig) => resolve(`xfreerdp exited (${code ?? sig})`)));
  let counts = colours.map(() => 0);
  try {
    for (const deadline = Date.now() + ms; Date.now() < deadline && !until(counts);) {
      const gone = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 1_000))]);
      if (gone) throw new Error(`${gone}: ${said.join('').slice(-2000)}`);
      const shot = await screenshot(display);
      counts = colours.map((c, i) => Math.max(counts[i] ?? 0, countColour(shot, c)));
    }
    return counts;
  } finally {
    killGroup(client.pid);
  }
}

describe('an RDP VM desktop', () => {
  it('boots serving RDP through a forward on the host loopback only, and no VNC', async () => {
    expect(await driver.create(spec)).toMatchObject({ desktopId: spec.desktopId, state: 'running' });
    const s = await readState(driver.pathsOf(spec.desktopId));
    expect(s).toMatchObject({ protocol: 'rdp', rdpPort: expect.any(Number) });
    expect(isConnectionConfirm(await x224Answer(await driver.openStream(spec.desktopId, 'rdp')))).toBe(true);
    await expect(driver.openStream(spec.desktopId, 'vnc')).rejects.toMatchObject({ code: 'unsupported_channel' });
    await expect(driver.openStream(spec.desktopId)).rejects.toMatchObject({ code: 'unsupported_channel' });
    expect(await stat(driver.pathsOf(spec.desktopId).vnc).catch(() => null)).toBeNull();
    // The session was started ahead (xrdp-sesrun through the guest agent): its Xorg runs as deskport, openbox manages a window.
    const running = await guestExec(
      driver.pathsOf(spec.desktopId).qga,
      '/bin/sh',
      ['-c', 'pgrep -u deskport -x Xorg && pgrep -u deskport -x openbox'],
      '',
      10_000,
    );
    expect(running.code).toBe(0);
    // QEMU listens for the forward on 127.0.0.1 only: /proc/net/tcp shows 0100007F:<port> in LISTEN (0A).
    const hexPort = s!.rdpPort!.toString(16).toUpperCase().padStart(4, '0');
    const listening = (await readFile('/proc/net/tcp', 'utf8')).split('\n').filter((l) => l.includes(`:${hexPort} 00000000:0000 0A`));
    expect(listening.map((l) => l.trim().split(/\s+/)[1])).toEqual([`0100007F:${hexPort}`]);
    // And nothing on IPv6 on that port.
    const v6 = (await readFile('/proc/net/tcp6', 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => / 0A /.test(l) && l.includes(`:${hexPort} `));
    expect(v6).toEqual([]);
  });

  it("logs in with the desktop's secret only: another password gets xrdp's dialog, the secret the session", async () => {
    const port = (await readState(driver.pathsOf(spec.desktopId)))!.rdpPort!;
    // Watched for 25 s in all: the dialog comes (with sesman's refusal), a session never does.
    const [wrongSlate, wrongDialog] = await rdpLogin(port, 'not-the-secret', () => false, 25_000, [SLATE, XRDP_DIALOG]);
    expect(wrongDialog).toBeGreaterThan(2_000);
    expect(wrongSlate).toBe(0);
    const [slate] = await rdpLogin(port, spec.secret, ([n]) => (n ?? 0) > W * H * 0.1, 120_000, [SLATE]);
    expect(slate).toBeGreaterThan(W * H * 0.1);
    // The login attached to the session started ahead: still one Xorg of deskport in the guest.
    const xorgs = await guestExec(driver.pathsOf(spec.desktopId).qga, '/bin/sh', ['-c', 'pgrep -c -u deskport -x Xorg'], '', 10_000);
    expect(xorgs.output.trim()).toBe('1');
  });

  it('is re-adopted by a new driver instance, which reaches its RDP', async () => {
    const second = createQemuDriver({ stateDir });
    expect(await second.inspect(spec.desktopId)).toMatchObject({ state: 'running' });
    expect(isConnectionConfirm(await x224Answer(await second.openStream(spec.desktopId, 'rdp')))).toBe(true);
    await second.close();
  });

  it('destroy ends the VM and its forward', async () => {
    const port = (await readState(driver.pathsOf(spec.desktopId)))!.rdpPort!;
    await driver.destroy(spec.desktopId);
    expect(await driver.inspect(spec.desktopId)).toBeNull();
    const refused = connect(port, '127.0.0.1');
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
  });

  it('refuses rdp on the vm-test image (VNC only) before anything starts', async () => {
    const id = `qr-${randomBytes(4).toString('hex')}`;
    await expect(driver.create({ ...spec, desktopId: id, image: 'vm-test' })).rejects.toThrow(/vm-test serves VNC only/);
    expect(await stat(driver.pathsOf(id).dir).catch(() => null)).toBeNull();
  });
});
