// A minimal PNG decoder for images guacd streams (thumbnails of RDP/SSH sessions): zlib from Node
// and the five PNG row filters. Non-interlaced, bit depth 8 for every colour type, and 1/2/4 for
// greyscale and palette; anything else (16-bit, Adam7, a broken chunk) is refused with an error.
// Every size is capped before memory is taken for it.
import { crc32, inflateSync } from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  /** width * height * 4 bytes, R G B A, not premultiplied. */
  rgba: Buffer;
}

export interface PngLimits {
  /** width * height at most. */
  maxPixels: number;
  /** Input bytes at most. */
  maxBytes: number;
}

export class PngError extends Error {}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const DEFAULT_LIMITS: PngLimits = { maxPixels: 8192 * 4096, maxBytes: 64 * 1024 * 1024 };

/** Channels per colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function decodePng(png: Buffer, limits: PngLimits = DEFAULT_LIMITS): DecodedPng {
  if (png.length > limits.maxBytes) throw new PngError('the PNG is larger than accepted');
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new PngError('not a PNG (bad signature)');
  let off = 8;
  let ihdr: Buffer | null = null;
  let palette: Buffer | null = null;
  let trns: Buffer | null = null;
  const idat: Buffer[] = [];
  for (;;) {
    if (off + 12 > png.length) throw new PngError('the PNG ends before its IEND chunk');
    const len = png.readUInt32BE(off);
    if (len > png.length - off - 12) throw new PngError('a PNG chunk runs past the end of the data');
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (png.readUInt32BE(off + 8 + len) !== crc32(png.subarray(off + 4, off + 8 + len)) >>> 0)
      throw new PngError(`bad CRC in the PNG ${JSON.stringify(type)} chunk`);
    off += 12 + len;
    if (type === 'IHDR') {
      if (ihdr || len !== 13) throw new PngError('bad PNG IHDR chunk');
      ihdr = data;
    } else if (!ihdr) throw new PngError('the PNG does not start with IHDR');
    else if (type === 'PLTE') {
      if (len === 0 || len % 3 !== 0 || len > 768) throw new PngError('bad PNG palette');
      palette = data;
    } else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    else if ((type.charCodeAt(0) & 0x20) === 0) throw new PngError(`unsupported critical PNG chunk ${JSON.stringify(type)}`);
  }
  if (!ihdr) throw new PngError('the PNG has no IHDR chunk');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const [depth, colour, compression, filter, interlace] = [ihdr[8]!, ihdr[9]!, ihdr[10]!, ihdr[11]!, ihdr[12]!];
  if (width === 0 || height === 0) throw new PngError('the PNG has no pixels');
  if (width * height > limits.maxPixels) throw new PngError(`the PNG is too large (${width}x${height})`);
  const channels = CHANNELS[colour];
  if (channels === undefined) throw new PngError(`unknown PNG colour type ${colour}`);
  const lowDepthOk = (colour === 0 || colour === 3) && (depth === 1 || depth === 2 || depth === 4);
  if (depth !== 8 && !lowDepthOk) throw new PngError(`unsupported PNG bit depth ${depth} for colour type ${colour}`);
  if (compression !== 0 || filter !== 0) throw new PngError('unknown PNG compression or filter method');
  if (interlace !== 0) throw new PngError('interlaced PNGs are not supported');
  if (colour === 3 && !palette) throw new PngError('a palette PNG without a palette');
  if (idat.length === 0) throw new PngError('the PNG has no image data');

  const bitsPerPixel = channels * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3); // bytes to the corresponding byte of the pixel to the left
  const expected = (stride + 1) * height;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (err) {
    throw new PngError(`the PNG image data does not inflate: ${(err as Error).message}`);
  }
  if (raw.length !== expected) throw new PngError('the PNG image data does not match its size');

  unfilter(raw, stride, height, bpp);
  return { width, height, rgba: toRgba(raw, { width, height, stride, depth, colour, palette, trns }) };
}

/** Undoes the per-row filters in place (raw keeps each row's filter byte in front). */
function unfilter(raw: Buffer, stride: number, height: number, bpp: number): void {
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1;
    const prev = row - (stride + 1); // only read when y > 0
    const ft = raw[row - 1]!;
    if (ft > 4) throw new PngError(`unknown PNG row filter ${ft}`);
    if (ft === 0) continue;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? raw[row + i - bpp]! : 0;
      const b = y > 0 ? raw[prev + i]! : 0;
      const c = i >= bpp && y > 0 ? raw[prev + i - bpp]! : 0;
      let v: number;
      switch (ft) {
        case 1:
          v = a;
          break;
        case 2:
          v = b;
          break;
        case 3:
          v = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          v = 0;
      }
      raw[row + i] = (raw[row + i]! + v) & 0xff;
    }
  }
}

interface Layout {
  width: number;
  height: number;
  stride: number;
  depth: number;
  colour: number;
  palette: Buffer | null;
  trns: Buffer | null;
}

function toRgba(raw: Buffer, l: Layout): Buffer {
  const { width, height, stride, depth, colour, palette, trns } = l;
  const out = Buffer.alloc(width * height * 4);
  const max = (1 << depth) - 1;
  // tRNS for grey/RGB names one fully transparent colour (16-bit samples, only the low byte matters at depth 8).
  const keyGrey = colour === 0 && trns && trns.length >= 2 ? trns.readUInt16BE(0) : -1;
  const keyRgb = colour === 2 && trns && trns.length >= 6 ? [trns.readUInt16BE(0), trns.readUInt16BE(2), trns.readUInt16BE(4)] : null;
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      let r: number, g: number, b: number;
      let a = 255;
      if (colour === 2 || colour === 6) {
        const i = row + x * (colour === 2 ? 3 : 4);
        r = raw[i]!;
        g = raw[i + 1]!;
        b = raw[i + 2]!;
        if (colour === 6) a = raw[i + 3]!;
        else if (keyRgb && r === keyRgb[0] && g === keyRgb[1] && b === keyRgb[2]) a = 0;
      } else if (colour === 4) {
        r = g = b = raw[row + x * 2]!;
        a = raw[row + x * 2 + 1]!;
      } else {
        // grey or palette, 1/2/4/8 bits per sample
        const bit = x * depth;
        const sample = (raw[row + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
        if (colour === 0) {
          r = g = b = Math.round((sample * 255) / max);
          if (sample === keyGrey) a = 0;
        } else {
          if (sample * 3 + 2 >= palette!.length) throw new PngError('a PNG pixel indexes past its palette');
          r = palette![sample * 3]!;
          g = palette![sample * 3 + 1]!;
          b = palette![sample * 3 + 2]!;
          if (trns && sample < trns.length) a = trns[sample]!;
        }
      }
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = a;
    }
  }
  return out;
}
