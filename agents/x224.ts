// Readiness of an RDP desktop (xrdp), for every driver: it is up when xrdp answers an RDP X.224
// Connection Request with a Connection Confirm, not when something accepts the connection. The
// counterpart of banner.ts (RFB) for desktops created with protocol 'rdp'.
import { probeServer, waitForServer, type ReadyProbe, type VncTarget, type WaitOptions } from './banner.ts';

/** TPKT + X.224 Connection Request carrying an RDP Negotiation Request for TLS | HYBRID ([MS-RDPBCGR] 2.2.1.1). */
export const X224_CONNECTION_REQUEST = Buffer.from('030000130ee000000000000100080003000000', 'hex');

/** True when `b` starts with a TPKT (version 3) carrying an X.224 Connection Confirm (code 0xD0). */
export function isConnectionConfirm(b: Buffer): boolean {
  return b.length >= 7 && b[0] === 3 && b[1] === 0 && b.readUInt16BE(2) >= 11 && ((b[5] ?? 0) & 0xf0) === 0xd0;
}

const X224_CONFIRM: ReadyProbe = { what: 'X.224 Connection Confirm', send: X224_CONNECTION_REQUEST, need: 7, ok: isConnectionConfirm };

/** Polls until xrdp confirms a connection. Resolves null when ready, or the reason it is not. */
export const waitForX224 = (target: VncTarget, o: WaitOptions): Promise<string | null> => waitForServer(target, X224_CONFIRM, o);
