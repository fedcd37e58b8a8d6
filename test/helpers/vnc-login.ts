// A tiny TCP VNC client for driver integration tests: logs in with VncAuth (the gateway's own DES,
// so a driver's password file is checked against what the relay will send) and counts pixel colours.
import type { Socket } from 'node:net';
import { readBytes } from '../../agents/driver.contract.ts';
import { vncAuthResponse } from '../../server/rfb/vncauth.ts';

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
