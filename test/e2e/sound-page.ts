// For the sound tests in Chromium: what the page's analyser hears (the players' test hook
// `window.__deskportSound`, client/src/modules/audio/player.ts and guacSound.ts), and how many
// captures (`parec`) run as a desktop's uid.
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

declare global {
  interface Window {
    __deskportSound?: { analyser: AnalyserNode; context: AudioContext; received: { bytes: number; frames: number } };
  }
}

/** In `page`: Date.now() once the analyser's loudest bin is `hz` (±2 bins, above -45 dB), or null after `ms`. */
export function heardAt(page: Page, hz: number, ms: number): Promise<number | null> {
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
          if (bins[best]! > -45 && Math.abs(best * width - hz) <= 2 * width) (clearInterval(timer), resolve(Date.now()));
          else if (performance.now() > end) (clearInterval(timer), resolve(null));
        }, 5);
      }),
    [hz, ms] as const,
  );
}

/** parec processes running as `uid` (a desktop's captures). */
export function capturesOf(uid: number): number {
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
  }).length;
}

/** CPU time and age of the captures running as `uid`, summed (from /proc; clock ticks of 10 ms). */
export function captureCpu(uid: number): { cpuMs: number; ageMs: number } {
  const uptimeMs = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
  let cpuMs = 0;
  let ageMs = 0;
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (!readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]!.endsWith('parec')) continue;
      if (!readFileSync(`/proc/${p}/status`, 'utf8').includes(`Uid:\t${uid}\t`)) continue;
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' '); // fields from 3 on
      cpuMs += (Number(f[11]) + Number(f[12])) * 10;
      ageMs += uptimeMs - Number(f[19]) * 10;
    } catch {
      // gone meanwhile
    }
  }
  return { cpuMs, ageMs };
}
