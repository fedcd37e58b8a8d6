// Recording (issue #13): what recording a VNC session costs the gateway. The gateway's own recorder
// (server/recording/vnc-recorder.ts) records a real Xvnc desktop with an xterm that is idle, prints a
// line every 200 ms (typing) or scrolls as fast as it can (like bench/rdp.ts's busy session); CPU is
// this process's (only the recorder runs in it), bytes are the .dprec files. Then the seek index of
// a synthetic one-hour recording is timed (scanPart, what GET /recordings/:id/index reads).
// Writes bench/results/recording.json and the "Recording" section of bench/REPORT.md.
// Usage: node --import tsx bench/recording.ts [--seconds 30] [--n 1]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../server/log.ts';
import { FORMAT_VERSION } from '../server/recording/format.ts';
import { PartWriter } from '../server/recording/part-writer.ts';
import { scanPart } from '../server/recording/reader.ts';
import { RECORDER_DEFAULTS, VncRecorder } from '../server/recording/vnc-recorder.ts';
import { socketLink, type DesktopLink } from '../server/relay/desktop-link.ts';
import { startXvnc } from '../test/helpers/xvnc.ts';
import { BENCH_DIR } from './lib/children.ts';
import { args, initRun, writeResult } from './lib/results.ts';
import { fmt } from './lib/stats.ts';

const a = args();
const SECONDS = Number(a.get('seconds') ?? 30);
const N = Number(a.get('n') ?? 1);
if (!(SECONDS >= 5 && SECONDS <= 600 && N >= 1 && N <= 10)) {
  console.error('recording: --seconds 5..600, --n 1..10');
  process.exit(2);
}
const PASSWORD = 'bench-rec1';
const SCENARIOS = {
  idle: 'exec sleep 100000',
  typing: 'i=0; while true; do i=$((i+1)); echo "line $i: the quick brown fox jumps over the lazy dog"; sleep 0.2; done',
  scrolling: 'while true; do date; sleep 0.01; done',
} as const;
type Scenario = keyof typeof SCENARIOS;
interface Row {
  scenario: Scenario;
  seconds: number;
  cpuS: number;
  bytes: number;
  cpuSPerMin: number;
  mibPerMin: number;
  segments: number;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const link = (port: number) =>
  new Promise<DesktopLink>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('error', reject);
    s.once('connect', () => resolve(socketLink(s)));
  });

