// Client→server framing: every message type round-trips, any chunking yields the same messages,
// whole messages are not copied, and unknown types or over-cap lengths are errors with a reason.
import { describe, expect, it } from 'vitest';
import { ClientMessageParser, type ClientMessage } from './client-messages.ts';
import { cat, msg, s32, u16, u32 } from './test-messages.ts';

const ALL: Buffer[] = [
  msg.setPixelFormat(),
  msg.setEncodings([0, 1, 7, -239, -316]),
  msg.fbur(),
  msg.key(1, 0x61),
  msg.pointer(1, 10, 20),
  msg.cutText(Buffer.from('hello')),
  msg.extendedCutText(Buffer.alloc(12, 9)),
  msg.continuousUpdates(),
  msg.fence(Buffer.from('abc')),
  msg.xvp(),
  msg.setDesktopSize(2),
  msg.qemuKey(),
  msg.qemuAudio(0),
  msg.qemuAudio(1),
  msg.qemuAudio(2),
  msg.setEncodings([]),
  msg.cutText(Buffer.alloc(0)),
  msg.fence(Buffer.alloc(0)),
];
const STREAM = Buffer.concat(ALL);

function parseAll(chunks: Buffer[], parser = new ClientMessageParser()): ClientMessage[] {
  const out: ClientMessage[] = [];
  for (const c of chunks) {
    const r = parser.push(c);
    if (!r.ok) throw new Error(r.error);
    out.push(...r.messages);
  }
  return out;
}

describe('ClientMessageParser', () => {
  it('round-trips every message type', () => {
    for (const m of ALL) {
      const [parsed, ...rest] = parseAll([m]);
      expect(rest).toEqual([]);
      expect(parsed?.type).toBe(m[0]);
      expect(parsed?.bytes).toEqual(m);
    }
  });

  it('yields the same messages for every single split point of a multi-message buffer', () => {
    for (let split = 0; split <= STREAM.length; split++) {
      const parsed = parseAll([STREAM.subarray(0, split), STREAM.subarray(split)]);
      expect(parsed.map((p) => p.bytes)).toEqual(ALL);
    }
  });

  it('yields the same messages for every pair of split points and one byte at a time', () => {
    for (let a = 0; a <= STREAM.length; a += 3) {
      for (let b = a; b <= STREAM.length; b += 5) {
        const parsed = parseAll([STREAM.subarray(0, a), STREAM.subarray(a, b), STREAM.subarray(b)]);
        expect(Buffer.concat(parsed.map((p) => p.bytes))).toEqual(STREAM);
        expect(parsed).toHaveLength(ALL.length);
      }
    }
    const bytewise = parseAll([...STREAM].map((x) => Buffer.from([x])));
    expect(bytewise.map((p) => p.bytes)).toEqual(ALL);
  });

  it('returns whole messages as views into the chunk, not copies', () => {
    const parsed = parseAll([STREAM]);
    for (const p of parsed) expect(p.bytes.buffer).toBe(STREAM.buffer);
  });

  it('holds a truncated message until the rest arrives, and only the tail', () => {
    const parser = new ClientMessageParser();
    const half = msg.cutText(Buffer.alloc(1000, 1));
    const r = parser.push(Buffer.concat([msg.fbur(), half.subarray(0, 500)]));
    expect(r).toMatchObject({ ok: true });
    expect(r.messages).toHaveLength(1);
    expect(parser.buffered).toBe(500);
    const r2 = parser.push(half.subarray(500));
    expect(r2.messages.map((m) => m.bytes)).toEqual([half]);
    expect(parser.buffered).toBe(0);
  });

  it('rejects unknown message types with a reason, and stays failed', () => {
    const parser = new ClientMessageParser();
    const r = parser.push(Buffer.concat([msg.fbur(), Buffer.from([99, 0, 0, 0])]));
    expect(r).toMatchObject({ ok: false, error: 'unknown client message type 99' });
    expect(r.messages).toHaveLength(1); // what came before the bad byte is still whole and valid
    expect(parser.push(msg.fbur())).toMatchObject({ ok: false });
  });

  it('rejects an unknown type found in a split header', () => {
    const parser = new ClientMessageParser();
    expect(parser.push(Buffer.from([255]))).toMatchObject({ ok: true });
    expect(parser.push(Buffer.from([7, 0]))).toMatchObject({ ok: false, error: 'unknown QEMU client message subtype 7' });
    const p2 = new ClientMessageParser();
    expect(p2.push(Buffer.from([255, 1, 0]))).toMatchObject({ ok: true });
    expect(p2.push(Buffer.from([9]))).toMatchObject({ ok: false, error: 'unknown QEMU audio operation 9' });
  });

  it('refuses a clipboard text over the cap (10 MiB by default) as one message, dropping its text as it comes', () => {
    const over = 10 * 1024 * 1024 + 1;
    for (const len of [u32(over), s32(-over), s32(-0x80000000)]) {
      const r = new ClientMessageParser().push(cat([6, 0, 0, 0], len));
      expect(r).toMatchObject({ ok: true, messages: [{ type: 6, oversized: Math.abs(len.readInt32BE(0)) || over }] });
    }
    const small = new ClientMessageParser({ maxClipboardBytes: 16 });
    expect(small.push(msg.cutText(Buffer.alloc(16)))).toMatchObject({ ok: true, messages: [{ type: 6 }] });
    // 17 bytes of text split over three chunks, the header itself split, then a KeyEvent: the text is
    // never held (buffered stays 0 while it passes) and the next message is found where it starts.
    const big = msg.cutText(Buffer.alloc(17, 0x41));
    const key = msg.key(1, 0x61);
    const p = small;
    expect(p.push(big.subarray(0, 5))).toMatchObject({ ok: true, messages: [] });
    const r1 = p.push(big.subarray(5, 12));
    expect(r1).toMatchObject({ ok: true, messages: [{ type: 6, oversized: 17 }] });
    expect(r1.messages[0]!.bytes).toHaveLength(8);
    expect(p.buffered).toBe(0);
    expect(p.push(big.subarray(12, 20))).toMatchObject({ ok: true, messages: [] });
    const r2 = p.push(Buffer.concat([big.subarray(20), key]));
    expect(r2).toMatchObject({ ok: true, messages: [{ type: 4 }] });
    expect(r2.messages[0]!.bytes).toEqual(key);
  });

  it('caps SetEncodings, ClientFence and SetDesktopSize counts', () => {
    expect(new ClientMessageParser().push(cat([2, 0], u16(512), Buffer.alloc(2048)))).toMatchObject({ ok: true });
    expect(new ClientMessageParser().push(cat([2, 0], u16(513)))).toMatchObject({ ok: false });
    expect(new ClientMessageParser().push(msg.fence(Buffer.alloc(64)))).toMatchObject({ ok: true });
    expect(new ClientMessageParser().push(cat([248, 0, 0, 0], u32(0), [65]))).toMatchObject({ ok: false });
    expect(new ClientMessageParser().push(msg.setDesktopSize(16))).toMatchObject({ ok: true });
    expect(new ClientMessageParser().push(cat([251, 0], u16(1), u16(1), [17, 0]))).toMatchObject({ ok: false });
  });

  it('rejects an invalid clipboard cap option', () => {
    expect(() => new ClientMessageParser({ maxClipboardBytes: -1 })).toThrow(RangeError);
  });
});
