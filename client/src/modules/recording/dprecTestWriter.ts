// A small `.dprec` writer for TESTS and the seek benchmark only (docs/recording-format.md): the
// player's parser is checked against it, and e2e tests use it before/beside the gateway's recorder.
// The gateway writes real recordings with its own code (server/recording/).
import { MAGIC, RecordType } from './dprec.ts';

const enc = new TextEncoder();

export interface TestHeader {
  recordingId?: string;
  sessionId?: string;
  part?: number;
  startedAt: number;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

export function headerBytes(h: TestHeader): Uint8Array {
  const body = enc.encode(
    JSON.stringify({
      version: 1,
      kind: 'rfb',
      recordingId: h.recordingId ?? 'rec-test',
      sessionId: h.sessionId ?? 'session-test',
      part: h.part ?? 0,
      startedAt: h.startedAt,
      pixelFormat: 'rgbx32',
    }),
  );
  return concat([enc.encode(MAGIC), u32(body.length), body]);
}

export function recordBytes(type: number, t: number, payload: Uint8Array): Uint8Array {
  const head = new Uint8Array(9);
  const v = new DataView(head.buffer);
  v.setUint8(0, type);
  v.setUint32(1, t);
  v.setUint32(5, payload.length);
  return concat([head, payload]);
}

export const segmentRecord = (t: number, s: { width: number; height: number; name: string }): Uint8Array =>
  recordBytes(RecordType.Segment, t, enc.encode(JSON.stringify(s)));
export const dataRecord = (t: number, bytes: Uint8Array): Uint8Array => recordBytes(RecordType.Data, t, bytes);
export const endRecord = (t: number, reason: string): Uint8Array => recordBytes(RecordType.End, t, enc.encode(JSON.stringify({ reason })));

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A raw-encoded FramebufferUpdate of one solid rectangle in rgbx32 (red byte first). */
export function solidRawUpdate(x: number, y: number, w: number, h: number, rgb: [number, number, number]): Uint8Array {
  const out = new Uint8Array(4 + 12 + w * h * 4);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0); // FramebufferUpdate
  v.setUint16(2, 1); // one rectangle
  v.setUint16(4, x);
  v.setUint16(6, y);
  v.setUint16(8, w);
  v.setUint16(10, h);
  v.setInt32(12, 0); // Raw
  for (let i = 16; i < out.length; i += 4) {
    out[i] = rgb[0];
    out[i + 1] = rgb[1];
    out[i + 2] = rgb[2];
  }
  return out;
}
