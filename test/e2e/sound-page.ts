// The viewer's sound in a Chromium page, for the sound e2e tests: its state, turning it on with a real
// click, listening on the page's WebAudio analyser (after the volume, before the speakers) for a tone, and
// counting the captures (`parec`) that run as a desktop's uid.
import { readdirSync, readFileSync } from 'node:fs';
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

/** The parec processes running as `uid` (a desktop's captures), as /proc entries. */
function capturePids(uid: number): string[] {
  return readdirSync('/proc').filter((p) => {
    try {
      return (
        /^\d+$/.test(p) &&
        readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]!.endsWith('parec') &&
        readFileSync(`/proc/${p}/status`, 'utf8').includes(`Uid:\t${uid}\t`)
      );
    } catch {
      return false;
    }
  });
}

/** How many captures run as `uid`. */
export const capturesOf = (uid: number): number => capturePids(uid).length;

/** CPU time and age of the captures running as `uid`, summed (from /proc; clock ticks of 10 ms). */
export function captureCpu(uid: number): { cpuMs: number; ageMs: number } {
  const uptimeMs = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
  let cpuMs = 0;
  let ageMs = 0;
  for (const p of capturePids(uid)) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' '); // fields from 3 on
      cpuMs += (Number(f[11]) + Number(f[12])) * 10;
      ageMs += uptimeMs - Number(f[19]) * 10;
    } catch {
      // gone meanwhile
    }
  }
  return { cpuMs, ageMs };
}
