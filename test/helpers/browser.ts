// Debian's Chromium through playwright-core, with the flags this closed network needs, and the
// places e2e tests put their screenshots.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium-flags.ts';

export { CHROMIUM_ARGS, CHROMIUM_PATH };

export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

declare global {
  // The viewer's test hook (client/src/modules/viewer/debugHook.ts).
  interface Window {
    __deskport?: { rfbState: string; sessionId: string; attempts: number };
  }
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Resolves once the viewer is connected and its canvas shows more than one colour (a real frame). */
export async function waitForFirstFrame(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.waitForFunction(() => window.__deskport?.rfbState === 'connected', undefined, { timeout: timeoutMs });
  await page.waitForFunction(
    () => {
      const c = document.querySelector('[data-testid="viewer"] canvas') as HTMLCanvasElement | null;
      if (!c || c.width === 0) return false;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 4; i < d.length; i += 4 * 97) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) return true;
      return false;
    },
    undefined,
    { timeout: timeoutMs, polling: 20 },
  );
}

/** Appends one measured launch (click to first frame) to test-artifacts/launch-timings.json. */
export function recordLaunch(kind: string, ms: number): void {
  const file = join(ARTIFACTS, 'launch-timings.json');
  let all: { kind: string; ms: number; at: string }[] = [];
  try {
    all = JSON.parse(readFileSync(file, 'utf8')) as typeof all;
  } catch {
    /* first record */
  }
  all.push({ kind, ms, at: new Date().toISOString() });
  writeFileSync(file, JSON.stringify(all, null, 2));
}
