// The .dprec writer and readers against each other: round trip, a file cut short anywhere, an
// over-cap length, and record types a later version may add (skipped by length).
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FORMAT_VERSION, RecordType, encodeFileHead, encodeRecordHead, type DprecHeader } from './format.ts';
import { PartWriter } from './part-writer.ts';
import { parseRecords, scanPart } from './reader.ts';

const header: DprecHeader = {
  version: FORMAT_VERSION,
  kind: 'rfb',
  recordingId: 'rec1',
  sessionId: 's1',
  part: 0,
  startedAt: 1_000_000,
  pixelFormat: 'rgbx32',
};
let dir = '';
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'dprec-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function writeSample(path: string) {
  const w = PartWriter.create(path, header, (err) => {
    throw err;
  });
  w.segment(1_000_010, { width: 640, height: 480, name: 'desk' });
  w.data(1_000_020, [Buffer.from([0, 0, 0, 1]), Buffer.from('abc')], 7);
  w.data(1_000_500, [Buffer.alloc(3000, 7)], 3000);
  w.segment(1_060_000, { width: 800, height: 600, name: 'desk' });
  w.data(1_060_005, [Buffer.from([9])], 1);
  return w.close(1_061_000, 'session ended');
}

describe('.dprec', () => {
  it('round-trips segments, data and the end record, with the checksum of the bytes on disk', async () => {
    const path = join(dir, 'a.dprec');
    const done = await writeSample(path);
    const bytes = readFileSync(path);
    expect(done.bytes).toBe(bytes.length);
    expect(done.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const p = parseRecords(bytes);
    expect(p.header).toEqual(header);
    expect(p.truncated).toBe(false);
    expect(p.records.map((r) => [r.type, r.t])).toEqual([
      [RecordType.Segment, 10],
      [RecordType.Data, 20],
      [RecordType.Data, 500],
      [RecordType.Segment, 60_000],
      [RecordType.Data, 60_005],
      [RecordType.End, 61_000],
    ]);
    expect(p.records[1]!.payload).toEqual(Buffer.from([0, 0, 0, 1, 0x61, 0x62, 0x63]));
    const scan = await scanPart(path);
    expect(scan.segments).toEqual([
      { width: 640, height: 480, name: 'desk', t: 10, offset: p.records[0]!.offset },
      { width: 800, height: 600, name: 'desk', t: 60_000, offset: p.records[3]!.offset },
    ]);
    expect(scan).toMatchObject({ lastT: 61_000, endReason: 'session ended', truncated: false, readableBytes: bytes.length });
  });

  it('never lets t go backwards within a file', async () => {
    const path = join(dir, 'b.dprec');
    const w = PartWriter.create(path, header, () => undefined);
    w.data(1_000_900, [Buffer.from([1])], 1);
    w.data(1_000_100, [Buffer.from([2])], 1); // the clock stepped back
    await w.close(999_000, 'x');
    expect(parseRecords(readFileSync(path)).records.map((r) => r.t)).toEqual([900, 900, 900]);
  });

  it('reads a file cut short at any byte up to its last whole record, and says it was cut', async () => {
    const path = join(dir, 'c.dprec');
    await writeSample(path);
    const full = readFileSync(path);
    const whole = parseRecords(full).records;
    const headEnd = whole[0]!.offset;
    for (const cut of [headEnd + 3, whole[2]!.offset + 100, full.length - 1]) {
      writeFileSync(path, full.subarray(0, cut));
      const p = parseRecords(readFileSync(path));
      expect(p.truncated).toBe(true);
      expect(p.records.every((r) => r.offset + 9 + r.payload.length <= cut)).toBe(true);
      const scan = await scanPart(path);
      expect(scan.truncated).toBe(true);
      expect(scan.endReason).toBeNull();
      expect(scan.readableBytes).toBeLessThanOrEqual(cut);
    }
    truncateSync(path, 5);
    await expect(scanPart(path)).rejects.toThrow(/magic|header|empty/);
    expect(() => parseRecords(full.subarray(0, headEnd - 1))).toThrow(/header/);
  });

  it('skips unknown record types by length and stops at an over-cap length', async () => {
    const unknown = Buffer.from('from the future');
    const seg = Buffer.from(JSON.stringify({ width: 10, height: 20, name: 'n' }));
    const good = Buffer.concat([
      encodeFileHead(header),
      encodeRecordHead(200, 5, unknown.length),
      unknown,
      encodeRecordHead(RecordType.Segment, 6, seg.length),
      seg,
    ]);
    const path = join(dir, 'd.dprec');
    writeFileSync(path, good);
    expect(parseRecords(good).records.map((r) => r.type)).toEqual([200, RecordType.Segment]);
    expect((await scanPart(path)).segments).toHaveLength(1);
    const overCap = Buffer.alloc(9);
    overCap[0] = RecordType.Data;
    overCap.writeUInt32BE(16 * 1024 * 1024 + 1, 5);
    const bad = Buffer.concat([good, overCap, Buffer.alloc(100)]);
    writeFileSync(path, bad);
    expect(parseRecords(bad)).toMatchObject({ truncated: true });
    expect(parseRecords(bad).records).toHaveLength(2);
    expect(await scanPart(path)).toMatchObject({ truncated: true, readableBytes: good.length });
  });

  it('refuses files that are not .dprec or of another version', () => {
    expect(() => parseRecords(Buffer.from('GUACAMOLE'))).toThrow(/magic/);
    const v2 = encodeFileHead({ ...header, version: 2 });
    expect(() => parseRecords(v2)).toThrow(/version 2/);
    expect(() => encodeRecordHead(2, 0, 16 * 1024 * 1024 + 1)).toThrow(/limit/);
  });
});
