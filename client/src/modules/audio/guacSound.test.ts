// guacd's raw PCM as the viewer reads it: only `audio/L16` with a sane rate and channel count, and
// 16-bit little-endian interleaved samples split into channels scaled to [-1, 1).
import { describe, expect, it } from 'vitest';
import { decodeL16, parseL16 } from './guacSound.ts';

const base64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

describe('parseL16', () => {
  it('reads guacd’s mimetype and refuses anything else', () => {
    expect(parseL16('audio/L16;rate=44100,channels=2')).toEqual({ rate: 44100, channels: 2 });
    expect(parseL16('audio/L16;rate=48000,channels=1')).toEqual({ rate: 48000, channels: 1 });
    expect(parseL16('audio/L8;rate=44100,channels=2')).toBeNull();
    expect(parseL16('audio/L16;rate=1000,channels=2')).toBeNull();
    expect(parseL16('audio/L16;rate=44100,channels=0')).toBeNull();
    expect(parseL16('audio/ogg')).toBeNull();
  });
});

describe('decodeL16', () => {
  it('splits interleaved little-endian samples into channels', () => {
    const v = new DataView(new ArrayBuffer(8));
    v.setInt16(0, 16384, true); // L
    v.setInt16(2, -32768, true); // R
    v.setInt16(4, -16384, true); // L
    v.setInt16(6, 32767, true); // R
    const [l, r] = decodeL16(base64(new Uint8Array(v.buffer)), 2);
    expect(Array.from(l!)).toEqual([0.5, -0.5]);
    expect(r![0]).toBe(-1);
    expect(r![1]).toBeCloseTo(1, 3);
  });

  it('drops a trailing partial frame', () => {
    expect(decodeL16(base64(new Uint8Array(7)), 2)[0]!.length).toBe(1);
  });
});
