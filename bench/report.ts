// Writes bench/REPORT.md from bench/results/*.json: the machine, the date, the goals of issue #4
// against the measured figures (with the proposed patches' figures beside them when
// bench/experiment.sh ran), every raw figure, CPU-profile hot spots, bench/FINDINGS.md, and RDP (issue #12).
// Usage: node --import tsx bench/report.ts [--total-s SECONDS]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConcurrencyStep } from './concurrency.ts';
import type { FairnessPhase } from './fairness.ts';
import type { LaunchKindResult } from './launch.ts';
import { BENCH_DIR, REPO_DIR } from './lib/children.ts';
import { table, yes } from './lib/md.ts';
import {
  concurrencySection,
  controlPlaneSection,
  controlPlaneStoresSection,
  fairnessSection,
  launchSection,
  profileSection,
  relaySection,
} from './lib/report-raw.ts';
import { rdpSection, type RdpData } from './lib/report-rdp.ts';
import { audioSection, type AudioData } from './lib/report-audio.ts';
import { handRunSections } from './lib/report-section.ts';
import { args, machine, readResult, RESULTS_DIR, type ResultFile } from './lib/results.ts';
import type { RelayData } from './relay.ts';
import { fmt } from './lib/stats.ts';

type Relay = ResultFile<RelayData>;
type Conc = ResultFile<{ steps: ConcurrencyStep[]; pids?: Record<string, number> }>;
type Launch = ResultFile<{ kinds: LaunchKindResult[] }>;
type Fair = ResultFile<{ phases: FairnessPhase[]; stalledAbsorbedBytes: number; stalledAbsorbedBytesTwoSecondsLater: number }>;
type Row = [string, string, string, string, ...string[]];

const a = args();
const previousReport = existsSync(join(BENCH_DIR, 'REPORT.md')) ? readFileSync(join(BENCH_DIR, 'REPORT.md'), 'utf8') : '';
const relay = readResult<RelayData>('relay');
const conc = readResult<Conc['data']>('concurrency');
const launch = readResult<Launch['data']>('launch');
const cp = readResult<Record<string, unknown>>('control-plane');
const cpPostgres = readResult<Record<string, unknown>>('control-plane.postgres');
const fair = readResult<Fair['data']>('fairness');
const rdp = readResult<RdpData>('rdp');
const audio = readResult<AudioData>('audio');
const tagged = (base: string) =>
  (existsSync(RESULTS_DIR) ? readdirSync(RESULTS_DIR) : [])
    .filter((f) => f.startsWith(`${base}.`) && f.endsWith('.json'))
    .map((f) => f.slice(base.length + 1, -5));
// exp-NAME: a scratch copy WITH bench/experiments/NAME.patch; base-NAME: the tree already has the
// change, and the copy was measured WITHOUT it (the "before").
const expTags = [...new Set([...tagged('relay'), ...tagged('concurrency')])].filter((t) => t.startsWith('exp-') || t.startsWith('base-'));
const patchOf = (t: string) => t.replace(/^(exp|base)-/, '');
const expLabel = (t: string) =>
  t.startsWith('exp-') ? `with the proposed patch ${patchOf(t)}` : `before ${patchOf(t)} (reversed on a scratch copy; this tree has it)`;
const patchesInTree = (() => {
  const dir = join(BENCH_DIR, 'experiments');
  return (existsSync(dir) ? readdirSync(dir) : [])
    .filter((f) => f.endsWith('.patch'))
    .map((f) => {
      let applied = false;
      try {
        execFileSync('patch', ['-p1', '-R', '--dry-run', '--quiet', '--force', '-i', join(dir, f)], { cwd: REPO_DIR, stdio: 'ignore' });
        applied = true;
      } catch {
        /* not applied (or not reversible) */
      }
      return `\`bench/experiments/${f}\` is ${applied ? '**in** this tree' : '**not** in this tree'}`;
    });
})();
const expRelay = (t: string) => readResult<RelayData>(`relay.${t}`);
const expConc = (t: string) => readResult<Conc['data']>(`concurrency.${t}`);

