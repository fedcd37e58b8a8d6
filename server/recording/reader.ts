// Reads `.dprec` files (docs/recording-format.md): parseRecords walks a buffer held in memory (tests,
// small files); scanPart walks a file on disk reading only record heads and segment payloads, so the
// index of a 64 MiB part costs a few reads, not the whole file. Unknown record types are skipped by
// length; an over-cap length or a truncated record ends the readable part, as the doc says.
import { open } from 'node:fs/promises';
import {
  MAGIC,
  MAX_HEADER_BYTES,
  MAX_RECORD_BYTES,
  RECORD_HEAD_BYTES,
  RecordType,
  parseHeader,
  type DprecHeader,
  type SegmentInfo,
} from './format.ts';

export interface DprecRecord {
  type: number;
  t: number;
  /** Byte offset of the record's head in the file. */
  offset: number;
  payload: Buffer;
}

export interface ParsedPart {
  header: DprecHeader;
  records: DprecRecord[];
  /** Set when the file ended inside a record or a length was over the cap. */
  truncated: boolean;
}

export interface SegmentEntry extends SegmentInfo {
  /** Byte offset of the segment record in its part. */
  offset: number;
  t: number;
}

export interface PartScan {
  header: DprecHeader;
  segments: SegmentEntry[];
  /** `t` of the last readable record: the part's duration in milliseconds. */
  lastT: number;
  /** The end record's reason, or null when the part was cut short. */
  endReason: string | null;
  /** Bytes up to the end of the last whole record. */
  readableBytes: number;
  truncated: boolean;
}

/** magic + header: the header and where the first record starts. */
export function parseFileHead(b: Buffer): { header: DprecHeader; recordsAt: number } {
  if (b.length < MAGIC.length + 4 || !b.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a .dprec recording (bad magic)');
  const len = b.readUInt32BE(MAGIC.length);
  if (len > MAX_HEADER_BYTES) throw new Error(`recording header of ${len} bytes (limit ${MAX_HEADER_BYTES})`);
  const start = MAGIC.length + 4;
  if (b.length < start + len) throw new Error('the recording ends inside its header');
  return { header: parseHeader(b.subarray(start, start + len)), recordsAt: start + len };
}

export function parseRecords(b: Buffer): ParsedPart {
  const { header, recordsAt } = parseFileHead(b);
  const records: DprecRecord[] = [];
  let off = recordsAt;
  let truncated = false;
  while (off < b.length) {
    if (b.length - off < RECORD_HEAD_BYTES) {
      truncated = true;
      break;
    }
    const len = b.readUInt32BE(off + 5);
    if (len > MAX_RECORD_BYTES || b.length - off - RECORD_HEAD_BYTES < len) {
      truncated = true;
      break;
    }
    const type = b[off] as number;
    records.push({
      type,
      t: b.readUInt32BE(off + 1),
      offset: off,
      payload: b.subarray(off + RECORD_HEAD_BYTES, off + RECORD_HEAD_BYTES + len),
    });
    off += RECORD_HEAD_BYTES + len;
  }
  return { header, records, truncated };
}

export function parseSegment(payload: Buffer): SegmentInfo {
  const v = JSON.parse(payload.toString('utf8')) as Partial<SegmentInfo>;
  if (!Number.isInteger(v.width) || !Number.isInteger(v.height)) throw new Error('a segment record without its size');
  return { width: v.width as number, height: v.height as number, name: typeof v.name === 'string' ? v.name : '' };
}

function segmentOrNull(p: Buffer): SegmentInfo | null {
  try {
    return parseSegment(p);
  } catch {
    return null;
  }
}

const CHUNK = 1024 * 1024;
const MAX_SEGMENTS_PER_PART = 100_000;

/** The index of one part file on disk. */
export async function scanPart(path: string): Promise<PartScan> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    let buf = Buffer.alloc(Math.min(CHUNK, Math.max(size, 16)));
    let bufAt = 0;
    let bufLen = (await fh.read(buf, 0, buf.length, 0)).bytesRead;
    // Bytes [at, at+n) of the file, from the window or by moving it.
    const bytes = async (at: number, n: number): Promise<Buffer | null> => {
      if (at + n > size) return null;
      if (at < bufAt || at + n > bufAt + bufLen) {
        if (n > buf.length) buf = Buffer.alloc(n);
        bufAt = at;
        bufLen = (await fh.read(buf, 0, buf.length, at)).bytesRead;
        if (bufLen < n) return null;
      }
      return buf.subarray(at - bufAt, at - bufAt + n);
    };
    const head = await bytes(0, Math.min(size, MAGIC.length + 4 + MAX_HEADER_BYTES));
    if (!head) throw new Error('the recording file is empty');
    const { header, recordsAt } = parseFileHead(Buffer.from(head));
    const scan: PartScan = { header, segments: [], lastT: 0, endReason: null, readableBytes: recordsAt, truncated: false };
    let off = recordsAt;
    while (off < size) {
      const h = await bytes(off, RECORD_HEAD_BYTES);
      const len = h?.readUInt32BE(5) ?? 0;
      if (!h || len > MAX_RECORD_BYTES || off + RECORD_HEAD_BYTES + len > size) {
        scan.truncated = true;
        break;
      }
      const type = h[0] as number;
      const t = h.readUInt32BE(1);
      if (type === RecordType.Segment || type === RecordType.End) {
        const p = await bytes(off + RECORD_HEAD_BYTES, len);
        if (!p) {
          scan.truncated = true;
          break;
        }
        const seg = type === RecordType.Segment ? segmentOrNull(p) : null;
        if (type === RecordType.Segment && !seg) {
          scan.truncated = true; // a segment a player cannot start from: nothing after it is playable
          break;
        }
        if (seg && scan.segments.length < MAX_SEGMENTS_PER_PART) scan.segments.push({ ...seg, offset: off, t });
        if (type === RecordType.End) scan.endReason = endReason(p);
      }
      scan.lastT = Math.max(scan.lastT, t);
      off += RECORD_HEAD_BYTES + len;
      scan.readableBytes = off;
    }
    return scan;
  } finally {
    await fh.close();
  }
}

function endReason(p: Buffer): string {
  try {
    const v = JSON.parse(p.toString('utf8')) as { reason?: unknown };
    return typeof v.reason === 'string' ? v.reason.slice(0, 200) : 'ended';
  } catch {
    return 'ended';
  }
}
