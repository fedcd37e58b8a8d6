// Sound (issue #13): latency from a program inside a real process desktop writing a tone to the
// moment Chromium's WebAudio analyser finds it (p50/p90 over N tones), bytes per second on the wire,
// and CPU while a viewer listens (to a tone, and to nothing): the gateway process (with its embedded
// agent), the capture (parec) and the desktop's PulseAudio, next to the same window muted. Measures and reports; asserts nothing.
// Writes bench/results/audio.json and its REPORT.md section.
// Usage: node --import tsx bench/audio.ts [--n 20] [--window-s 20] [--streams direct|agent]
import { readdirSync, readFileSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { createProcessDriver } from '../agents/process/driver.ts';
import { desktopInfo } from '../test/helpers/desktops.ts';
import { join } from 'node:path';
import { ADMIN_PASSWORD, signIn } from '../test/helpers/gateway.ts';
import { forkChild } from './lib/children.ts';
import { timedToneArgv } from '../test/helpers/tone.ts';
import { spliceAudioSection, type AudioData } from './lib/report-audio.ts';
import { cpuSeconds } from './lib/procstat.ts';
import { args, initRun, LOGS_DIR, PROFILES_DIR, resultName, writeResult } from './lib/results.ts';
import { summarize } from './lib/stats.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/helpers/chromium-flags.ts';

const a = args();
const N = Number(a.get('n') ?? 20);
const WINDOW_S = Number(a.get('window-s') ?? 20);
const STREAMS = a.get('streams') ?? 'direct';
if (!(N >= 2 && N <= 500 && WINDOW_S >= 2 && WINDOW_S <= 300 && (STREAMS === 'direct' || STREAMS === 'agent'))) {
  console.error('audio: --n 2..500, --window-s 2..300, --streams direct|agent');
  process.exit(2);
}
const NAME = resultName('audio');
const started = new Date();
initRun(NAME);
const log = (s: string) => console.log(`audio: ${s}`);

/** What the page's globals look like to the functions below: this file compiles without the DOM library. */
interface PageGlobal {
  __deskport?: { rfbState: string; sessionId: string };
  __deskportSound: {
    analyser: { frequencyBinCount: number; fftSize: number; getFloatFrequencyData(a: Float32Array): void };
    context: { sampleRate: number };
    received: { bytes: number; frames: number };
  };
  document: { querySelector(s: string): { getAttribute(n: string): string | null } | null };
}

/** In the page: Date.now() once the analyser's loudest bin is `hz` (±2 bins, above -45 dB), or null after `ms`. */
function heard(page: Page, hz: number, ms: number): Promise<number | null> {
  return page.evaluate(
    ([hz, ms]) =>
      new Promise<number | null>((resolve) => {
        const hook = (globalThis as unknown as PageGlobal).__deskportSound;
        const bins = new Float32Array(hook.analyser.frequencyBinCount);
        const width = hook.context.sampleRate / hook.analyser.fftSize;
        const end = performance.now() + ms;
        const timer = setInterval(() => {
          hook.analyser.getFloatFrequencyData(bins);
          let best = 0;
          for (let i = 1; i < bins.length; i++) if (bins[i]! > bins[best]!) best = i;
          const found = bins[best]! > -45 && Math.abs(best * width - hz) <= 2 * width;
          if (found || performance.now() > end) {
            clearInterval(timer);
            resolve(found ? Date.now() : null);
          }
        }, 2);
      }),
    [hz, ms] as const,
  );
}

const received = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobal).__deskportSound.received.bytes);
const frames = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobal).__deskportSound.received.frames);

