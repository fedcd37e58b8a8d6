import { describe, expect, it } from 'vitest';
import { PartHeaders, PlaybackDamage, readRecords, segmentAt, type SegmentRef } from './cursor.ts';
import { concat, dataRecord, endRecord, headerBytes, segmentRecord } from './dprecTestWriter.ts';
import { memoryPartSource } from './httpSource.ts';

const seg = { width: 64, height: 48, name: 'd' };
const ORIGIN = 1_700_000_000_000;
const one = new Uint8Array([0, 0, 0, 0]);

// Part 0: segments at 0 and 10 s; part 1 started 20 s later: a segment at its t=0 and at its t=5 s.
const head0 = headerBytes({ startedAt: ORIGIN, part: 0 });
const part0 = concat([
  head0,
  segmentRecord(0, seg),
  dataRecord(100, one),
  segmentRecord(10_000, seg),
  dataRecord(12_000, one),
  endRecord(15_000, 'rotated'),
]);
const head1 = headerBytes({ startedAt: ORIGIN + 20_000, part: 1 });
const p1a = concat([head1, segmentRecord(0, seg), dataRecord(1000, one)]);
const part1 = concat([p1a, segmentRecord(5000, seg), dataRecord(6000, one)]);

async function collect(parts: Uint8Array[], start: SegmentRef, partStarts?: number[]): Promise<{ times: number[]; error?: unknown }> {
  const src = memoryPartSource(parts, 7);
  const times: number[] = [];
  try {
    for await (const r of readRecords(src, new PartHeaders(src), {
      parts: parts.length,
      start,
      signal: new AbortController().signal,
      ...(partStarts ? { partStarts } : {}),
    })) {
      times.push(r.t);
    }
    return { times };
  } catch (error) {
    return { times, error };
  }
}

describe('reading a recording across parts', () => {
  it('reads every part in order on the recording clock', async () => {
    const { times, error } = await collect([part0, part1], { part: 0, offset: 0, t: 0 });
    expect(error).toBeUndefined();
    expect(times).toEqual([0, 100, 10_000, 12_000, 15_000, 20_000, 21_000, 25_000, 26_000]);
  });

  it('starts at a segment in the middle of a later part, reading the part headers on the side', async () => {
    const { times } = await collect([part0, part1], { part: 1, offset: p1a.length, t: 25_000 });
    expect(times).toEqual([25_000, 26_000]);
  });

  it('uses the index’s part starts when it has them (no header requests)', async () => {
    const { times } = await collect([part0, part1], { part: 1, offset: p1a.length, t: 25_000 }, [0, 30_000]);
    expect(times).toEqual([35_000, 36_000]);
  });

  it('says where a damaged part stops being readable', async () => {
    const cut = part1.subarray(0, part1.length - 2);
    const { times, error } = await collect([part0, cut], { part: 0, offset: 0, t: 0 });
    expect(times.at(-1)).toBe(25_000);
    expect(error).toBeInstanceOf(PlaybackDamage);
    expect(error).toMatchObject({ kind: 'damaged', afterMs: 25_000 });
  });

  it('says a missing part is missing, after the last good time', async () => {
    const src = memoryPartSource([part0]);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const r of readRecords(src, new PartHeaders(src), {
          parts: 2,
          start: { part: 0, offset: 0, t: 0 },
          signal: new AbortController().signal,
        }))
          got.push(r.t);
      })(),
    ).rejects.toMatchObject({ kind: 'missing', afterMs: 15_000 });
  });
});

describe('finding the segment for a seek', () => {
  const segs = [0, 10_000, 20_000, 25_000].map((t, i) => ({ part: i >> 1, offset: i, t }));
  it('takes the last segment at or before the target', () => {
    expect(segmentAt(segs, 0)?.t).toBe(0);
    expect(segmentAt(segs, 9_999)?.t).toBe(0);
    expect(segmentAt(segs, 10_000)?.t).toBe(10_000);
    expect(segmentAt(segs, 24_000)?.t).toBe(20_000);
    expect(segmentAt(segs, 3_600_000)?.t).toBe(25_000);
  });
  it('falls back to the first segment before all of them, and to nothing without any', () => {
    expect(segmentAt(segs.slice(1), 5)?.t).toBe(10_000);
    expect(segmentAt([], 5)).toBeUndefined();
  });
});
