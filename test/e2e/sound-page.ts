// The viewer's sound in a Chromium page, for the sound e2e tests: its state, turning it on with a real
// click, and listening on the page's WebAudio analyser (after the volume, before the speakers) for a tone.
import type { Page } from 'playwright-core';

declare global {
  // The sound player's test hook (client/src/modules/audio/player.ts).
  interface Window {
    __deskportSound?: { analyser: AnalyserNode; context: AudioContext; received: { bytes: number; frames: number } };
  }
}

export const soundState = (page: Page): Promise<string | null> => page.getByTestId('sound-control').getAttribute('data-sound-state');

/** Clicks Sound and waits until the player plays. */
export async function turnSoundOn(page: Page): Promise<void> {
  await page.getByTestId('sound-toggle').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="sound-control"]')?.getAttribute('data-sound-state') === 'playing');
}

/** In the page: resolves with Date.now() once the analyser's loudest bin is `hz` (±2 bins, above -45 dB), or null after `ms`. */
export function heard(page: Page, hz: number, ms: number): Promise<number | null> {
  return page.evaluate(
    ([hz, ms]) =>
      new Promise<number | null>((resolve) => {
        const hook = window.__deskportSound!;
        const a = hook.analyser;
        const bins = new Float32Array(a.frequencyBinCount);
        const width = hook.context.sampleRate / a.fftSize;
        const end = performance.now() + ms;
        const timer = setInterval(() => {
          a.getFloatFrequencyData(bins);
          let best = 0;
          for (let i = 1; i < bins.length; i++) if (bins[i]! > bins[best]!) best = i;
          if (bins[best]! > -45 && Math.abs(best * width - hz) <= 2 * width) {
            clearInterval(timer);
            resolve(Date.now());
          } else if (performance.now() > end) {
            clearInterval(timer);
            resolve(null);
          }
        }, 5);
      }),
    [hz, ms] as const,
  );
}