async function measure(scenario: Scenario): Promise<Row> {
  const x = await startXvnc(PASSWORD, '1280x800');
  const dir = mkdtempSync(join(tmpdir(), 'bench-rec-'));
  const term = spawn('xterm', ['-display', `:${x.display}`, '-geometry', '120x45+0+0', '-e', 'sh', '-c', SCENARIOS[scenario]], {
    detached: true,
    stdio: 'ignore',
  });
  try {
    await sleep(1500); // the xterm maps its window; nothing to await from outside
    const rec = new VncRecorder({
      recordingId: `bench-${scenario}`,
      sessionId: 'bench',
      dir,
      openLink: () => link(x.port),
      secret: PASSWORD,
      log: silentLogger(),
    });
    let segments = 0;
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    await rec.start();
    await sleep(SECONDS * 1000);
    const parts = await rec.stop('bench over');
    const seconds = (Date.now() - t0) / 1000;
    const c = process.cpuUsage(cpu0);
    for (const p of parts) segments += (await scanPart(p.path)).segments.length;
    const bytes = parts.reduce((s, p) => s + p.bytes, 0);
    const cpuS = (c.user + c.system) / 1e6;
    return { scenario, seconds, cpuS, bytes, cpuSPerMin: (cpuS / seconds) * 60, mibPerMin: (bytes / seconds / 1048576) * 60, segments };
  } finally {
    if (term.pid) process.kill(-term.pid, 'SIGKILL');
    await x.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A one-hour part at the typing rate measured (or 5 records/s of 2 KiB), keyframe every minute. */
async function hourIndex(bytesPerS: number): Promise<{ records: number; bytes: number; scanMs: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rec-hour-'));
  try {
    const path = join(dir, 'hour.dprec');
    const t0 = 1_700_000_000_000;
    const w = PartWriter.create(
      path,
      { version: FORMAT_VERSION, kind: 'rfb', recordingId: 'hour', sessionId: 'hour', part: 0, startedAt: t0, pixelFormat: 'rgbx32' },
      (e) => {
        throw e;
      },
    );
    const perRecord = Math.max(64, Math.round(bytesPerS / 5));
    const payload = Buffer.alloc(perRecord, 1);
    let records = 0;
    for (let ms = 0; ms < 3_600_000; ms += 200) {
      if (ms % 60_000 === 0) w.segment(t0 + ms, { width: 1280, height: 800, name: 'hour' });
      if (!w.data(t0 + ms, [payload], payload.length)) await new Promise<void>((r) => w.onDrain(r));
      records++;
    }
    const done = await w.close(t0 + 3_600_000, 'bench');
    const scanMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      const scan = await scanPart(path);
      scanMs.push(performance.now() - s);
      if (scan.segments.length !== 60) throw new Error(`expected 60 segments, got ${scan.segments.length}`);
    }
    return { records, bytes: done.bytes, scanMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const started = new Date();
initRun('recording');
const rows: Row[] = [];
for (let i = 0; i < N; i++)
  for (const s of Object.keys(SCENARIOS) as Scenario[]) {
    const r = await measure(s);
    console.log(`recording: ${s}: ${fmt(r.cpuSPerMin)} CPU s/min, ${fmt(r.mibPerMin)} MiB/min`);
    rows.push(r);
  }
const typing = rows.filter((r) => r.scenario === 'typing');
const typingBps = typing.reduce((s, r) => s + r.bytes / r.seconds, 0) / typing.length;
const hour = await hourIndex(typingBps);
const median = [...hour.scanMs].sort((x, y) => x - y)[2]!;
console.log(`recording: index of a one-hour part (${hour.records} records, ${fmt(hour.bytes / 1048576)} MiB): ${fmt(median)} ms`);
writeResult('recording', started, { seconds: SECONDS, n: N }, [], { rows, hour: { ...hour, medianMs: median } });

const mean = (s: Scenario, k: 'cpuSPerMin' | 'mibPerMin') => {
  const xs = rows.filter((r) => r.scenario === s);
  return xs.reduce((t, r) => t + r[k], 0) / xs.length;
};
const START = '<!-- recording:start -->';
const END = '<!-- recording:end -->';
const section = [
  START,
  '## Recording (issue #13)',
  '',
  `Measured by \`bench/recording.ts\` on ${started.toISOString()} (${SECONDS} s per scenario, n = ${N}): the gateway's VNC recorder against a real Xvnc at 1280x800 with one xterm, encodings Tight/ZRLE at JPEG quality 6, a keyframe (fresh connection) every ${RECORDER_DEFAULTS.keyframeMs / 1000} s (the default), at most one update request per 40 ms.`,
  '',
  '| desktop | gateway CPU s per minute | recording MiB per minute | MiB per hour |',
  '| --- | --- | --- | --- |',
  ...(Object.keys(SCENARIOS) as Scenario[]).map(
    (s) => `| ${s} | ${fmt(mean(s, 'cpuSPerMin'))} | ${fmt(mean(s, 'mibPerMin'))} | ${fmt(mean(s, 'mibPerMin') * 60)} |`,
  ),
  '',
  `- idle: the xterm shows a prompt and nothing changes; typing: a line printed every 200 ms; scrolling: \`date\` every 10 ms (the busy session of the RDP section).`,
  `- Seek index of a one-hour recording (one part, ${hour.records} data records at the typing rate, ${fmt(hour.bytes / 1048576)} MiB, 60 segments): \`scanPart\` takes ${fmt(median)} ms (median of 5), which is what GET /api/v1/recordings/:id/index costs once per recording (answers are cached). Seeking in the player is then one Range read from the segment's offset plus decoding up to the target (the player's side).`,
  END,
].join('\n');
const file = join(BENCH_DIR, 'REPORT.md');
const report = existsSync(file) ? readFileSync(file, 'utf8') : '';
const i = report.indexOf(START);
const j = report.indexOf(END);
let out: string;
if (i >= 0 && j > i) out = report.slice(0, i) + section + report.slice(j + END.length);
else {
  const at = report.indexOf('\n## Run time per step');
  out = at >= 0 ? `${report.slice(0, at + 1)}${section}\n\n${report.slice(at + 1)}` : `${report.trimEnd()}\n\n${section}\n`;
}
writeFileSync(file, out);
process.exit(0);
