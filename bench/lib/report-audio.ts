// The Audio section of bench/REPORT.md (issue #13) from bench/results/audio.json. report.ts includes
// it in a full report; bench/audio.ts alone splices it between its markers and keeps the rest.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './children.ts';
import { table } from './md.ts';
import { readResult, type ResultFile } from './results.ts';
import type { Summary } from './stats.ts';

interface Window {
  seconds: number;
  gatewayCpuPct: number;
  captureCpuPct: number;
  pulseCpuPct: number;
  bytesPerSecond: number;
  framesPerSecond: number;
}

export interface AudioData {
  streams: string;
  latencyMs: Summary;
  latencies: number[];
  missed: number[];
  muted: Window;
  /** Unmuted, nothing playing in the desktop. */
  silent: Window;
  /** Unmuted, a tone playing throughout. */
  listening: Window;
}

export const AUDIO_START = '<!-- audio:start (bench/audio.ts writes this section) -->';
export const AUDIO_END = '<!-- audio:end -->';

export function audioSection(r: ResultFile<AudioData>): string {
  const d = r.data;
  const m = r.machine;
  return [
    AUDIO_START,
    '## Audio (issue #13)',
    '',
    `Run of ${r.startedAt.slice(0, 10)} (${r.seconds} s), commit ${m.commit}, ${m.nproc} × ${m.cpuModel}, Node ${m.node}; ` +
      `\`node --import tsx bench/audio.ts --n ${d.latencies.length + d.missed.length}\`, display streams \`${d.streams}\`. ` +
      'A real process desktop with its own PulseAudio; a node program inside it writes a tone to `pacat` (20 ms buffer); ' +
      'Chromium (headless) plays /ws/audio through the viewer’s AudioWorklet (80 ms jitter target) and an AnalyserNode ' +
      '(4096-point FFT, polled every 2 ms) finds the frequency. Latency = analyser hit − the write inside the desktop, same clock.',
    '',
    table(
      ['figure', 'value'],
      [
        ['play → heard in the browser, p50 (ms)', d.latencyMs.p50],
        ['play → heard, p90 (ms)', d.latencyMs.p90],
        ['play → heard, min / max (ms)', `${d.latencyMs.min} / ${d.latencyMs.max}`],
        ['tones heard / played', `${d.latencies.length} / ${d.latencies.length + d.missed.length}`],
        ['bytes per second on the wire (PCM s16le 48 kHz mono)', Math.round(d.listening.bytesPerSecond)],
      ],
    ),
    '',
    table(
      ['CPU, % of one core', 'muted', 'unmuted, nothing playing', 'unmuted, a tone playing'],
      [
        ['gateway process (with its embedded agent)', d.muted.gatewayCpuPct, d.silent.gatewayCpuPct, d.listening.gatewayCpuPct],
        ['capture (parec, inside the desktop)', d.muted.captureCpuPct, d.silent.captureCpuPct, d.listening.captureCpuPct],
        ['the desktop’s PulseAudio (and the tone’s pacat client)', d.muted.pulseCpuPct, d.silent.pulseCpuPct, d.listening.pulseCpuPct],
        ['bytes per second on the wire', 0, d.silent.bytesPerSecond, d.listening.bytesPerSecond],
        ['WebSocket frames per second', 0, d.silent.framesPerSecond, d.listening.framesPerSecond],
      ],
    ),
    '',
    `Windows of ${Math.round(d.listening.seconds)} s each. With nothing playing, the sink's monitor still streams zeros to the capture; the gateway does not send digital silence, so an unmuted, silent desktop costs no bandwidth; the player's jitter buffer then primes again (80 ms) when sound starts, which is part of the latency above. The gateway's figure includes its embedded agent reading the capture's pipe. These tones follow a running audio path; the first sound of a fresh desktop took longer (0.3–1.3 s measured in test/e2e/audio.test.ts and a driver-level probe on this shared machine: pacat's first connection, the sink leaving idle, Chromium's output starting).`,
    AUDIO_END,
  ].join('\n');
}

export function spliceAudioSection(file = join(BENCH_DIR, 'REPORT.md')): void {
  const r = readResult<AudioData>('audio');
  if (!r) throw new Error('no bench/results/audio.json');
  const report = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const section = audioSection(r);
  const a = report.indexOf(AUDIO_START);
  const b = report.indexOf(AUDIO_END);
  let out: string;
  if (a >= 0 && b > a) out = report.slice(0, a) + section + report.slice(b + AUDIO_END.length);
  else {
    const at = report.indexOf('\n## Run time per step');
    out = at >= 0 ? `${report.slice(0, at + 1)}${section}\n\n${report.slice(at + 1)}` : `${report.trimEnd()}\n\n${section}\n`;
  }
  writeFileSync(file, out);
}
