// Incremental framing of the client→server RFB stream (after the handshake). RFB has no framing,
// so the only way to find where a KeyEvent starts is to know the length of every message before
// it: an unknown type means we lost our place, so it is an error, never a pass-through.
import { Caps, ClientMessageType as T, QemuAudioOp, QemuSubtype } from './constants.ts';

export interface ClientMessage {
  type: number;
  /** The whole message. A view into the pushed chunk when it arrived whole (no copy). */
  bytes: Buffer;
  /**
   * A ClientCutText over the hard cap: `bytes` is only its 8-byte header and this is the text's length.
   * The text itself is read and dropped as it comes, never held: one paste is refused, not the viewer.
   */
  oversized?: number;
}

export type PushResult = { ok: true; messages: ClientMessage[] } | { ok: false; messages: ClientMessage[]; error: string };

export interface ClientMessageParserOptions {
  /** Cap on |length| of ClientCutText (plain or extended). Default 10 MiB. */
  maxClipboardBytes?: number;
}

/** Either the message's full length, or how many bytes we need to see before we can tell. */
type Measure = { known: true; length: number } | { known: false; need: number } | { oversized: number } | { error: string };

const FIXED: ReadonlyMap<number, number> = new Map([
  [T.SetPixelFormat, 20],
  [T.FramebufferUpdateRequest, 10],
  [T.KeyEvent, 8],
  // Always 6: the relay strips the ExtendedMouseButtons encoding, so the 7-byte form never occurs.
  [T.PointerEvent, 6],
  [T.EnableContinuousUpdates, 10],
  [T.Xvp, 4],
]);

const need = (n: number): Measure => ({ known: false, need: n });
const len = (n: number): Measure => ({ known: true, length: n });

function measure(b: Buffer, off: number, maxClipboard: number): Measure {
  const avail = b.length - off;
  if (avail < 1) return need(1);
  const type = b[off] as number;
  const fixed = FIXED.get(type);
  if (fixed !== undefined) return len(fixed);
  switch (type) {
    case T.SetEncodings: {
      if (avail < 4) return need(4);
      const n = b.readUInt16BE(off + 2);
      if (n > Caps.encodings) return { error: `SetEncodings lists ${n} encodings (limit ${Caps.encodings})` };
      return len(4 + 4 * n);
    }
    case T.ClientCutText: {
      if (avail < 8) return need(8);
      // Negative means the extended clipboard format; the payload is |length| bytes either way.
      const n = Math.abs(b.readInt32BE(off + 4));
      if (n > maxClipboard) return { oversized: n };
      return len(8 + n);
    }
    case T.ClientFence: {
      if (avail < 9) return need(9);
      const n = b[off + 8] as number;
      if (n > Caps.fencePayloadBytes) return { error: `ClientFence payload of ${n} bytes (limit ${Caps.fencePayloadBytes})` };
      return len(9 + n);
    }
    case T.SetDesktopSize: {
      if (avail < 8) return need(8);
      const n = b[off + 6] as number;
      if (n > Caps.screens) return { error: `SetDesktopSize with ${n} screens (limit ${Caps.screens})` };
      return len(8 + 16 * n);
    }
    case T.Qemu: {
      if (avail < 2) return need(2);
      const sub = b[off + 1] as number;
      if (sub === QemuSubtype.ExtendedKeyEvent) return len(12);
      if (sub !== QemuSubtype.Audio) return { error: `unknown QEMU client message subtype ${sub}` };
      if (avail < 4) return need(4);
      const op = b.readUInt16BE(off + 2);
      if (op === QemuAudioOp.Enable || op === QemuAudioOp.Disable) return len(4);
      if (op === QemuAudioOp.SetFormat) return len(10);
      return { error: `unknown QEMU audio operation ${op}` };
    }
    default:
      return { error: `unknown client message type ${type}` };
  }
}

/**
 * Feed chunks with arbitrary split points; get back whole messages. Only a partial tail is kept
 * between pushes, and a message that arrived whole is a subarray of its chunk, never a copy.
 */
