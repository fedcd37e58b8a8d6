import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng } from './png.ts';
import { decodePng, PngError } from './png-decode.ts';

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** A PNG whose rows use the given filter (0–4), encoded here independently of the decoder. */
function png(o: {
  w: number;
  h: number;
  colour: number;
  depth?: number;
  rows: Buffer[];
  filter: number;
  plte?: Buffer;
  trns?: Buffer;
}): Buffer {
  const depth = o.depth ?? 8;
  const ch = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[o.colour]!;
  const bpp = Math.max(1, (ch * depth) >> 3);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(o.w, 0);
  ihdr.writeUInt32BE(o.h, 4);
  ihdr[8] = depth;
  ihdr[9] = o.colour;
  const raw: Buffer[] = [];
  o.rows.forEach((row, y) => {
    const prev = y > 0 ? o.rows[y - 1]! : Buffer.alloc(row.length);
    const f = Buffer.alloc(row.length + 1);
    f[0] = o.filter;
    for (let i = 0; i < row.length; i++) {
      const a = i >= bpp ? row[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][o.filter] ?? 0;
      f[i + 1] = (row[i]! - pred) & 0xff;
    }
    raw.push(f);
  });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(o.plte ? [chunk('PLTE', o.plte)] : []),
    ...(o.trns ? [chunk('tRNS', o.trns)] : []),
    chunk('IDAT', deflateSync(Buffer.concat(raw))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const rgbaRows = (w: number, h: number) =>
  Array.from({ length: h }, (_, y) => Buffer.from(Array.from({ length: w * 4 }, (_, i) => (i * 37 + y * 101 + ((i * y) % 13)) & 0xff)));

describe('decodePng', () => {
  it('decodes what server/display/png.ts encodes (RGB, filter 0)', () => {
    const rgb = Buffer.from(Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 29) & 0xff));
    const d = decodePng(encodePng(7, 5, rgb));
    expect([d.width, d.height]).toEqual([7, 5]);
    for (let p = 0; p < 35; p++) expect([...d.rgba.subarray(p * 4, p * 4 + 4)]).toEqual([...rgb.subarray(p * 3, p * 3 + 3), 255]);
  });

  for (const filter of [0, 1, 2, 3, 4])
    it(`undoes row filter ${filter} (RGBA)`, () => {
      const rows = rgbaRows(9, 6);
      const d = decodePng(png({ w: 9, h: 6, colour: 6, rows, filter }));
      expect(d.rgba).toEqual(Buffer.concat(rows));
    });

  it('decodes greyscale, grey+alpha and palette images, with tRNS', () => {
    const grey = decodePng(png({ w: 3, h: 1, colour: 0, rows: [Buffer.from([0, 128, 255])], filter: 1 }));
    expect([...grey.rgba]).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
    const ga = decodePng(png({ w: 2, h: 1, colour: 4, rows: [Buffer.from([10, 20, 30, 40])], filter: 0 }));
    expect([...ga.rgba]).toEqual([10, 10, 10, 20, 30, 30, 30, 40]);
    const plte = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const pal = decodePng(png({ w: 4, h: 1, colour: 3, rows: [Buffer.from([0, 1, 2, 1])], filter: 2, plte, trns: Buffer.from([0]) }));
    expect([...pal.rgba]).toEqual([255, 0, 0, 0, 0, 255, 0, 255, 0, 0, 255, 255, 0, 255, 0, 255]);
    // 1-bit greyscale: 0b10100000 → white, black, white
    const bits = decodePng(png({ w: 3, h: 1, colour: 0, depth: 1, rows: [Buffer.from([0b10100000])], filter: 0 }));
    expect([...bits.rgba]).toEqual([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255]);
  });

  it('refuses what it cannot decode, and broken data, with PngError', () => {
    const good = png({ w: 2, h: 2, colour: 6, rows: rgbaRows(2, 2), filter: 0 });
    expect(() => decodePng(Buffer.from('not a png'))).toThrow(PngError);
    expect(() => decodePng(good.subarray(0, good.length - 20))).toThrow(PngError);
    const badCrc = Buffer.from(good);
    badCrc[30] = badCrc[30]! ^ 0xff;
    expect(() => decodePng(badCrc)).toThrow(/CRC|inflate|size/);
    const sixteen = Buffer.from(good);
    sixteen[24] = 16; // bit depth
    sixteen.writeUInt32BE(crc32(sixteen.subarray(12, 29)) >>> 0, 29);
    expect(() => decodePng(sixteen)).toThrow(/bit depth 16/);
    expect(() => decodePng(png({ w: 2, h: 1, colour: 0, rows: [Buffer.from([1, 2])], filter: 7 }))).toThrow(/row filter 7/);
  });

  it('caps pixels before allocating, and the inflated size', () => {
    const huge = png({ w: 1, h: 1, colour: 0, rows: [Buffer.from([0])], filter: 0 });
    huge.writeUInt32BE(100_000, 16);
    huge.writeUInt32BE(100_000, 20);
    huge.writeUInt32BE(crc32(huge.subarray(12, 29)) >>> 0, 29);
    expect(() => decodePng(huge, { maxPixels: 1_000_000, maxBytes: 1 << 20 })).toThrow(/too large/);
    // A zlib bomb: declared 4x4 but the data inflates to far more.
    const bomb = png({ w: 4, h: 4, colour: 0, rows: Array.from({ length: 4000 }, () => Buffer.alloc(4)), filter: 0 });
    expect(() => decodePng(bomb)).toThrow(PngError);
    expect(() => decodePng(huge, { maxPixels: 1e12, maxBytes: 10 })).toThrow(/larger than accepted/);
  });
});
