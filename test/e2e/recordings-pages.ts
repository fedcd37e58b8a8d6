// Shared steps of the recordings e2e test and the seek benchmark: sign in, read the player's test
// hook, wait for a seek to be drawn, and compare the player's canvas with a live frame (a PNG the
// desktop showed at that time), all inside Chromium so no PNG decoder is needed in Node.
import type { Page } from 'playwright-core';
import type { PlayerSnapshot } from '../../client/src/modules/recording/player.ts';

declare global {
  interface Window {
    __deskportPlayer?: {
      snapshot(): PlayerSnapshot;
      canvas(): HTMLCanvasElement | null;
      player: { seek(ms: number): void; play(): void; pause(): void; setSpeed(s: number): void };
    };
  }
}

export async function signInAs(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('current-user').waitFor();
}

/** Waits until the player has drawn the position it was asked for (no seek in progress). */
export async function waitSettled(page: Page, timeoutMs = 30_000): Promise<PlayerSnapshot> {
  await page
    .waitForFunction(
      () => {
        const s = window.__deskportPlayer?.snapshot();
        return !!s && !s.busy && s.status !== 'loading' && !!window.__deskportPlayer?.canvas();
      },
      undefined,
      { timeout: timeoutMs, polling: 16 },
    )
    .catch(async (e: unknown) => {
      const state = await page.evaluate(() => ({
        snapshot: window.__deskportPlayer?.snapshot(),
        canvas: !!window.__deskportPlayer?.canvas(),
      }));
      throw new Error(`the player did not settle: ${JSON.stringify(state)}`, { cause: e });
    });
  return page.evaluate(() => window.__deskportPlayer!.snapshot());
}

/** Seeks in the page and resolves with the wall time (ms) from the call to the frame drawn. */
export async function seekAndTime(page: Page, ms: number, timeoutMs = 30_000): Promise<number> {
  return page.evaluate(
    async ({ ms, timeoutMs }) => {
      const hook = window.__deskportPlayer!;
      const t0 = performance.now();
      hook.player.seek(ms);
      const deadline = t0 + timeoutMs;
      while (performance.now() < deadline) {
        await new Promise((r) => requestAnimationFrame(r));
        const s = hook.snapshot();
        if (!s.busy) return performance.now() - t0;
      }
      throw new Error(`the seek to ${ms} ms did not finish within ${timeoutMs} ms`);
    },
    { ms, timeoutMs },
  );
}

export interface PixelDiff {
  /** Mean absolute difference per channel, 0..255. */
  mean: number;
  /** Share of pixels with any channel more than 48 off. */
  badShare: number;
  width: number;
  height: number;
}

/** Compares the player's canvas with a PNG (same size) in the page. */
export async function compareWithPng(page: Page, png: Buffer): Promise<PixelDiff> {
  return page.evaluate(
    async (dataUrl) => {
      const canvas = window.__deskportPlayer!.canvas()!;
      const img = new Image();
      img.src = dataUrl;
      await img.decode();
      const w = Math.min(canvas.width, img.naturalWidth);
      const h = Math.min(canvas.height, img.naturalHeight);
      const ref = document.createElement('canvas');
      ref.width = w;
      ref.height = h;
      const rc = ref.getContext('2d')!;
      rc.drawImage(img, 0, 0);
      const a = canvas.getContext('2d')!.getImageData(0, 0, w, h).data;
      const b = rc.getImageData(0, 0, w, h).data;
      let sum = 0;
      let bad = 0;
      for (let i = 0; i < a.length; i += 4) {
        const d0 = Math.abs(a[i]! - b[i]!);
        const d1 = Math.abs(a[i + 1]! - b[i + 1]!);
        const d2 = Math.abs(a[i + 2]! - b[i + 2]!);
        sum += d0 + d1 + d2;
        if (d0 > 48 || d1 > 48 || d2 > 48) bad++;
      }
      const n = a.length / 4;
      return { mean: sum / (n * 3), badShare: bad / n, width: canvas.width, height: canvas.height };
    },
    `data:image/png;base64,${png.toString('base64')}`,
  );
}
