// The clipboard policy on RFB cut text: each mode lets exactly its direction through, texts over the
// cap are dropped whole (plain and extended), extended negotiation (Caps) always passes.
import { deflateSync, constants as zc } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { clipboardRule, ExtClipAction, judgeCutText, providedBytes } from './clipboard.ts';
import { cat, s32, u32 } from './test-messages.ts';

const TEXT = 1; // extended clipboard format bit for UTF-8 text
const plain = (type: number, text: string) => cat([type, 0, 0, 0], u32(Buffer.byteLength(text)), Buffer.from(text));
/** An extended message: flags, then (Provide) a flushed, unfinished zlib stream of size + text, as noVNC sends. */
function extended(type: number, action: number, text?: string): Buffer {
  let payload = u32(action | TEXT);
  if (text !== undefined) {
    const body = cat(u32(Buffer.byteLength(text) + 1), Buffer.from(text), [0]);
    payload = cat(payload, deflateSync(body, { finishFlush: zc.Z_SYNC_FLUSH }));
  }
  return cat([type, 0, 0, 0], s32(-payload.length), payload);
}
const VIEWER = 6;
const DESKTOP = 3;
const rule = (mode: 'both' | 'to_desktop' | 'from_desktop' | 'none', kb = 1) => clipboardRule({ clipboard: mode, clipboardMaxKb: kb });

describe('judgeCutText', () => {
  it('lets each mode pass exactly its direction, plain and extended', () => {
    const table = {
      both: [true, true],
      to_desktop: [true, false],
      from_desktop: [false, true],
      none: [false, false],
    } as const;
    for (const [mode, [toDesktop, fromDesktop]] of Object.entries(table)) {
      const r = rule(mode as keyof typeof table);
      const want = (ok: boolean) => (ok ? 'forward' : 'blocked');
      expect(judgeCutText(plain(VIEWER, 'hi'), 'viewer', r), mode).toBe(want(toDesktop));
      expect(judgeCutText(plain(DESKTOP, 'hi'), 'desktop', r), mode).toBe(want(fromDesktop));
      expect(judgeCutText(extended(VIEWER, ExtClipAction.Provide, 'hi'), 'viewer', r), mode).toBe(want(toDesktop));
      expect(judgeCutText(extended(DESKTOP, ExtClipAction.Provide, 'hi'), 'desktop', r), mode).toBe(want(fromDesktop));
      // Notify announces the sender's text; Request asks for the other side's.
      expect(judgeCutText(extended(VIEWER, ExtClipAction.Notify), 'viewer', r), mode).toBe(want(toDesktop));
      expect(judgeCutText(extended(DESKTOP, ExtClipAction.Request), 'desktop', r), mode).toBe(want(toDesktop));
      expect(judgeCutText(extended(VIEWER, ExtClipAction.Request), 'viewer', r), mode).toBe(want(fromDesktop));
      expect(judgeCutText(extended(DESKTOP, ExtClipAction.Notify), 'desktop', r), mode).toBe(want(fromDesktop));
      // Capabilities are negotiation, not text.
      expect(judgeCutText(extended(DESKTOP, ExtClipAction.Caps), 'desktop', r), mode).toBe('forward');
    }
  });

  it('drops a text over the cap whole, and keeps one at the cap', () => {
    const r = rule('both', 1);
    expect(judgeCutText(plain(VIEWER, 'x'.repeat(1024)), 'viewer', r)).toBe('forward');
    expect(judgeCutText(plain(VIEWER, 'x'.repeat(1025)), 'viewer', r)).toBe('over_cap');
    expect(judgeCutText(plain(DESKTOP, 'x'.repeat(1025)), 'desktop', r)).toBe('over_cap');
    // Extended: the size is of the inflated text (+ its NUL), not of the compressed bytes.
    expect(judgeCutText(extended(DESKTOP, ExtClipAction.Provide, 'x'.repeat(1023)), 'desktop', r)).toBe('forward');
    const big = extended(DESKTOP, ExtClipAction.Provide, 'x'.repeat(100_000));
    expect(big.length).toBeLessThan(1024); // compresses well, still over the cap
    expect(judgeCutText(big, 'desktop', r)).toBe('over_cap');
    expect(judgeCutText(extended(VIEWER, ExtClipAction.Provide, 'x'.repeat(2000)), 'viewer', r)).toBe('over_cap');
  });

  it('counts a malformed Provide as over the cap', () => {
    expect(providedBytes(Buffer.from('not zlib at all'), TEXT, 1024)).toBe(Infinity);
    expect(providedBytes(deflateSync(Buffer.from([0, 0])), TEXT, 1024)).toBe(Infinity); // size field cut short
  });
});
