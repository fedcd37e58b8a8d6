// An independent RDP client through the gateway's own display forward (issue 12: "xfreerdp under
// Xvfb as an independent client through the forward"): an RDP desktop of the process driver (Xorg +
// xorgxrdp + xrdp on a unix socket), its stream as the gateway's link, openForward's one loopback
// connection, and xfreerdp pointed at it where guacd would be. The peer check is bound to
// xfreerdp's pid, so the real /proc lookup accepts a real RDP client.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessDriver, type ProcessDriver } from '../../agents/process/driver.ts';
import { removeAllDesktops, tempDataDir } from '../../agents/process/testing.ts';
import { openForward, type Forward } from '../../server/display/forward.ts';
import { guacdOnly } from '../../server/display/peer-check.ts';
import { createLogger } from '../../server/log.ts';
import { socketLink } from '../../server/relay/desktop-link.ts';
import { countColour, killGroup, screenshot, startXvfb } from '../helpers/xvfb.ts';

const SLATE = 0x2d3b4e; // the desktop's background (agents/process/start.ts)
const W = 800;
const H = 600;

let dataDir: string;
let driver: ProcessDriver;
let fwd: Forward | undefined;
const groups: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = await tempDataDir();
  driver = createProcessDriver({ dataDir });
});

afterAll(async () => {
  fwd?.close('test over');
  for (const c of groups) killGroup(c.pid);
  await removeAllDesktops(dataDir);
});

describe('xfreerdp through the display forward', () => {
  it('sees the desktop through the one-connection forward guacd uses; the forward takes no second client', async () => {
    const desktopId = `rdp-${randomBytes(4).toString('hex')}`;
    await driver.create({ desktopId, secret: randomBytes(9).toString('base64url'), persistence: 'pooled', protocol: 'rdp' });
    let client: ChildProcess | undefined;
    // What the forward and xfreerdp said, for the error when xfreerdp gives up.
    const said: string[] = [];
    fwd = await openForward({
      link: socketLink(await driver.openStream(desktopId, 'rdp')),
      log: createLogger({ level: 'debug', destination: new Writable({ write: (c: Buffer, _e, cb) => (said.push(c.toString()), cb()) }) }),
      ...guacdOnly(
        () => client?.pid,
        () => undefined,
      ),
    });
    const display = await startXvfb(groups);
    client = spawn(
      'xfreerdp',
      [
        `/v:127.0.0.1:${fwd.port}`,
        '/cert:ignore',
        '/sec:tls',
        '/u:deskport',
        '/p:unused',
        `/size:${W}x${H}`,
        '/bpp:24',
        '-grab-keyboard',
        '/log-level:WARN',
      ],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dataDir, DISPLAY: `:${display}` },
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    groups.push(client);
    client.stderr!.on('data', (d: Buffer) => said.push(d.toString()));
    const exited = new Promise<string>((resolve) => client!.once('exit', (code, sig) => resolve(`xfreerdp exited (${code ?? sig})`)));
    // What xfreerdp draws in its window on Xvfb: the slate background xrdp serves.
    let slate = 0;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && slate < W * H * 0.1;) {
      const gone = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 500))]);
      if (gone) throw new Error(`${gone}: ${said.join('').slice(-2000)}`);
      slate = countColour(await screenshot(display), SLATE);
    }
    expect(slate).toBeGreaterThan(W * H * 0.1);
    // The desktop took the client's size: the session is xfreerdp's, through the forward.
    expect((await driver.runInDesktop(desktopId, ['sh', '-c', 'xdpyinfo | grep dimensions'])).stdout).toMatch(/800x600 pixels/);
    // One connection only: the listener is gone while xfreerdp holds it.
    const second = connect(fwd.port, '127.0.0.1');
    const [err] = (await once(second, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
    killGroup(client.pid);
    expect(await fwd.done).toMatch(/closed the forwarded connection|target stream ended/);
    await driver.destroy(desktopId);
  }, 90_000);
});
