// A display or file stream's dial-back: the agent opens a WebSocket to the gateway that asked
// (docs/agent-protocol.md, "Streams"), presenting the stream's one-time key.
import { WebSocket } from 'ws';

/**
 * Display streams carry almost all bytes. RFC 6455 makes a client mask every frame, which costs a
 * copy and an XOR per byte here and an XOR per byte in the gateway; the mask protects proxies that
 * parse plaintext from script-chosen bytes. Over TLS or loopback no such proxy can see the frames,
 * so there a zero mask (which ws skips on both ends) is as safe and several times cheaper.
 */
function unmaskedStreams(wsBase: string): boolean {
  const host = new URL(wsBase).hostname;
  return wsBase.startsWith('wss:') || host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}
const zeroMask = (mask: Uint8Array): void => void mask.fill(0);

/** Dials stream `streamId` back to the gateway at `wsBase` (ws(s)://host:port); `attach` runs inside 'open'. */
export function dialStreamBack(wsBase: string, streamId: string, key: string, attach: (ws: WebSocket) => void): Promise<WebSocket> {
  const back = new WebSocket(`${wsBase}/agent/v1/streams/${streamId}`, {
    headers: { 'x-deskport-stream-key': key },
    perMessageDeflate: false,
    handshakeTimeout: 10_000,
    ...(unmaskedStreams(wsBase) ? { generateMask: zeroMask } : {}),
  });
  return new Promise<WebSocket>((resolve, reject) => {
    // Attached inside 'open', not after the await: a frame the gateway sends right behind the
    // upgrade answer is emitted before a promise continuation runs, and would be lost (a client
    // that speaks first, like guacd's RDP, then waits forever; measured by bench/rdp.ts).
    back.once('open', () => {
      attach(back);
      resolve(back);
    });
    back.once('error', reject);
    back.once('unexpected-response', () => reject(new Error('the gateway refused the stream')));
  }).catch((err: Error) => {
    back.terminate();
    throw err;
  });
}