const LAYOUTS = [
  ['deskport-embedded', 'agent in gateway'],
  ['deskport-separate', 'agent apart'],
] as const;

function relayGoals(r: Relay | null): {
  tp: string[];
  direct: string[];
  rtt: string[];
  ok: [boolean | null, boolean | null, boolean | null];
} {
  if (!r) return { tp: [], direct: [], rtt: [], ok: [null, null, null] };
  const by = (k: string) => r.data.paths.find((p) => p.key === k)!;
  const d0 = by('direct');
  const w = by('websockify');
  const tp: string[] = [];
  const direct: string[] = [];
  const rtt: string[] = [];
  let ok1 = true;
  let ok2 = true;
  let ok3 = true;
  for (const [k, name] of LAYOUTS) {
    const p = by(k);
    const x = p.mibpsMedian / w.mibpsMedian;
    const y = p.mibpsMedian / d0.mibpsMedian;
    const added = p.rttUs.p50 - d0.rttUs.p50;
    const wAdded = w.rttUs.p50 - d0.rttUs.p50;
    tp.push(`${name}: ${fmt(x)}x (${fmt(p.mibpsMedian)} vs ${fmt(w.mibpsMedian)} MiB/s)`);
    direct.push(`${name}: ${fmt(y)}x (direct ${fmt(d0.mibpsMedian)} MiB/s)`);
    rtt.push(`${name}: +${fmt(added)} µs vs websockify +${fmt(wAdded)} µs`);
    ok1 &&= x >= 1.25;
    ok2 &&= y >= 0.8;
    ok3 &&= added <= wAdded;
  }
  return { tp, direct, rtt, ok: [ok1, ok2, ok3] };
}

function concGoals(c: Conc | null, base: Conc | null): { lat: string[]; mem: string[]; ok: [boolean | null, boolean | null] } {
  if (!c) return { lat: [], mem: [], ok: [null, null] };
  const at = (r: Conc | null, path: string) => r?.data.steps.find((s) => s.path === path && s.n === 500 && s.load);
  const direct = at(c, 'direct') ?? at(base, 'direct');
  const lat: string[] = [];
  const mem: string[] = [];
  let okL: boolean | null = null;
  let okM: boolean | null = null;
  for (const [k, name] of LAYOUTS) {
    const s = at(c, k);
    if (!s) continue;
    const l = s.load!;
    const added = l.updateDelayMs.p99 - (direct?.load?.updateDelayMs.p99 ?? 0);
    const ok = added < 50 && l.deliveredFraction >= 0.99;
    lat.push(
      `${name}: +${fmt(added)} ms p99 update delay (RTT p99 ${fmt(l.pingRttMs.p99)} ms), ${fmt(100 * l.deliveredFraction)} % delivered`,
    );
    mem.push(
      `${name}: ${fmt((s.memPerViewer ?? NaN) / 1024)} KiB RSS under load, ${fmt((s.retainedPerViewer ?? NaN) / 1024)} KiB retained${s.agentMemPerViewer !== undefined ? ` (agent apart: + ${fmt(s.agentMemPerViewer / 1024)} KiB)` : ''}`,
    );
    okL = (okL ?? true) && ok;
    okM = (okM ?? true) && (s.memPerViewer ?? Infinity) < 64 * 1024;
  }
  return { lat, mem, ok: [okL, okM] };
}