export class ClientMessageParser {
  private readonly maxClipboard: number;
  get maxClipboardBytes(): number {
    return this.maxClipboard;
  }
  /** Pieces of the message split across chunks, and its length once the header told us. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingLength: number | null = null;
  private failure: string | null = null;
  /** Bytes of an oversized clipboard text still to read and drop. */
  private skipping = 0;

  constructor(options: ClientMessageParserOptions = {}) {
    const max = options.maxClipboardBytes ?? Caps.clipboardBytes;
    if (!Number.isInteger(max) || max < 0) throw new RangeError('maxClipboardBytes must be a non-negative integer');
    this.maxClipboard = max;
  }

  /** Bytes held for an incomplete message. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /** Drops what is left of an oversized clipboard text from `chunk` at `pos`; returns the offset reached. */
  private skip(chunk: Buffer, pos: number): number {
    const n = Math.min(this.skipping, chunk.length - pos);
    this.skipping -= n;
    return pos + n;
  }

  private oversized(header: Buffer, n: number, out: ClientMessage[]): void {
    out.push({ type: header[0] as number, bytes: header, oversized: n });
    this.skipping = n;
  }

  push(chunk: Buffer): PushResult {
    const messages: ClientMessage[] = [];
    if (this.failure !== null) return { ok: false, messages, error: this.failure };
    let pos = this.skip(chunk, 0);
    if (this.pendingBytes > 0) {
      pos = this.completePending(chunk, messages);
      if (this.failure !== null) return { ok: false, messages, error: this.failure };
      if (this.pendingBytes > 0) return { ok: true, messages }; // chunk used up, still partial
    }
    while ((pos = this.skip(chunk, pos)) < chunk.length) {
      const m = measure(chunk, pos, this.maxClipboard);
      if ('error' in m) return this.fail(m.error, messages);
      if ('oversized' in m) {
        this.oversized(chunk.subarray(pos, pos + 8), m.oversized, messages);
        pos += 8;
        continue;
      }
      if (!m.known || pos + m.length > chunk.length) {
        this.pending = [chunk.subarray(pos)];
        this.pendingBytes = chunk.length - pos;
        this.pendingLength = m.known ? m.length : null;
        break;
      }
      messages.push({ type: chunk[pos] as number, bytes: chunk.subarray(pos, pos + m.length) });
      pos += m.length;
    }
    return { ok: true, messages };
  }

  /** Take from the chunk only what the pending message still lacks; return the chunk offset reached. */
  private completePending(chunk: Buffer, out: ClientMessage[]): number {
    let pos = 0;
    while (this.pendingLength === null) {
      // Header still incomplete: it is at most 12 bytes, so joining its pieces is cheap.
      const head = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
      this.pending = [head];
      const m = measure(head, 0, this.maxClipboard);
      if ('error' in m) {
        this.fail(m.error, out);
        return pos;
      }
      if ('oversized' in m) {
        // The header is complete at exactly 8 bytes here: what follows in the chunk is the text.
        this.pending = [];
        this.pendingBytes = 0;
        this.oversized(head, m.oversized, out);
        return pos;
      }
      if (m.known) {
        this.pendingLength = m.length;
        break;
      }
      const take = Math.min(m.need - this.pendingBytes, chunk.length - pos);
      if (take <= 0) return pos;
      this.append(chunk.subarray(pos, pos + take));
      pos += take;
    }
    const take = Math.min(this.pendingLength - this.pendingBytes, chunk.length - pos);
    if (take > 0) this.append(chunk.subarray(pos, pos + take));
    pos += Math.max(take, 0);
    if (this.pendingBytes === this.pendingLength) {
      const bytes = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
      out.push({ type: bytes[0] as number, bytes });
      this.pending = [];
      this.pendingBytes = 0;
      this.pendingLength = null;
    }
    return pos;
  }

  private append(piece: Buffer): void {
    this.pending.push(piece);
    this.pendingBytes += piece.length;
  }

  private fail(error: string, messages: ClientMessage[]): PushResult {
    this.failure = error;
    this.pending = [];
    this.pendingBytes = 0;
    return { ok: false, messages, error };
  }
}
