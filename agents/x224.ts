// Readiness of an RDP desktop (xrdp), for every driver: it is up when xrdp answers an RDP X.224
// Connection Request with a Connection Confirm, not when something accepts the connection. The
// counterpart of banner.ts (RFB) for desktops created with protocol 'rdp'.
import { connect, type NetConnectOpts } from 'node:net';
import type { VncTarget, WaitOptions } from './banner.ts';

/** TPKT + X.224 Connection Request carrying an RDP Negotiation Request for TLS | HYBRID ([MS-RDPBCGR] 2.2.1.1). */
export const X224_CONNECTION_REQUEST = Buffer.from('030000130ee000000000000100080003000000', 'hex');

/** True when `b` starts with a TPKT (version 3) carrying an X.224 Connection Confirm (code 0xD0). */
export function isConnectionConfirm(b: Buffer): boolean {
  return b.length >= 7 && b[0] === 3 && b[1] === 0 && b.readUInt16BE(2) >= 11 && ((b[5] ?? 0) & 0xf0) === 0xd0;
}

const opts = (t: VncTarget): NetConnectOpts => ('port' in t ? { host: '127.0.0.1', port: t.port } : { path: t.path });
const describe = (t: VncTarget): string => ('port' in t ? `127.0.0.1:${t.port}` : t.path);

/** Connects once, sends a Connection Request; true if the answer is a Connection Confirm. */
export function probeX224(target: VncTarget, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(opts(target));
    let got = Buffer.alloc(0);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write(X224_CONNECTION_REQUEST));
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 7) done(isConnectionConfirm(got));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

/** Polls until xrdp confirms a connection. Resolves null when ready, or the reason it is not. */
export async function waitForX224(target: VncTarget, o: WaitOptions): Promise<string | null> {
  const deadline = Date.now() + o.timeoutMs;
  let nextCheck = 0;
  for (let delay = 10; ; delay = Math.min(delay * 2, 50)) {
    if (o.signal?.aborted) return 'aborted';
    if (Date.now() >= nextCheck) {
      const reason = await o.gaveUp();
      if (reason) return reason;
      nextCheck = Date.now() + (o.gaveUpEveryMs ?? 0);
    }
    const left = deadline - Date.now();
    if (left <= 0) return `no X.224 Connection Confirm on ${describe(target)} after ${o.timeoutMs} ms`;
    if (await probeX224(target, Math.min(1_000, left))) return null;
    await new Promise((r) => setTimeout(r, delay));
  }
}