function goals(): string {
  const rg = relayGoals(relay);
  const cg = concGoals(conc, null);
  const k = (kind: string) => launch?.data.kinds.find((x) => x.kind === kind);
  const launchGoal = (kinds: string[], ms: number): [string, boolean | null] => {
    const found = kinds.map(k).filter((x): x is LaunchKindResult => Boolean(x && x.ms.length));
    if (!found.length) return ['not measured', null];
    return [
      found.map((x) => `${x.label}: p50 ${fmt(x.summary.p50)} ms, p90 ${fmt(x.summary.p90)} ms`).join('; '),
      found.every((x) => x.summary.p50 < ms),
    ];
  };
  const warm = launchGoal(['warm-container', 'warm-process'], 500);
  const proc = launchGoal(['process'], 1000);
  const cold = launchGoal(['cold-container'], 2000);
  const warmVm = launchGoal(['warm-vm'], 1000);
  const fairRow = (() => {
    if (!fair) return ['not measured', null] as const;
    const [A, B] = fair.data.phases;
    const ok =
      B!.load.deliveredFraction >= 0.99 * A!.load.deliveredFraction &&
      B!.load.updateDelayMs.p99 < Math.max(2 * A!.load.updateDelayMs.p99, A!.load.updateDelayMs.p99 + 10);
    return [
      `others delivered ${fmt(100 * A!.load.deliveredFraction)} % → ${fmt(100 * B!.load.deliveredFraction)} %, p99 delay ${fmt(A!.load.updateDelayMs.p99)} → ${fmt(B!.load.updateDelayMs.p99)} ms; stalled path held ${fmt(fair.data.stalledAbsorbedBytes / 2 ** 20)} MiB`,
      ok,
    ] as const;
  })();
  const rows: Row[] = [
    ['relay throughput vs websockify', '≥ 1.25x', rg.tp.join('; '), yes(rg.ok[0])],
    ['relay throughput vs direct TCP', '≥ 0.8x', rg.direct.join('; '), yes(rg.ok[1])],
    ['p50 added round trip', "≤ websockify's", rg.rtt.join('; '), yes(rg.ok[2])],
    ['500 viewers at 256 KiB/s: p99 added latency', '< 50 ms', cg.lat.join('; '), yes(cg.ok[0])],
    ['500 viewers: gateway memory per viewer', '< 64 KiB', cg.mem.join('; '), yes(cg.ok[1])],
    ['warm spare, click to first frame', '< 500 ms p50', warm[0], yes(warm[1])],
    ['process desktop, click to first frame', '< 1 s p50', proc[0], yes(proc[1])],
    ['cold container, click to first frame', '< 2 s p50', cold[0], yes(cold[1])],
    ['warm spare VM (issue #14), click to first frame', '< 1 s p50', warmVm[0], yes(warmVm[1])],
    ['a stalled viewer does not slow the others', 'others unchanged', fairRow[0], yes(fairRow[1])],
  ];
  for (const t of expTags) {
    const er = relayGoals(expRelay(t));
    const ec = concGoals(expConc(t), conc);
    const col = [er.tp, er.direct, er.rtt, ec.lat, ec.mem].map((x, i) =>
      x.length ? `${x.join('; ')} — ${yes(i < 3 ? er.ok[i]! : ec.ok[i - 3]!)}` : '',
    );
    // One column per experiment; the launch and fairness rows have nothing to compare there.
    rows.forEach((r, i) => r.push(col[i] ?? ''));
  }
  const headers = ['goal', 'target', 'measured (this tree)', 'status', ...expTags.map(expLabel)];
  return table(headers, rows, true);
}

