// The desktop→viewer filter of view-only displays: every message and encoding a view viewer may
// get passes byte for byte, however the stream is chunked; the desktop's clipboard (plain and
// extended) never does; anything the filter cannot measure is an error, never a guess.
import { describe, expect, it } from 'vitest';
import { Encoding } from './constants.ts';
import { readPixelFormat, type PixelFormatInfo } from './measured-encodings.ts';
import { ServerMessageFilter } from './server-messages.ts';
import { cat, msg, s32, u16, u32 } from './test-messages.ts';

const TRUE_COLOUR: PixelFormatInfo = readPixelFormat(msg.setPixelFormat(), 4); // 32 bpp, depth 24

const rect = (w: number, h: number, encoding: number, payload: Buffer) => cat(u16(1), u16(2), u16(w), u16(h), s32(encoding), payload);
const update = (...rects: Buffer[]) => cat([0, 0], u16(rects.length), ...rects);
/** Tight compact length (1-3 bytes). */
const compact = (n: number) =>
  n < 0x80
    ? Buffer.from([n])
    : n < 0x4000
      ? Buffer.from([(n & 0x7f) | 0x80, n >> 7])
      : Buffer.from([(n & 0x7f) | 0x80, ((n >> 7) & 0x7f) | 0x80, n >> 14]);

const server = {
  cutText: (text: string) => cat([3, 0, 0, 0], u32(Buffer.byteLength(text)), Buffer.from(text)),
  extendedCutText: (payload: Buffer) => cat([3, 0, 0, 0], s32(-payload.length), payload),
  bell: () => Buffer.from([2]),
  colourMap: (n: number) => cat([1, 0], u16(0), u16(n), Buffer.alloc(6 * n, 7)),
  endOfContinuous: () => Buffer.from([150]),
  fence: (payload: Buffer) => cat([248, 0, 0, 0], u32(0x80000000), [payload.length], payload),
  xvp: () => Buffer.from([250, 0, 1, 1]),
};

/** One of each rectangle shape a view viewer may get, in 32 bpp. */
const RECTS: Buffer[] = [
  rect(4, 3, Encoding.Raw, Buffer.alloc(4 * 3 * 4, 1)),
  rect(10, 10, Encoding.CopyRect, cat(u16(5), u16(6))),
  rect(64, 64, Encoding.ZRLE, cat(u32(300), Buffer.alloc(300, 2))),
  rect(8, 8, Encoding.Tight, cat([0x80], [1, 2, 3])), // fill
  rect(64, 64, Encoding.Tight, cat([0x90], compact(200), Buffer.alloc(200, 3))), // JPEG
  rect(64, 64, Encoding.Tight, cat([0x90], compact(2_000), Buffer.alloc(2_000, 3))), // JPEG, 2-byte length
  rect(2, 1, Encoding.Tight, cat([0x00], Buffer.alloc(6, 4))), // basic copy, under 12 bytes: raw
  rect(16, 16, Encoding.Tight, cat([0x00], compact(90), Buffer.alloc(90, 4))), // basic copy, zlib
  rect(16, 16, Encoding.Tight, cat([0x40, 2], compact(50), Buffer.alloc(50, 4))), // gradient filter
  rect(16, 2, Encoding.Tight, cat([0x40, 1, 1], Buffer.alloc(6, 5), Buffer.alloc(4, 6))), // 2-colour palette, 4 bytes raw
  rect(16, 16, Encoding.Tight, cat([0x40, 1, 3], Buffer.alloc(12, 5), compact(40), Buffer.alloc(40, 6))), // 4 colours, zlib
  rect(16, 16, Encoding.Cursor, Buffer.alloc(16 * 16 * 4 + 2 * 16, 8)),
  rect(800, 600, Encoding.DesktopSize, Buffer.alloc(0)),
  rect(800, 600, Encoding.ExtendedDesktopSize, cat([2, 0, 0, 0], Buffer.alloc(32, 9))),
  rect(0, 0, Encoding.DesktopName, cat(u32(5), Buffer.from('Desk!'))),
];

