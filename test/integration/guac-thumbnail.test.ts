// Thumbnails of RDP sessions through a real guacd and a real xrdp desktop: an owner connection (this
// project's direct Guacamole client, not read-only) shows the desktop, grabGuacFrame joins it by the
// id guacd announced and must return the desktop's pixels (a solid red background), and the join is
// read-only and leaves the owner connected.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuacFramebuffer } from '../../server/display/guac-framebuffer.ts';
import { connectGuacd, GUAC_GRAB_LIMITS, grabGuacFrame, type GuacdConnection } from '../../server/display/guac-thumbnail.ts';
import { decodePng } from '../../server/display/png-decode.ts';
import { freePort } from '../helpers/xvnc.ts';
import { startXrdp, type XrdpHandle } from '../helpers/xrdp.ts';

const GUACD = '/root/.cache/deskport/guacd/current/sbin/guacd';

let guacd: ChildProcess | undefined;
let guacdPort = 0;
let xrdp: XrdpHandle | undefined;
let owner: GuacdConnection | undefined;
let ownerId = '';

async function startGuacd(): Promise<void> {
  if (!existsSync(GUACD)) throw new Error(`guacd is not built at ${GUACD}: run infra/guacd.sh with the release tarball`);
  guacdPort = await freePort();
  // Its protocol plugins are loaded by name, found through LD_LIBRARY_PATH (no run path for dlopen).
  const bin = realpathSync(GUACD);
  const env = { ...process.env, LD_LIBRARY_PATH: bin.replace(/\/sbin\/guacd$/, '/lib') };
  const child = spawn(bin, ['-f', '-b', '127.0.0.1', '-l', String(guacdPort), '-L', 'warning'], { detached: true, stdio: 'ignore', env });
  guacd = child;
  const exited = new Promise<never>((_, reject) => child.once('exit', (c) => reject(new Error(`guacd exited (${c})`))));
  exited.catch(() => undefined);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await Promise.race([
      exited,
      new Promise<boolean>((resolve) => {
        const s = net.connect(guacdPort, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      }),
    ]);
    if (up) return;
    if (Date.now() > deadline) throw new Error('guacd did not listen within 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopGroup(c: ChildProcess | undefined): Promise<void> {
  if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  process.kill(-c.pid, 'SIGTERM');
  const t = setTimeout(() => c.pid && process.kill(-c.pid, 'SIGKILL'), 5000);
  return gone.finally(() => clearTimeout(t));
}

/** Share of pixels within a small distance of (r, g, b). */
function share(png: Buffer, [r, g, b]: [number, number, number]): { share: number; width: number; height: number } {
  const img = decodePng(png);
  let n = 0;
  for (let i = 0; i < img.rgba.length; i += 4)
    if (Math.abs(img.rgba[i]! - r) < 24 && Math.abs(img.rgba[i + 1]! - g) < 24 && Math.abs(img.rgba[i + 2]! - b) < 24) n++;
  return { share: n / (img.width * img.height), width: img.width, height: img.height };
}

beforeAll(async () => {
  await startGuacd();
  xrdp = await startXrdp();
  await xrdp.x('xsetroot', ['-solid', '#ff0000']);
  const conn = connectGuacd(
    { host: '127.0.0.1', port: guacdPort },
    {
      selector: 'rdp',
      params: {
        hostname: '127.0.0.1',
        port: String(xrdp.port),
        security: 'tls',
        'ignore-cert': 'true',
        username: 'deskport',
        password: 'unchecked',
      },
      width: 1024,
      height: 768,
    },
  );
  owner = conn;
  ownerId = await conn.ready;
  // The owner has seen the red desktop: what a join then receives is that state.
  const fb = createGuacFramebuffer(GUAC_GRAB_LIMITS);
  await new Promise<void>((resolve, reject) => {
    void conn.ended.then(reject);
    conn.onInstruction((ins) => {
      fb.apply(ins.opcode, ins.args);
      if (ins.opcode !== 'sync' || fb.width() === 0) return;
      const px = fb.toBgrx();
      const mid = ((fb.height() >> 1) * fb.width() + (fb.width() >> 1)) * 4;
      if (px[mid + 2]! > 200 && px[mid + 1]! < 40 && px[mid]! < 40) resolve();
    });
  });
}, 90_000);

afterAll(async () => {
  owner?.close();
  await xrdp?.stop();
  await stopGroup(guacd);
});

describe('grabGuacFrame against guacd and xrdp', () => {
  it('joins the owner’s connection and returns a thumbnail of its display', async () => {
    expect(ownerId).toMatch(/^\$/);
    const png = await grabGuacFrame({ host: '127.0.0.1', port: guacdPort }, ownerId, 320);
    const s = share(png, [255, 0, 0]);
    expect(s.width).toBeLessThanOrEqual(320);
    expect(s.width).toBeGreaterThan(100);
    expect(s.height).toBeGreaterThan(50);
    expect(s.share).toBeGreaterThan(0.9);
  });

  it('sees the desktop change, and leaves the owner connected', async () => {
    await xrdp!.x('xsetroot', ['-solid', '#0000ff']);
    // The owner receives the change as ordinary updates; a new join then shows it.
    let s = { share: 0, width: 0, height: 0 };
    const deadline = Date.now() + 20_000;
    while (s.share < 0.9 && Date.now() < deadline) {
      s = share(await grabGuacFrame({ host: '127.0.0.1', port: guacdPort }, ownerId, 200), [0, 0, 255]);
    }
    expect(s.width).toBeLessThanOrEqual(200);
    expect(s.share).toBeGreaterThan(0.9);
    const alive = await Promise.race([owner!.ended.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 200))]);
    expect(alive).toBe(true);
  });

  it('fails with guacd’s refusal for a connection id that does not exist', async () => {
    await expect(grabGuacFrame({ host: '127.0.0.1', port: guacdPort }, '$00000000-0000-0000-0000-000000000000', 320)).rejects.toThrow(
      /guacd/,
    );
  });
});
