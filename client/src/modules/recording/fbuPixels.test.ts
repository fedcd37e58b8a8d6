import { describe, expect, it } from 'vitest';
import { carriesPixels } from './fbuPixels.ts';

/** A FramebufferUpdate with the given rectangles (encoding, payload bytes). */
function fbu(...rects: [number, number[]][]): number[] {
  const out = [0, 0, rects.length >> 8, rects.length & 255];
  for (const [enc, payload] of rects) {
    const head = new DataView(new ArrayBuffer(12));
    head.setUint16(4, 1280);
    head.setUint16(6, 758);
    head.setInt32(8, enc);
    out.push(...new Uint8Array(head.buffer), ...payload);
  }
  return out;
}
const screen = [1, 0, 0, 0, ...new Array<number>(16).fill(0)]; // one screen of ExtendedDesktopSize

describe('whether a recorded record draws pixels', () => {
  it('says no for Xvnc’s first answer (one ExtendedDesktopSize rectangle) and for a DesktopSize', () => {
    expect(carriesPixels(new Uint8Array(fbu([-308, screen])))).toBe(false);
    expect(carriesPixels(new Uint8Array(fbu([-223, []])))).toBe(false);
    expect(carriesPixels(new Uint8Array([...fbu([-308, screen]), ...fbu([-223, []])]))).toBe(false);
  });

  it('says yes when pixels follow, in the same update or the next message of the record', () => {
    expect(carriesPixels(new Uint8Array(fbu([-308, screen], [7, [0x80, 1, 2]])))).toBe(true);
    expect(carriesPixels(new Uint8Array([...fbu([-308, screen]), ...fbu([0, [1, 2, 3, 4]])]))).toBe(true);
    expect(carriesPixels(new Uint8Array(fbu([1, [0, 0, 0, 0]])))).toBe(true);
  });

  it('says yes for what it does not know (another message, an unknown pseudo-encoding, a cut record)', () => {
    expect(carriesPixels(new Uint8Array([2]))).toBe(true);
    expect(carriesPixels(new Uint8Array(fbu([-239, [1, 2]])))).toBe(true);
    expect(carriesPixels(new Uint8Array(fbu([-308, screen]).slice(0, 20)))).toBe(true);
  });
});