const KEPT: Buffer[] = [
  update(...RECTS),
  server.bell(),
  server.colourMap(3),
  update(), // no rectangles
  server.endOfContinuous(),
  server.fence(Buffer.from('abc')),
  server.xvp(),
  // LastRect ends an update that announced 0xFFFF rectangles.
  cat([0, 0], u16(0xffff), RECTS[0] as Buffer, rect(0, 0, Encoding.LastRect, Buffer.alloc(0))),
];
const WITHHELD = [server.cutText('the owner copied a password'), server.extendedCutText(Buffer.alloc(40, 1)), server.cutText('')];

/** Kept and withheld messages interleaved, with what must come out. */
const STREAM = Buffer.concat([KEPT[0]!, WITHHELD[0]!, ...KEPT.slice(1, 4), WITHHELD[1]!, ...KEPT.slice(4), WITHHELD[2]!, KEPT[1]!]);
const EXPECTED = Buffer.concat([...KEPT, KEPT[1]!]);

function run(chunks: Buffer[], filter = new ServerMessageFilter(TRUE_COLOUR)): { out: Buffer; error?: string } {
  const parts: Buffer[] = [];
  for (const c of chunks) {
    const r = filter.push(c, (s) => parts.push(s));
    if (!r.ok) return { out: Buffer.concat(parts), error: r.error };
  }
  return { out: Buffer.concat(parts) };
}

describe('ServerMessageFilter', () => {
  it('passes every message a view viewer may get and withholds the clipboard', () => {
    const f = new ServerMessageFilter(TRUE_COLOUR);
    expect(run([STREAM], f)).toEqual({ out: EXPECTED });
    expect(f.withheldMessages).toBe(3);
    // The recorder's view of the stream: whole updates counted, the last announced size, a boundary at the end.
    expect(f.completedUpdates).toBe(3);
    expect(f.desktopSize).toEqual({ width: 800, height: 600 });
    expect(f.atMessageBoundary).toBe(true);
  });

  it('gives the same bytes for every split point and one byte at a time', () => {
    const wrong: number[] = [];
    for (let split = 0; split <= STREAM.length; split++) {
      if (!run([STREAM.subarray(0, split), STREAM.subarray(split)]).out.equals(EXPECTED)) wrong.push(split);
    }
    expect(wrong).toEqual([]);
    const bytes = [...STREAM].map((b) => Buffer.from([b]));
    expect(run(bytes).out.equals(EXPECTED)).toBe(true);
  });

  it('forwards a chunk without clipboard as the very same buffer (no copy)', () => {
    const chunk = Buffer.concat(KEPT);
    const seen: Buffer[] = [];
    new ServerMessageFilter(TRUE_COLOUR).push(chunk, (s) => seen.push(s));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(chunk);
  });

  it('measures raw rectangles with the pixel format the viewer asked for', () => {
    const f = new ServerMessageFilter(TRUE_COLOUR);
    f.setPixelFormat({ bitsPerPixel: 16, depth: 16, trueColour: true, max255: false });
    const raw16 = update(rect(4, 3, Encoding.Raw, Buffer.alloc(4 * 3 * 2)));
    // Tight uses whole pixels too when the format is not 24-bit colour in 32 bits.
    const fill16 = update(rect(4, 3, Encoding.Tight, cat([0x80], [1, 2])));
    const stream = Buffer.concat([raw16, fill16, server.cutText('x'), server.bell()]);
    expect(run([stream], f).out).toEqual(Buffer.concat([raw16, fill16, server.bell()]));
  });

  it('refuses what it cannot measure instead of guessing', () => {
    const bad: [Buffer, RegExp][] = [
      [Buffer.from([99]), /unknown server message type 99/],
      [update(rect(4, 4, 5, Buffer.alloc(0))), /encoding 5/], // Hextile: not offered to view viewers
      [update(rect(4, 4, 50, Buffer.alloc(0))), /encoding 50/], // H.264
      [update(rect(4, 4, Encoding.Tight, Buffer.from([0xa0]))), /method 10/], // TightPNG's PNG
      [update(rect(4, 4, Encoding.Tight, Buffer.from([0x40, 9]))), /filter 9/],
      [cat([248, 0, 0, 0], u32(0), [65]), /ServerFence payload of 65/],
    ];
    for (const [stream, why] of bad) expect(run([stream]).error).toMatch(why);
  });

  it('reads a three-byte Tight length', () => {
    const jpeg = update(rect(256, 256, Encoding.Tight, cat([0x90], compact(70_000), Buffer.alloc(70_000, 3))));
    expect(compact(70_000)).toHaveLength(3);
    const out = run([jpeg.subarray(0, 20), jpeg.subarray(20), server.cutText('x'), server.bell()]).out;
    expect(out.equals(Buffer.concat([jpeg, server.bell()]))).toBe(true);
  });

  it('withholds a clipboard split over many chunks without holding it', () => {
    const big = server.cutText('s'.repeat(100_000));
    const chunks = [server.bell(), big.subarray(0, 3), big.subarray(3, 50_000), big.subarray(50_000), server.bell()].map((b) =>
      Buffer.from(b),
    );
    const f = new ServerMessageFilter(TRUE_COLOUR);
    expect(run(chunks, f).out).toEqual(Buffer.from([2, 2]));
    expect(f.withheldMessages).toBe(1);
  });
});

