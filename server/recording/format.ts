// The `.dprec` file format (docs/recording-format.md): pure encode/decode of the magic, the JSON
// header and the typed, timestamped records, with a cap on every length. The writer (part-file.ts)
// and the reader (reader.ts) both build on these; nothing here touches the disk.

import {
  DPREC_MAGIC,
  FORMAT_VERSION,
  MAX_HEADER_BYTES,
  MAX_RECORD_BYTES,
  RECORD_HEAD_BYTES,
  type DprecHeader,
} from '../../contract/recording-format.ts';

export {
  FORMAT_VERSION,
  MAX_HEADER_BYTES,
  MAX_RECORD_BYTES,
  RECORD_HEAD_BYTES,
  RecordType,
  type DprecHeader,
  type SegmentInfo,
} from '../../contract/recording-format.ts';
export const MAGIC = Buffer.from(DPREC_MAGIC, 'ascii');
/** The largest `t` a record can carry (u32 milliseconds, about 49 days). */
export const MAX_T = 0xffff_ffff;

/** The pixel format every recording connection asks for (noVNC's own), see the doc. */
export const PIXEL_FORMAT_NAME = 'rgbx32';

/** magic + u32 length + header JSON. */
export function encodeFileHead(h: DprecHeader): Buffer {
  const json = Buffer.from(JSON.stringify(h), 'utf8');
  if (json.length > MAX_HEADER_BYTES) throw new Error(`recording header of ${json.length} bytes (limit ${MAX_HEADER_BYTES})`);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([MAGIC, len, json]);
}

/** The 9-byte head of a record; the payload follows it unchanged (no copy of big data payloads). */
export function encodeRecordHead(type: number, t: number, length: number): Buffer {
  if (length > MAX_RECORD_BYTES) throw new Error(`recording record of ${length} bytes (limit ${MAX_RECORD_BYTES})`);
  const b = Buffer.allocUnsafe(RECORD_HEAD_BYTES);
  b[0] = type;
  b.writeUInt32BE(Math.min(MAX_T, Math.max(0, Math.floor(t))), 1);
  b.writeUInt32BE(length, 5);
  return b;
}

export function encodeJsonRecord(type: number, t: number, value: unknown): Buffer[] {
  const payload = Buffer.from(JSON.stringify(value), 'utf8');
  return [encodeRecordHead(type, t, payload.length), payload];
}

/** Checks the parsed header JSON; a reader refuses files it cannot interpret. */
export function parseHeader(json: Buffer): DprecHeader {
  let v: unknown;
  try {
    v = JSON.parse(json.toString('utf8'));
  } catch {
    throw new Error('the recording header is not JSON');
  }
  const h = v as Partial<DprecHeader> | null;
  if (!h || typeof h !== 'object') throw new Error('the recording header is not an object');
  if (h.version !== FORMAT_VERSION) throw new Error(`recording format version ${String(h.version)} (this reader knows ${FORMAT_VERSION})`);
  if (h.kind !== 'rfb') throw new Error(`recording kind ${String(h.kind)} is not rfb`);
  if (typeof h.recordingId !== 'string' || typeof h.sessionId !== 'string') throw new Error('the recording header lacks its ids');
  if (!Number.isInteger(h.part) || (h.part as number) < 0) throw new Error('the recording header has no valid part number');
  if (typeof h.startedAt !== 'number' || !Number.isFinite(h.startedAt)) throw new Error('the recording header has no startedAt');
  if (typeof h.pixelFormat !== 'string') throw new Error('the recording header has no pixelFormat');
  return h as DprecHeader;
}