/** Processes of `uid` whose program is `name`. */
function pidsOf(uid: number, name: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return (
          readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]!.endsWith(name) &&
          readFileSync(`/proc/${p}/status`, 'utf8').includes(`Uid:\t${uid}\t`)
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

const gateway = forkChild<{ url: string; dataDir: string }>('audio-gateway-main.ts', {
  logFile: join(LOGS_DIR, 'audio', 'gateway.log'),
  env: { BENCH_AUDIO_STREAMS: STREAMS },
  ...(a.has('profile') ? { cpuProfDir: join(PROFILES_DIR, 'audio') } : {}),
});
const t = await gateway.ready;
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(t.url);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Launch Linux desktop (local)' }).click();
  await page.waitForFunction(() => (globalThis as unknown as PageGlobal).__deskport?.rfbState === 'connected');
  const sessionId = await page.evaluate(() => (globalThis as unknown as PageGlobal).__deskport!.sessionId);
  const { desktopId, uid } = await desktopInfo(await signIn(t.url, 'admin', ADMIN_PASSWORD), t.dataDir, sessionId);
  const driver = createProcessDriver({ dataDir: t.dataDir });
  const pulse = pidsOf(uid, 'pulseaudio');

  // CPU, muted: the desktop idles, its sound server runs, nothing is captured.
  const cpuOf = (pids: number[]) => pids.reduce((s, p) => s + cpuSeconds(p), 0);
  const window = async () => {
    const parec = pidsOf(uid, 'parec');
    const before = { gw: cpuSeconds(gateway.pid), parec: cpuOf(parec), pulse: cpuOf(pulse), at: performance.now() };
    const bytes0 = parec.length ? await received(page) : 0;
    const frames0 = parec.length ? await frames(page) : 0;
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const s = (performance.now() - before.at) / 1000;
    return {
      seconds: s,
      gatewayCpuPct: (100 * (cpuSeconds(gateway.pid) - before.gw)) / s,
      captureCpuPct: (100 * (cpuOf(parec) - before.parec)) / s,
      pulseCpuPct: (100 * (cpuOf(pulse) - before.pulse)) / s,
      bytesPerSecond: parec.length ? ((await received(page)) - bytes0) / s : 0,
      framesPerSecond: parec.length ? ((await frames(page)) - frames0) / s : 0,
    };
  };
  log(`muted window (${WINDOW_S} s)`);
  const muted = await window();
  await page.getByTestId('sound-toggle').click();
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageGlobal).document.querySelector('[data-testid="sound-control"]')?.getAttribute('data-sound-state') ===
      'playing',
  );
  log(`listening window (${WINDOW_S} s, nothing playing)`);
  const silent = await window();
  log(`listening window (${WINDOW_S} s, a tone playing throughout)`);
  const long = driver.runInDesktop(desktopId, timedToneArgv(1000, (WINDOW_S + 3) * 1000), { timeoutMs: (WINDOW_S + 30) * 1000 });
  await new Promise((r) => setTimeout(r, 1500)); // past the player's start (timedToneArgv's lead)
  const listening = await window();
  await long;
  await new Promise((r) => setTimeout(r, 1000)); // the long tone's tail has left every buffer

  const latencies: number[] = [];
  const missed: number[] = [];
  for (let i = 0; i < N; i++) {
    const hz = i % 2 === 0 ? 440 : 1000; // 440 first: the long tone above was 1 kHz
    const listeningFor = heard(page, hz, 5_000);
    const r = await driver.runInDesktop(desktopId, timedToneArgv(hz, 400), { timeoutMs: 20_000 });
    const at = await listeningFor;
    if (r.code !== 0 || at === null) missed.push(hz);
    else latencies.push(at - Number(r.stdout.trim()));
    await new Promise((res) => setTimeout(res, 300)); // the tone's tail leaves the jitter buffer
  }
  const latency = summarize(latencies);
  log(`play → heard: p50 ${latency.p50} ms, p90 ${latency.p90} ms (n=${latency.n}, missed ${missed.length})`);
  log(
    `wire: ${listening.bytesPerSecond.toFixed(0)} B/s in ${listening.framesPerSecond.toFixed(0)} frames/s; gateway CPU ${listening.gatewayCpuPct.toFixed(2)} % (muted ${muted.gatewayCpuPct.toFixed(2)} %)`,
  );
  await driver.close();
  const data: AudioData = { streams: STREAMS, latencyMs: latency, latencies, missed, muted, silent, listening };
  writeResult(NAME, started, { n: N, windowS: WINDOW_S, streams: STREAMS }, [], data);
  if (NAME === 'audio') spliceAudioSection();
} finally {
  await browser.close();
  await gateway.stop(); // its cleanup destroys the desktop
}