// The test-messages builders are for client messages; keep this file's own builders honest too.
it('the client SetPixelFormat fixture is 32 bpp depth 24 true colour', () => {
  expect(TRUE_COLOUR).toEqual({ bitsPerPixel: 32, depth: 24, trueColour: true, max255: true });
  expect(msg.setPixelFormat()).toHaveLength(20);
});

describe('ServerMessageFilter for a control viewer under a clipboard policy', () => {
  const judgeWith = (allow: boolean, maxBytes: number) => ({
    maxBytes,
    gatherLimit: maxBytes + 1024,
    // A stand-in judge (the real one is clipboard.ts, tested there): direction, then the message's size.
    judge: (m: Buffer) => (!allow ? ('blocked' as const) : m.length - 8 > maxBytes ? ('over_cap' as const) : ('forward' as const)),
  });
  const ext = (n: number) => server.extendedCutText(cat(u32(1 << 28), Buffer.alloc(n - 4, 7)));
  const small = server.cutText('kept text');
  const large = server.cutText('y'.repeat(5000));
  const stream = Buffer.concat([KEPT[0]!, small, server.bell(), large, ext(40), ext(3000), KEPT[2]!]);

  it('forwards allowed texts byte for byte and drops texts over the cap whole, at every split point', () => {
    const want = Buffer.concat([KEPT[0]!, small, server.bell(), ext(40), KEPT[2]!]);
    const wrong: number[] = [];
    for (let split = 0; split <= stream.length; split += 7) {
      const f = new ServerMessageFilter(TRUE_COLOUR, judgeWith(true, 1000));
      const r = run([stream.subarray(0, split), stream.subarray(split)], f);
      if (!r.out.equals(want) || f.blockedMessages !== 2) wrong.push(split);
    }
    expect(wrong).toEqual([]);
    const f = new ServerMessageFilter(TRUE_COLOUR, judgeWith(true, 1000));
    expect(
      run(
        [...stream].map((b) => Buffer.from([b])),
        f,
      ).out.equals(want),
    ).toBe(true);
  });

  it('drops every text when the direction is off, and counts them as blocked, not withheld', () => {
    const f = new ServerMessageFilter(TRUE_COLOUR, judgeWith(false, 1000));
    expect(run([stream], f).out).toEqual(Buffer.concat([KEPT[0]!, server.bell(), KEPT[2]!]));
    expect(f.blockedMessages).toBe(4);
    expect(f.withheldMessages).toBe(0);
  });

  it('passes the pseudo-rectangles of the extensions a control viewer keeps', () => {
    const u = update(rect(0, 0, Encoding.QemuExtendedKeyEvent, Buffer.alloc(0)), rect(0, 0, Encoding.Xvp, Buffer.alloc(0)));
    const f = new ServerMessageFilter(TRUE_COLOUR, judgeWith(true, 1000));
    expect(run([u, small], f).out).toEqual(Buffer.concat([u, small]));
  });
});
