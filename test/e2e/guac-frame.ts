// What a guacamole-common-js display in a page shows, sampled for comparisons between two pages (an
// owner's viewer and a helpdesk shadow of it): the default layer's canvas (the largest one; guacamole
// allocates canvases in steps of 64 pixels, so the display element's size is the picture's size), read
// on a grid of GRID_W x GRID_H points.
import type { Page } from 'playwright-core';

const GRID_W = 40;
const GRID_H = 24;
/** Per channel, how far two samples may differ and still be the same colour (PNG vs. WebP regions). */
const TOLERANCE = 24;

export interface GuacFrame {
  width: number;
  height: number;
  /** GRID_W x GRID_H samples, 0xRRGGBB. */
  samples: number[];
}

export async function guacFrame(page: Page): Promise<GuacFrame | null> {
  return page.evaluate(
    ([gw, gh]) => {
      const inner = document.querySelector('.guac-display')?.firstElementChild as HTMLElement | null;
      const width = parseInt(inner?.style.width ?? '', 10);
      const height = parseInt(inner?.style.height ?? '', 10);
      const all = Array.from(document.querySelectorAll<HTMLCanvasElement>('[data-testid="viewer"] canvas'));
      const c = all.sort((a, b) => b.width * b.height - a.width * a.height)[0];
      if (!c || !(width > 0) || !(height > 0)) return null;
      const d = c.getContext('2d')!.getImageData(0, 0, width, height).data;
      const samples: number[] = [];
      for (let y = 0; y < gh; y++)
        for (let x = 0; x < gw; x++) {
          const i = (Math.floor(((y + 0.5) * height) / gh) * width + Math.floor(((x + 0.5) * width) / gw)) * 4;
          samples.push((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
        }
      return { width, height, samples };
    },
    [GRID_W, GRID_H] as const,
  );
}

const near = (a: number, b: number) =>
  Math.abs((a >> 16) - (b >> 16)) <= TOLERANCE &&
  Math.abs(((a >> 8) & 0xff) - ((b >> 8) & 0xff)) <= TOLERANCE &&
  Math.abs((a & 0xff) - (b & 0xff)) <= TOLERANCE;

/** Share of samples that are (almost) black: a display that never got its picture is nearly all black. */
export function blackShare(f: GuacFrame): number {
  return f.samples.filter((s) => near(s, 0)).length / f.samples.length;
}

/** Share of sample points where two frames of the same size show the same colour (0 when the sizes differ). */
export function sameShare(a: GuacFrame, b: GuacFrame): number {
  if (a.width !== b.width || a.height !== b.height) return 0;
  return a.samples.filter((s, i) => near(s, b.samples[i]!)).length / a.samples.length;
}

/**
 * Waits until `shadow` shows what `owner` shows (at least `share` of the sample points alike, and not
 * mostly black), and returns the last comparison either way, for the test's own expectation.
 */
export async function untilSameFrame(
  owner: Page,
  shadow: Page,
  o: { share?: number; timeoutMs?: number } = {},
): Promise<{ same: number; black: number; size: string }> {
  const want = o.share ?? 0.9;
  const end = Date.now() + (o.timeoutMs ?? 15_000);
  let last = { same: 0, black: 1, size: 'none' };
  for (;;) {
    const [a, b] = await Promise.all([guacFrame(owner), guacFrame(shadow)]);
    if (a && b) last = { same: sameShare(a, b), black: blackShare(b), size: `${b.width}x${b.height} (owner ${a.width}x${a.height})` };
    if ((last.same >= want && last.black < 0.5) || Date.now() > end) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
}
