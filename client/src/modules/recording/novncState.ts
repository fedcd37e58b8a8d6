// Whether noVNC has finished with the bytes it was given: its receive queue is empty and its display
// drew everything queued (JPEG rectangles decode asynchronously). noVNC 1.7 has no public event for
// this, so these private fields are read here, in one place, and a missing field counts as "done".
import type RFB from '@novnc/novnc';

interface Internals {
  _sock?: { rQlen?: () => number };
  _flushing?: boolean;
  _display?: { pending?: () => boolean };
}

/** Bytes noVNC holds but has not parsed yet (0 if unknown). */
export function queuedBytes(rfb: RFB): number {
  const s = (rfb as unknown as Internals)._sock;
  return typeof s?.rQlen === 'function' ? s.rQlen() : 0;
}

export function novncBusy(rfb: RFB): boolean {
  const i = rfb as unknown as Internals;
  return queuedBytes(rfb) > 0 || i._flushing === true || (typeof i._display?.pending === 'function' && i._display.pending());
}

const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));

/** Resolves once noVNC is idle and the browser painted that (one more animation frame). */
export async function novncSettled(rfb: RFB, isCancelled: () => boolean): Promise<void> {
  while (!isCancelled()) {
    await frame();
    if (!novncBusy(rfb)) {
      await frame();
      return;
    }
  }
}

interface FlipDisplay {
  flip?: (fromQueue?: boolean) => void;
}

/**
 * While fast-forwarding, noVNC's per-update copy of the changed area from its back buffer to the
 * visible canvas is wasted work (nobody sees those frames): it is held back, the changed area keeps
 * growing, and release() copies it once. Decoding into the back buffer is untouched, so every later
 * update (CopyRect, partial rectangles) still sees the right pixels.
 */
export function holdFlips(rfb: RFB): { release(): void } {
  const d = (rfb as unknown as Internals)._display as FlipDisplay | undefined;
  const real = d?.flip;
  if (!d || typeof real !== 'function') return { release: () => {} };
  d.flip = () => {};
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      delete d.flip; // the prototype's flip again
      if (d.flip !== real) d.flip = real;
      d.flip();
    },
  };
}
