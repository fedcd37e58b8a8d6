// The session policy's clipboard rule applied to RFB cut-text messages (ClientCutText from the
// viewer, ServerCutText from the desktop), plain and extended (the 0xC0A1E5CE pseudo-encoding).
// A text over the cap is dropped whole, never truncated. Pure functions over whole messages.
import { inflateSync, constants as zlibConstants } from 'node:zlib';
import type { ClipboardMode } from '../../contract/api/policy.ts';

/** What may cross, and how large a text may be (bytes, every format of one message together). */
export interface ClipboardRule {
  toDesktop: boolean;
  fromDesktop: boolean;
  maxBytes: number;
}

export function clipboardRule(p: { clipboard: ClipboardMode; clipboardMaxKb: number }): ClipboardRule {
  return {
    toDesktop: p.clipboard === 'both' || p.clipboard === 'to_desktop',
    fromDesktop: p.clipboard === 'both' || p.clipboard === 'from_desktop',
    maxBytes: p.clipboardMaxKb * 1024,
  };
}

/** Extended clipboard actions (flags' top byte) and formats (low 16 bits). */
export const ExtClipAction = { Caps: 1 << 24, Request: 1 << 25, Peek: 1 << 26, Notify: 1 << 27, Provide: 1 << 28 } as const;
const FORMAT_MASK = 0xffff;

export type CutTextVerdict = 'forward' | 'blocked' | 'over_cap';
/** Who sent the message: the viewer (ClientCutText) or the desktop (ServerCutText). */
export type CutTextSender = 'viewer' | 'desktop';

/**
 * Whether one whole cut-text message (8-byte header: type, 3 padding, s32 length; then the payload)
 * may cross. Extended messages are judged by what they ask for: Provide and Notify move or announce
 * the sender's text, Request and Peek ask for the other side's; Caps always pass (negotiation).
 */
export function judgeCutText(msg: Buffer, sender: CutTextSender, rule: ClipboardRule): CutTextVerdict {
  const length = msg.readInt32BE(4);
  const outward = sender === 'viewer' ? rule.toDesktop : rule.fromDesktop; // the sender's text leaving it
  if (length >= 0) {
    if (!outward) return 'blocked';
    return length > rule.maxBytes ? 'over_cap' : 'forward';
  }
  if (msg.length < 12) return 'blocked'; // an extended message without its flags: nothing to judge, nothing lost
  const flags = msg.readUInt32BE(8);
  if (flags & ExtClipAction.Caps) return 'forward';
  const inward = sender === 'viewer' ? rule.fromDesktop : rule.toDesktop; // the other side's text coming to the sender
  if (flags & (ExtClipAction.Request | ExtClipAction.Peek) && !inward) return 'blocked';
  if (flags & (ExtClipAction.Notify | ExtClipAction.Provide) && !outward) return 'blocked';
  if (flags & ExtClipAction.Provide) return providedBytes(msg.subarray(12), flags, rule.maxBytes) <= rule.maxBytes ? 'forward' : 'over_cap';
  return 'forward';
}

/**
 * Bytes of text a Provide carries: a zlib stream of (u32 size, data) per format named in the flags.
 * Inflation stops past the cap (maxOutputLength), so a small message cannot make the gateway inflate
 * a large one; a stream that is over or malformed counts as over the cap (Infinity).
 */
export function providedBytes(deflated: Buffer, flags: number, maxBytes: number): number {
  let plain: Buffer;
  try {
    // Each side deflates a Provide as its own stream, flushed but not finished (noVNC, TigerVNC).
    const formats = popcount(flags & FORMAT_MASK);
    plain = inflateSync(deflated, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: maxBytes + 4 * formats + 1 });
  } catch {
    return Infinity;
  }
  let total = 0;
  let pos = 0;
  for (let bit = 0; bit < 16; bit++) {
    if (!(flags & (1 << bit))) continue;
    if (pos + 4 > plain.length) return Infinity;
    const size = plain.readUInt32BE(pos);
    total += size;
    pos += 4 + size;
  }
  return pos <= plain.length ? total : Infinity;
}

function popcount(n: number): number {
  let c = 0;
  for (let v = n; v; v &= v - 1) c++;
  return c;
}

/**
 * Largest extended ServerCutText payload worth gathering to judge: deflate grows data by at most a
 * few bytes per 16 KiB block, so a payload past this holds more text than the cap for sure.
 */
export function gatherLimit(maxBytes: number): number {
  return maxBytes + (maxBytes >> 10) + 1024;
}
