// Test support for the process driver's integration tests: a temporary data dir, a cleanup that stops
// every desktop recorded in it (even after a failed test), and a tiny TCP VNC client to log in and grab pixels.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vncAuthResponse } from '../../server/rfb/vncauth.ts';
import { readBytes } from '../driver.contract.ts';
import { createProcessDriver } from './driver.ts';
import { layout, readAllStates } from './layout.ts';
import { stopProcesses } from './procfs.ts';

export function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'deskport-process-'));
}

/** Destroys every desktop recorded under dataDir, kills by recorded uid whatever a broken destroy left,
 *  and removes the directory. Never touches processes of uid 0 or of this test process's uid. */
export async function removeAllDesktops(dataDir: string): Promise<void> {
  const driver = createProcessDriver({ dataDir });
  for (const h of await driver.list().catch(() => [])) await driver.destroy(h.desktopId).catch(() => undefined);
  await driver.close();
  const me = process.getuid?.() ?? 0;
  for (const s of await readAllStates(layout(dataDir))) {
    if (s.uid === 0 || s.uid === me) continue;
    await stopProcesses({ graceMs: 500, select: (procs) => procs.filter((p) => p.uid === s.uid) });
  }
  await rm(dataDir, { recursive: true, force: true });
}

export interface VncSession {
  width: number;
  height: number;
  socket: Socket;
}

/** RFB 3.8 handshake with VncAuth over the given socket. Rejects with the server's reason on failure. */
export async function vncLogin(socket: Socket, password: string): Promise<VncSession> {
  const version = (await readBytes(socket, 12)).toString('latin1');
  if (!version.startsWith('RFB 003.')) throw new Error(`not RFB: ${JSON.stringify(version)}`);
  socket.write('RFB 003.008\n');
  const count = (await readBytes(socket, 1))[0] ?? 0;
  const types = [...(await readBytes(socket, count))];
  if (!types.includes(2)) throw new Error(`no VncAuth offered: ${types.join()}`);
  socket.write(Buffer.from([2]));
  socket.write(vncAuthResponse(await readBytes(socket, 16), password));
  if ((await readBytes(socket, 4)).readUInt32BE(0) !== 0) {
    const len = (await readBytes(socket, 4)).readUInt32BE(0);
    throw new Error(`VncAuth failed: ${(await readBytes(socket, len)).toString('utf8')}`);
  }
  socket.write(Buffer.from([1])); // ClientInit, shared
  const init = await readBytes(socket, 24);
  await readBytes(socket, init.readUInt32BE(20)); // desktop name
  socket.write(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0])); // SetEncodings: raw only
  return { width: init.readUInt16BE(0), height: init.readUInt16BE(2), socket };
}

/** Requests the full screen; returns pixel counts by colour (as 0xRRGGBB, server's default 32bpp LE format). */
export async function grabColours(s: VncSession): Promise<Map<number, number>> {
  const req = Buffer.from([3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  req.writeUInt16BE(s.width, 6);
  req.writeUInt16BE(s.height, 8);
  s.socket.write(req);
  const colours = new Map<number, number>();
  for (;;) {
    const type = (await readBytes(s.socket, 1))[0];
    if (type === 2) continue; // Bell
    if (type !== 0) throw new Error(`unexpected server message ${type}`);
    const rects = (await readBytes(s.socket, 3)).readUInt16BE(1);
    for (let i = 0; i < rects; i++) {
      const r = await readBytes(s.socket, 12);
      if (r.readInt32BE(8) !== 0) throw new Error(`unexpected encoding ${r.readInt32BE(8)}`);
      const px = await readBytes(s.socket, r.readUInt16BE(4) * r.readUInt16BE(6) * 4, 15_000);
      for (let o = 0; o < px.length; o += 4) {
        const c = px.readUInt32LE(o) & 0xffffff;
        colours.set(c, (colours.get(c) ?? 0) + 1);
      }
    }
    return colours;
  }
}

export function dialVnc(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}
