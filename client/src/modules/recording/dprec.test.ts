import { describe, expect, it } from 'vitest';
import { DprecDamage, DprecReader, MAX_RECORD_BYTES, type DprecRecord } from './dprec.ts';
import { concat, dataRecord, endRecord, headerBytes, recordBytes, segmentRecord } from './dprecTestWriter.ts';

const seg = { width: 1024, height: 768, name: 'desk' };

function file(): Uint8Array {
  return concat([
    headerBytes({ startedAt: 1_700_000_000_000, part: 2 }),
    segmentRecord(0, seg),
    dataRecord(5, new Uint8Array([0, 0, 0, 0])),
    dataRecord(1000, new Uint8Array(300).fill(7)),
    endRecord(1200, 'rotated'),
  ]);
}

function readAll(r: DprecReader): DprecRecord[] {
  const out: DprecRecord[] = [];
  for (let rec = r.next(); rec; rec = r.next()) out.push(rec);
  return out;
}

describe('the player’s .dprec reader', () => {
  it('reads back what the writer wrote: header, segment, data and end', () => {
    const r = new DprecReader();
    r.push(file());
    const recs = readAll(r);
    expect(r.header).toMatchObject({ version: 1, kind: 'rfb', part: 2, startedAt: 1_700_000_000_000, pixelFormat: 'rgbx32' });
    expect(recs.map((x) => [x.type, x.t])).toEqual([
      ['segment', 0],
      ['data', 5],
      ['data', 1000],
      ['end', 1200],
    ]);
    expect(recs[0]).toMatchObject({ segment: seg });
    expect(recs[2]?.type === 'data' && recs[2].bytes.length).toBe(300);
    expect(recs[3]).toMatchObject({ reason: 'rotated' });
    expect(() => r.finish()).not.toThrow();
  });

  it('gives the same records whatever the split of the bytes (one byte at a time)', () => {
    const bytes = file();
    const r = new DprecReader();
    const recs: DprecRecord[] = [];
    for (let i = 0; i < bytes.length; i++) {
      r.push(bytes.subarray(i, i + 1));
      recs.push(...readAll(r));
    }
    expect(recs.map((x) => x.t)).toEqual([0, 5, 1000, 1200]);
  });

  it('reads from a segment’s offset without a header (a seek)', () => {
    const r = new DprecReader(false);
    r.push(concat([segmentRecord(60_000, seg), dataRecord(60_010, new Uint8Array([1]))]));
    expect(readAll(r).map((x) => x.type)).toEqual(['segment', 'data']);
  });

  it('skips unknown record types by their length', () => {
    const r = new DprecReader(false);
    r.push(concat([segmentRecord(0, seg), recordBytes(99, 10, new Uint8Array(50).fill(2)), dataRecord(20, new Uint8Array([9]))]));
    const recs = readAll(r);
    expect(recs.map((x) => [x.type, x.t])).toEqual([
      ['segment', 0],
      ['data', 20],
    ]);
  });

  it('reports a cut record at the end as damage after the last good time', () => {
    const bytes = file();
    const r = new DprecReader();
    r.push(bytes.subarray(0, bytes.length - 20)); // the end record (9 + 20 bytes) loses its last 20
    const recs = readAll(r);
    expect(recs.at(-1)?.t).toBe(1000);
    try {
      r.finish();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DprecDamage);
      expect((e as DprecDamage).reason).toBe('truncated');
      expect((e as DprecDamage).afterT).toBe(1000);
    }
  });

  it('a file that ends cleanly between records is not damaged (a part the gateway stopped writing)', () => {
    const r = new DprecReader();
    r.push(concat([headerBytes({ startedAt: 1 }), segmentRecord(0, seg), dataRecord(5, new Uint8Array([1]))]));
    expect(readAll(r)).toHaveLength(2);
    expect(() => r.finish()).not.toThrow();
  });

  it('refuses a length over the cap instead of waiting for 4 GiB', () => {
    const r = new DprecReader(false);
    const head = new Uint8Array(9);
    new DataView(head.buffer).setUint8(0, 2);
    new DataView(head.buffer).setUint32(5, MAX_RECORD_BYTES + 1);
    r.push(concat([segmentRecord(0, seg), head]));
    expect(r.next()?.type).toBe('segment');
    expect(() => r.next()).toThrow(expect.objectContaining({ reason: 'record-too-long', afterT: 0 }));
  });

  it('refuses a wrong magic, a broken header, and a segment without a size', () => {
    const bad = new DprecReader();
    bad.push(new TextEncoder().encode('NOTREC\0\0\0\0'));
    expect(() => bad.next()).toThrow(expect.objectContaining({ reason: 'bad-magic' }));
    const badHeader = new DprecReader();
    badHeader.push(concat([new TextEncoder().encode('DPREC1'), new Uint8Array([0, 0, 0, 2]), new TextEncoder().encode('{]')]));
    expect(() => badHeader.next()).toThrow(expect.objectContaining({ reason: 'bad-header' }));
    const badSeg = new DprecReader(false);
    badSeg.push(recordBytes(1, 0, new TextEncoder().encode('{"width":0}')));
    expect(() => badSeg.next()).toThrow(expect.objectContaining({ reason: 'bad-segment' }));
  });

  it('refuses time going backwards within a file', () => {
    const r = new DprecReader(false);
    r.push(concat([segmentRecord(100, seg), dataRecord(50, new Uint8Array([1]))]));
    r.next();
    expect(() => r.next()).toThrow(expect.objectContaining({ reason: 'time-went-back', afterT: 100 }));
  });

  it('an empty answer is not a recording', () => {
    const r = new DprecReader();
    expect(r.next()).toBeUndefined();
    expect(() => r.finish()).toThrow(expect.objectContaining({ reason: 'bad-magic' }));
  });
});
