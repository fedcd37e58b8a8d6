// The bench's byte protocol on top of RFB, shared by the fake VNC server and the bench clients.
// After a normal RFB 3.8 handshake the client drives the server with ClientFence messages (type
// 248, forwarded by the relay in control mode) whose payload is a command; the server answers with
// ServerFence messages and streams raw FramebufferUpdates. Every byte is valid RFB, so the
// Deskport relay parses the client side exactly as it parses noVNC's.

/** Password of the fake server's plain port (direct TCP and websockify clients authenticate with it). */
export const PLAIN_PASSWORD = 'benchpw1';
/** The driver port expects this line before the RFB handshake: `DPB1 <secret>\n` (bench fixture only). */
export const PREAMBLE_TAG = 'DPB1 ';

export const FENCE = 248;
export const FBU = 0;
/** FramebufferUpdate header (4) + one rectangle header (12). */
export const UPDATE_HEADER = 16;
export const PING_PAYLOAD = 16;
/** ServerFence: type, 3 padding, u32 flags, u8 length, payload. */
export const FENCE_HEADER = 9;

export const Cmd = {
  /** Echo: the server answers with a ServerFence carrying the same 16-byte payload. */
  Ping: 0x50,
  /** Bulk: stream `total` bytes of updates with `payload`-byte rectangles as fast as the socket takes them. */
  Stream: 0x53,
  /** Steady: `ups` timestamped updates per second of `payload` bytes each for `ms`, then an End fence. */
  Rate: 0x52,
  /** Server → client: the bulk stream is complete. */
  Done: 0x44,
  /** Server → client: the steady stream ended; payload carries sent and skipped counts. */
  End: 0x45,
} as const;

export function fence(payload: Buffer): Buffer {
  const b = Buffer.alloc(FENCE_HEADER + payload.length);
  b[0] = FENCE;
  b[8] = payload.length;
  payload.copy(b, FENCE_HEADER);
  return b;
}

export function pingFence(seq: number): Buffer {
  const p = Buffer.alloc(PING_PAYLOAD);
  p[0] = Cmd.Ping;
  p.writeUInt32BE(seq, 1);
  return fence(p);
}

export function streamFence(payloadBytes: number, totalBytes: number): Buffer {
  const p = Buffer.alloc(13);
  p[0] = Cmd.Stream;
  p.writeUInt32BE(payloadBytes, 1);
  p.writeDoubleBE(totalBytes, 5);
  return fence(p);
}

export function rateFence(payloadBytes: number, ups: number, ms: number): Buffer {
  const p = Buffer.alloc(11);
  p[0] = Cmd.Rate;
  p.writeUInt32BE(payloadBytes, 1);
  p.writeUInt16BE(ups, 5);
  p.writeUInt32BE(ms, 7);
  return fence(p);
}

/** A 6-byte PointerEvent: the small input a busy user sends. */
export function pointerEvent(x: number, y: number, mask = 0): Buffer {
  const b = Buffer.alloc(6);
  b[0] = 5;
  b[1] = mask;
  b.writeUInt16BE(x & 0xffff, 2);
  b.writeUInt16BE(y & 0xffff, 4);
  return b;
}

/** The header of one FramebufferUpdate with one raw rectangle of `payload` bytes (32 bpp). */
export function updateHeader(payload: number): Buffer {
  const pixels = payload / 4;
  if (!Number.isInteger(pixels) || (pixels > 4096 && pixels % 4096 !== 0))
    throw new RangeError(`update payload ${payload} must be 4·n bytes, n ≤ 4096 or a multiple of 4096`);
  const w = Math.min(pixels, 4096);
  const h = pixels / w;
  const b = Buffer.alloc(UPDATE_HEADER);
  b[0] = FBU;
  b.writeUInt16BE(1, 2);
  b.writeUInt16BE(w, 8);
  b.writeUInt16BE(h, 10);
  b.writeInt32BE(0, 12); // raw encoding
  return b;
}

/** 800x600, 32 bpp true colour, little endian: what the clients are told the framebuffer is. */
export function serverInit(name: string): Buffer {
  const n = Buffer.from(name, 'utf8');
  const b = Buffer.alloc(24 + n.length);
  b.writeUInt16BE(800, 0);
  b.writeUInt16BE(600, 2);
  b.set([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0], 4);
  b.writeUInt32BE(n.length, 20);
  n.copy(b, 24);
  return b;
}
