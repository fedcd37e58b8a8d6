// The cost of following a control viewer's desktop→viewer RFB stream for the clipboard policy
// (server/rfb/server-messages.ts): MB/s of ServerMessageFilter.push over recorded-like streams next
// to a plain pass of the same chunks, in one process, so machine load affects both alike.
// Usage: node --import tsx bench/clip-filter.ts [--mib 512]
import { clipboardRule, gatherLimit, judgeCutText } from '../server/rfb/clipboard.ts';
import { readPixelFormat } from '../server/rfb/measured-encodings.ts';
import { ServerMessageFilter } from '../server/rfb/server-messages.ts';
import { msg } from '../server/rfb/test-messages.ts';

const MIB = Number(process.argv[process.argv.indexOf('--mib') + 1] || 512);
const pf = readPixelFormat(msg.setPixelFormat(), 4);
const rule = clipboardRule({ clipboard: 'both', clipboardMaxKb: 1024 });

/** One FramebufferUpdate of `rects` rectangles; raw ones of `bytes` each, or Tight JPEG ones of that many bytes. */
function update(rects: number, bytes: number, tight: boolean): Buffer {
  const parts: Buffer[] = [Buffer.from([0, 0, rects >> 8, rects & 0xff])];
  for (let i = 0; i < rects; i++) {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(64, 4);
    h.writeUInt16BE(tight ? 64 : bytes / 256, 6);
    h.writeInt32BE(tight ? 7 : 0, 8);
    parts.push(h);
    if (tight) parts.push(Buffer.from([0x90, (bytes & 0x7f) | 0x80, (bytes >> 7) & 0x7f]));
    parts.push(Buffer.alloc(bytes, i));
  }
  return Buffer.concat(parts);
}

function run(label: string, stream: Buffer, chunk: number): void {
  const chunks: Buffer[] = [];
  for (let off = 0; off < stream.length; off += chunk) chunks.push(stream.subarray(off, off + chunk));
  const rounds = Math.max(1, Math.round((MIB * 1048576) / stream.length));
  let sink = 0;
  const emit = (b: Buffer) => (sink += b.length);
  const time = (f: () => void) => {
    const t0 = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const plain = time(() => {
    for (let r = 0; r < rounds; r++) for (const c of chunks) emit(c);
  });
  const filter = new ServerMessageFilter(pf, {
    judge: (m) => judgeCutText(m, 'desktop', rule),
    maxBytes: rule.maxBytes,
    gatherLimit: gatherLimit(rule.maxBytes),
  });
  const filtered = time(() => {
    for (let r = 0; r < rounds; r++) for (const c of chunks) filter.push(c, emit);
  });
  const mb = (rounds * stream.length) / 1048576;
  console.log(
    `${label}: ${(mb / filtered).toFixed(0)} MiB/s filtered (${((filtered / mb) * 1e6).toFixed(1)} µs/MiB), plain pass ${(mb / plain).toFixed(0)} MiB/s; sink ${sink}`,
  );
}

run('raw 64 KiB rects, 64 KiB chunks', update(16, 65536, false), 65536);
run('raw 64 KiB rects, 1460-byte chunks', update(16, 65536, false), 1460);
run('Tight JPEG 2 KiB rects, 64 KiB chunks', update(512, 2048, true), 65536);
run('Tight JPEG 200-byte rects, 16 KiB chunks', update(4096, 200, true), 16384);
