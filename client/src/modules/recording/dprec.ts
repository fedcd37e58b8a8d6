// The player's reader of `.dprec` files (docs/recording-format.md): the magic, the JSON header, and
// records pulled one by one out of bytes that arrive in pieces (HTTP Range streams). Pure; the
// gateway has its own reader (server/recording/), this one belongs to the browser.

import {
  DPREC_MAGIC as MAGIC,
  MAX_HEADER_BYTES,
  MAX_RECORD_BYTES,
  RECORD_HEAD_BYTES,
  RecordType,
} from '../../../../contract/recording-format.ts';
import type { DprecHeader, SegmentInfo } from '../../../../contract/recording-format.ts';

export { MAGIC, MAX_HEADER_BYTES, MAX_RECORD_BYTES, RECORD_HEAD_BYTES, RecordType, type DprecHeader, type SegmentInfo };

/** A record as the player uses it: known types decoded, unknown types already skipped. */
export type DprecRecord =
  | { type: 'segment'; t: number; segment: SegmentInfo }
  | { type: 'data'; t: number; bytes: Uint8Array }
  | { type: 'end'; t: number; reason: string };

/** Why the readable part of a file ended before its bytes did. */
export type DamageReason = 'bad-magic' | 'bad-header' | 'record-too-long' | 'truncated' | 'bad-segment' | 'time-went-back';

export class DprecDamage extends Error {
  override readonly name = 'DprecDamage';
  constructor(
    readonly reason: DamageReason,
    /** `t` of the last good record (ms since the header's startedAt); undefined before the first. */
    readonly afterT: number | undefined,
  ) {
    super(`recording damaged (${reason})`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function json(bytes: Uint8Array): unknown {
  return JSON.parse(utf8.decode(bytes)) as unknown;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function decodeHeader(bytes: Uint8Array): DprecHeader {
  const h = json(bytes);
  if (!isObj(h) || h.version !== 1 || h.kind !== 'rfb' || typeof h.startedAt !== 'number' || !Number.isFinite(h.startedAt)) {
    throw new Error('not a version 1 rfb header');
  }
  return {
    version: 1,
    kind: 'rfb',
    recordingId: typeof h.recordingId === 'string' ? h.recordingId : '',
    sessionId: typeof h.sessionId === 'string' ? h.sessionId : '',
    part: typeof h.part === 'number' ? h.part : 0,
    startedAt: h.startedAt,
    pixelFormat: typeof h.pixelFormat === 'string' ? h.pixelFormat : 'rgbx32',
  };
}

export function decodeSegment(bytes: Uint8Array): SegmentInfo {
  const s = json(bytes);
  const dim = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 16384;
  if (!isObj(s) || !dim(s.width) || !dim(s.height)) throw new Error('segment without a screen size');
  return { width: s.width, height: s.height, name: typeof s.name === 'string' ? s.name.slice(0, 256) : '' };
}

/**
 * Pulls records out of bytes pushed in any split. `expectHeader` is false when reading starts at a
 * segment's offset (a seek): then only records come. Errors are DprecDamage and are sticky.
 */
export class DprecReader {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private lastT: number | undefined;
  header: DprecHeader | undefined;

  constructor(private expectHeader = true) {}

  /** Appends bytes; copies only what is still unread (records are small next to a 16 MiB cap). */
  push(chunk: Uint8Array): void {
    const rest = this.buf.length - this.pos;
    if (rest === 0) {
      this.buf = chunk;
    } else {
      const joined = new Uint8Array(rest + chunk.length);
      joined.set(this.buf.subarray(this.pos));
      joined.set(chunk, rest);
      this.buf = joined;
    }
    this.pos = 0;
  }

  /** Bytes pushed but not yet consumed. */
  get pending(): number {
    return this.buf.length - this.pos;
  }

  /** The next complete record, or undefined when more bytes are needed. Unknown types are skipped. */
  next(): DprecRecord | undefined {
    if (this.expectHeader && !this.readHeader()) return undefined;
    for (;;) {
      const b = this.buf;
      const p = this.pos;
      if (b.length - p < RECORD_HEAD_BYTES) return undefined;
      const view = new DataView(b.buffer, b.byteOffset + p, RECORD_HEAD_BYTES);
      const type = view.getUint8(0);
      const t = view.getUint32(1);
      const len = view.getUint32(5);
      if (len > MAX_RECORD_BYTES) throw new DprecDamage('record-too-long', this.lastT);
      if (b.length - p - RECORD_HEAD_BYTES < len) return undefined;
      if (this.lastT !== undefined && t < this.lastT) throw new DprecDamage('time-went-back', this.lastT);
      const payload = b.subarray(p + RECORD_HEAD_BYTES, p + RECORD_HEAD_BYTES + len);
      this.pos = p + RECORD_HEAD_BYTES + len;
      const rec = this.decode(type, t, payload);
      this.lastT = t;
      if (rec) return rec;
    }
  }

  /** Call at the end of the bytes: leftover bytes mean the last record was cut. */
  finish(): void {
    if (this.expectHeader) throw new DprecDamage(this.buf.length - this.pos === 0 ? 'bad-magic' : 'bad-header', undefined);
    if (this.pending > 0) throw new DprecDamage('truncated', this.lastT);
  }

  /** t of the last record read (ms since the part's startedAt). */
  get lastRecordT(): number | undefined {
    return this.lastT;
  }

  private decode(type: number, t: number, payload: Uint8Array): DprecRecord | undefined {
    switch (type) {
      case RecordType.Segment:
        try {
          return { type: 'segment', t, segment: decodeSegment(payload) };
        } catch {
          throw new DprecDamage('bad-segment', this.lastT);
        }
      case RecordType.Data:
        return { type: 'data', t, bytes: payload };
      case RecordType.End: {
        let reason = '';
        try {
          const e = json(payload);
          if (isObj(e) && typeof e.reason === 'string') reason = e.reason.slice(0, 200);
        } catch {
          // The end record only says why; a bad one still ends the part in order.
        }
        return { type: 'end', t, reason };
      }
      default:
        return undefined; // a later version's record type: skipped by its length
    }
  }

  private readHeader(): boolean {
    const b = this.buf;
    const need = MAGIC.length + 4;
    if (b.length - this.pos < need) return false;
    for (let i = 0; i < MAGIC.length; i++) {
      if (b[this.pos + i] !== MAGIC.charCodeAt(i)) throw new DprecDamage('bad-magic', undefined);
    }
    const len = new DataView(b.buffer, b.byteOffset + this.pos + MAGIC.length, 4).getUint32(0);
    if (len > MAX_HEADER_BYTES) throw new DprecDamage('bad-header', undefined);
    if (b.length - this.pos - need < len) return false;
    try {
      this.header = decodeHeader(b.subarray(this.pos + need, this.pos + need + len));
    } catch {
      throw new DprecDamage('bad-header', undefined);
    }
    this.pos += need + len;
    this.expectHeader = false;
    return true;
  }
}