const timings = (() => {
  try {
    return readFileSync(join(RESULTS_DIR, 'timings.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
  } catch {
    return [];
  }
})();
const totalS = a.get('total-s') ?? timings.find((t) => t[0] === 'total')?.[1];
const stepRows = timings.filter((t) => t[0] !== 'total').map((t) => [t[0]!, t.slice(1).join(' ')]);
const others = [
  ...(relay?.data.paths.map((p) => p.othersCpuPct) ?? []),
  ...(conc?.data.steps.flatMap((s) => (s.load?.machine ? [s.load.machine.othersPct] : [])) ?? []),
  ...(fair?.data.phases.map((p) => p.load.machine?.othersPct ?? 0) ?? []),
].filter((x) => Number.isFinite(x));
const othersLine = others.length
  ? `Other processes on the machine used at most ${fmt(Math.max(...others))} % of one core during any measurement window (mean ${fmt(others.reduce((x, y) => x + y, 0) / others.length)} %)${Math.max(...others) > 15 ? ': **the machine was not quiet for part of the run; see the "other processes" columns**' : ''}.`
  : '';
const m = relay?.machine ?? machine();
const findings = join(BENCH_DIR, 'FINDINGS.md');
const sections = [
  '# Deskport benchmarks: report',
  '',
  `Generated by \`bench/run-all.sh\` on ${new Date().toISOString()}${totalS ? `; the whole run took ${totalS} s` : ''}. Raw JSON: \`bench/results/\` (not committed). Benchmarks measure; they assert nothing. ${othersLine}`,
  '',
  table(
    ['machine', ''],
    [
      ['CPU', m.cpuModel],
      ['cores (nproc)', String(m.nproc)],
      ['memory', `${m.memoryGiB} GiB`],
      ['Node.js', m.node],
      ['kernel', m.kernel],
      ['Debian', m.debian],
      ['websockify (Debian)', m.websockify],
      ['Deskport commit', m.commit],
      ...patchesInTree.map((p) => ['patches', p]),
    ],
    true,
  ),
  '',
  '## Goals of issue #4',
  '',
  goals(),
  '',
  ...(existsSync(findings) ? [readFileSync(findings, 'utf8').trim(), ''] : []),
  ...(rdp ? [rdpSection(rdp), ''] : []),
  ...(audio ? [audioSection(audio), ''] : []),
  // Sections benchmarks write alone (recording, recording seek, VM): kept from the previous report.
  ...handRunSections(previousReport, [
    ...(rdp ? ['rdp'] : []),
    ...(audio ? ['audio'] : []),
    ...(cp && cpPostgres ? ['control-plane-stores'] : []),
  ]).flatMap((block) => [block, '']),
  ...(stepRows.length ? ['## Run time per step', '', table(['step', 'seconds'], stepRows), ''] : []),
  '## Raw figures',
  '',
  relay ? relaySection(relay, 'Relay throughput and latency') : '_relay: not run_',
  '',
  conc ? concurrencySection(conc as Conc, 'Concurrency') : '_concurrency: not run_',
  '',
  launch ? launchSection(launch as Launch) : '_launch: not run_',
  '',
  cp ? controlPlaneSection(cp) : '_control plane: not run_',
  '',
  cp && cpPostgres ? controlPlaneStoresSection(cp, cpPostgres) : '_control plane on PostgreSQL: not run_',
  '',
  fair ? fairnessSection(fair as Fair) : '_fairness: not run_',
  '',
];
for (const t of expTags) {
  sections.push(
    `## Measured on a scratch copy: ${expLabel(t)}`,
    '',
    `\`bench/experiment.sh ${patchOf(t)}\` ${t.startsWith('exp-') ? 'applied' : 'reversed'} \`bench/experiments/${patchOf(t)}.patch\` on a copy of this tree and ran these there (this tree is unchanged).`,
    '',
  );
  const r = expRelay(t);
  const c = expConc(t);
  if (r) sections.push(relaySection(r, `Relay, ${expLabel(t)}`), '');
  if (c) sections.push(concurrencySection(c as Conc, `Concurrency, ${expLabel(t)}`), '');
}
const profiled = [
  ...(relay?.options.profile && relay.data.pids ? [{ dir: 'relay', pids: relay.data.pids }] : []),
  ...['relay.profile', 'concurrency.profile', 'control-plane.profile']
    .map((n) => ({ n, r: readResult<{ pids?: Record<string, number> }>(n) }))
    .filter((x) => x.r?.data.pids)
    .map((x) => ({ dir: x.n, pids: x.r!.data.pids! })),
];
const prof = profileSection(profiled);
if (prof) sections.push('## CPU profiles (node --cpu-prof): hot spots', '', prof);
writeFileSync(join(BENCH_DIR, 'REPORT.md'), sections.join('\n').replace(/\n{3,}/g, '\n\n') + '\n');
console.log('report: wrote bench/REPORT.md');
