// The raw-figure sections of bench/REPORT.md, one per benchmark, straight from bench/results/*.json.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ConcurrencyStep } from '../concurrency.ts';
import type { FairnessPhase } from '../fairness.ts';
import type { LaunchKindResult } from '../launch.ts';
import type { RelayData } from '../relay.ts';
import { summariseProfile } from './cpuprofile.ts';
import { kib, mib, pct, table } from './md.ts';
import { PROFILES_DIR, type ResultFile } from './results.ts';
import { fmt, type Summary } from './stats.ts';

const notes = (r: ResultFile<unknown>) => r.notes.map((n) => `- ${n}`).join('\n');
const header = (r: ResultFile<unknown>) => `_Run ${r.startedAt}, ${r.seconds} s; options \`${JSON.stringify(r.options)}\`._`;

export function relaySection(r: ResultFile<RelayData>, title: string): string {
  const rows = r.data.paths.map((p) => [
    p.label,
    p.mibps.map((x) => fmt(x)).join(', '),
    p.mibpsMedian,
    p.rttUs.p50,
    p.rttUs.p90,
    p.rttUs.p99,
    p.rttUs.max,
    p.proxyCpuSPerGiB,
    p.clientCpuSPerGiB,
    p.othersCpuPct,
  ]);
  return [
    `### ${title}`,
    header(r),
    '',
    table(
      [
        'path',
        'MiB/s per repetition',
        'MiB/s median',
        'RTT p50 µs',
        'RTT p90 µs',
        'RTT p99 µs',
        'RTT max µs',
        'proxy CPU s/GiB',
        'client CPU s/GiB',
        'other processes CPU %',
      ],
      rows,
    ),
    '',
    table(
      ['ratio', 'value'],
      Object.entries(r.data.ratios).map(([k, v]) => [k, `${fmt(v)}x`]),
    ),
    '',
    notes(r),
  ].join('\n');
}

export function concurrencySection(r: ResultFile<{ steps: ConcurrencyStep[] }>, title: string): string {
  const ok = r.data.steps.filter((s) => s.load);
  const rows = ok.map((s) => {
    const l = s.load!;
    return [
      s.path,
      String(s.n),
      s.connectS,
      pct(l.deliveredFraction),
      l.perViewerKiBps.min,
      l.perViewerKiBps.p50,
      l.updateDelayMs.p50,
      l.updateDelayMs.p90,
      l.updateDelayMs.p99,
      l.updateDelayMs.max,
      l.pingRttMs.p50,
      l.pingRttMs.p99,
      l.serverSkipped,
    ];
  });
  const res = ok.map((s) => {
    const u = s.load!.usage;
    return [
      s.path,
      String(s.n),
      u.gateway?.cpuPct,
      u.agent?.cpuPct,
      u.fakeVnc?.cpuPct,
      s.load!.clientCpuPct,
      s.load!.machine?.othersPct,
      mib(u.gateway?.rss),
      mib(u.gateway?.peakRss),
      s.path === 'websockify' ? mib(u.gateway?.pss) : undefined,
      kib(s.memPerViewer),
      kib(s.retainedPerViewer),
      kib(s.agentMemPerViewer),
      kib(s.agentRetainedPerViewer),
      mib(s.gatewayHeap?.heapUsed),
      mib(s.gatewayHeap?.arrayBuffers),
      s.loopDelayMs?.gateway?.p99,
      s.loopDelayMs?.agent?.p99,
    ];
  });
  const failed = r.data.steps.filter((s) => s.failed).map((s) => `- ${s.path} N=${s.n}: ${s.failed}`);
  return [
    `### ${title}`,
    header(r),
    '',
    table(
      [
        'path',
        'N',
        'connect s',
        'delivered %',
        'slowest viewer KiB/s',
        'median viewer KiB/s',
        'delay p50 ms',
        'delay p90 ms',
        'delay p99 ms',
        'delay max ms',
        'RTT p50 ms',
        'RTT p99 ms',
        'updates skipped',
      ],
      rows,
    ),
    '',
    table(
      [
        'path',
        'N',
        'gateway CPU %',
        'agent CPU %',
        'fake VNC CPU %',
        'client CPU %',
        'other processes CPU %',
        'gateway RSS MiB',
        'peak RSS MiB',
        'websockify PSS MiB',
        'gateway KiB/viewer under load',
        'gateway KiB/viewer retained',
        'agent KiB/viewer under load',
        'agent KiB/viewer retained',
        'heap MiB',
        'arrayBuffers MiB',
        'loop delay p99 ms (gateway)',
        'loop delay p99 ms (agent)',
      ],
      res,
    ),
    '',
    ...(failed.length ? ['Failed steps:', ...failed, ''] : []),
    notes(r),
  ].join('\n');
}

export function launchSection(r: ResultFile<{ kinds: LaunchKindResult[] }>): string {
  const rows = r.data.kinds.map((k) => [
    k.label,
    String(k.ms.length),
    k.summary.p50,
    k.summary.p90,
    k.summary.min,
    k.summary.max,
    k.warmupMs,
    k.ms.join(', '),
    k.failures.length ? k.failures.join('; ') : '',
  ]);
  return [
    '### Launch: click to first frame',
    header(r),
    '',
    table(['kind', 'n', 'p50 ms', 'p90 ms', 'min ms', 'max ms', 'warm-up ms', 'every launch, ms', 'failures'], rows),
    '',
    notes(r),
  ].join('\n');
}

interface Timed {
  perSecond: number;
  ms: Summary;
}
export function controlPlaneSection(r: ResultFile<Record<string, unknown>>): string {
  const d = r.data as {
    seedSeconds: number;
    chooseHost: Timed;
    pickHost: Timed;
    sweep: Timed;
    launchSequential: { perSecond: number; createdMs: Summary; readyMs: Summary };
    launchParallel50: { perSecond: number; createdMs: Summary; readyMs: Summary };
    api?: {
      clients: number;
      requests: number;
      perSecond: number;
      ms: Summary;
      byRoute: Record<string, Summary>;
      errors: Record<string, number>;
      gateway: { cpuPct: number; rss: number };
      machine?: { othersPct: number };
      gatewayLoopDelayMs: { p99: number; max: number };
      clientCpuPct: number;
    };
  };
  const s = (x: Summary) => [x.p50, x.p90, x.p99, x.max];
  const rows = [
    ['placement: pickHost (store queries + choice)', d.pickHost.perSecond, ...s(d.pickHost.ms)],
    ['placement: chooseHost alone (1,000 candidates in memory)', d.chooseHost.perSecond, ...s(d.chooseHost.ms)],
    ['session creation, sequential: until created', d.launchSequential.perSecond, ...s(d.launchSequential.createdMs)],
    ['session creation, sequential: until ready', d.launchSequential.perSecond, ...s(d.launchSequential.readyMs)],
    ['session creation, 50 in flight: until created', d.launchParallel50.perSecond, ...s(d.launchParallel50.createdMs)],
    ['session creation, 50 in flight: until ready', d.launchParallel50.perSecond, ...s(d.launchParallel50.readyMs)],
    ['broker sweep (reads the sessions due)', d.sweep.perSecond, ...s(d.sweep.ms)],
  ];
  const out = [
    '### Control plane',
    header(r),
    '',
    `Seeding took ${fmt(d.seedSeconds)} s.`,
    '',
    table(['operation', 'per second', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'], rows),
    '',
  ];
  if (d.api) {
    const a = d.api;
    out.push(
      `API under ${a.clients} concurrent clients: ${a.requests} requests, ${fmt(a.perSecond)} req/s; gateway CPU ${fmt(a.gateway.cpuPct)} %, RSS ${fmt(mib(a.gateway.rss))} MiB, event-loop delay p99 ${a.gatewayLoopDelayMs.p99} ms (max ${a.gatewayLoopDelayMs.max} ms); client CPU ${fmt(a.clientCpuPct)} %; other processes ${fmt(a.machine?.othersPct)} %; errors: ${Object.keys(a.errors).length ? JSON.stringify(a.errors) : 'none'}.`,
      '',
    );
    out.push(
      table(
        ['route', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        [['all', String(a.ms.n), ...s(a.ms)], ...Object.entries(a.byRoute).map(([k, v]) => [k, String(v.n), ...s(v)])],
      ),
      '',
    );
  }
  out.push(notes(r));
  return out.join('\n');
}

/**
 * The control plane on SQLite and on PostgreSQL (issue #15), side by side, from the two runs of
 * bench/control-plane.ts (the second with --store postgres): same seed, same machine, one run each.
 */
export function controlPlaneStoresSection(
  sqlite: ResultFile<Record<string, unknown>>,
  postgres: ResultFile<Record<string, unknown>>,
): string {
  type D = {
    pickHost: Timed;
    sweep: Timed;
    launchSequential: { createdMs: Summary };
    seedSeconds: number;
    api?: { perSecond: number; ms: Summary; gateway: { cpuPct: number } };
  };
  const a = sqlite.data as D;
  const b = postgres.data as D;
  const ratio = (x: number | undefined, y: number | undefined) => (x && y ? `${fmt(y / x)}x` : 'n/a');
  const row = (name: string, x: number | undefined, y: number | undefined) => [name, fmt(x), fmt(y), ratio(x, y)];
  const rows = [
    row('placement pickHost p50 ms', a.pickHost.ms.p50, b.pickHost.ms.p50),
    row('placement pickHost p99 ms', a.pickHost.ms.p99, b.pickHost.ms.p99),
    row('broker sweep p50 ms (21,000 live sessions)', a.sweep.ms.p50, b.sweep.ms.p50),
    row('launch until created p50 ms', a.launchSequential.createdMs.p50, b.launchSequential.createdMs.p50),
    row('launch until created p99 ms', a.launchSequential.createdMs.p99, b.launchSequential.createdMs.p99),
    row('API req/s, 200 clients', a.api?.perSecond, b.api?.perSecond),
    row('API p50 ms', a.api?.ms.p50, b.api?.ms.p50),
    row('API p99 ms', a.api?.ms.p99, b.api?.ms.p99),
    row('gateway CPU % under the API load', a.api?.gateway.cpuPct, b.api?.gateway.cpuPct),
    row('seeding s (through the Store)', a.seedSeconds, b.seedSeconds),
  ];
  return [
    '### Control plane: SQLite and PostgreSQL',
    header(postgres),
    '',
    table(['figure', 'SQLite', 'PostgreSQL 15', 'PostgreSQL / SQLite'], rows),
    '',
    notes(postgres),
  ].join('\n');
}

export function fairnessSection(
  r: ResultFile<{ phases: FairnessPhase[]; stalledAbsorbedBytes: number; stalledAbsorbedBytesTwoSecondsLater: number }>,
): string {
  const rows = r.data.phases.map((p) => {
    const l = p.load;
    return [
      p.name,
      String(l.measuredViewers),
      pct(l.deliveredFraction),
      l.perViewerKiBps.min,
      l.updateDelayMs.p50,
      l.updateDelayMs.p99,
      l.updateDelayMs.max,
      l.pingRttMs.p50,
      l.pingRttMs.p99,
      l.usage.gateway?.cpuPct,
      mib(l.usage.gateway?.rss),
      mib(p.gatewayMem.arrayBuffers),
      p.loopDelayMs.gateway?.p99,
      l.machine?.othersPct,
    ];
  });
  return [
    '### Fairness: one viewer not reading',
    header(r),
    '',
    table(
      [
        'phase',
        'viewers measured',
        'delivered %',
        'slowest viewer KiB/s',
        'delay p50 ms',
        'delay p99 ms',
        'delay max ms',
        'RTT p50 ms',
        'RTT p99 ms',
        'gateway CPU %',
        'gateway RSS MiB',
        'arrayBuffers MiB',
        'loop delay p99 ms',
        'other processes CPU %',
      ],
      rows,
    ),
    '',
    `The stalled viewer's path absorbed ${fmt(mib(r.data.stalledAbsorbedBytes))} MiB by the end of phase B and ${fmt(mib(r.data.stalledAbsorbedBytesTwoSecondsLater))} MiB two seconds later.`,
    '',
    notes(r),
  ].join('\n');
}

/** Top functions of each profiled gateway/agent process (main thread), named by role. */
export function profileSection(runs: { dir: string; pids: Record<string, number> }[], top = 12): string {
  const out: string[] = [];
  for (const run of runs) {
    const dir = join(PROFILES_DIR, run.dir);
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    for (const [role, pid] of Object.entries(run.pids ?? {})) {
      const f = files.find((x) => x.includes(`.${pid}.0.`));
      if (!f) continue;
      const s = summariseProfile(join(dir, f), top);
      out.push(
        `#### ${run.dir}: ${role}`,
        `Profile \`bench/profiles/${run.dir}/${f}\`: ${fmt(s.totalMs / 1000)} s, idle ${s.idlePct} %, module loading at start (${fmt(s.startupMs)} ms) left out. Self time, share of the remaining busy time:`,
        '',
        table(
          ['function (where)', 'self ms', '% of busy'],
          s.functions.map((h) => [`${h.name} (${h.where})`, h.selfMs, h.selfPct]),
        ),
        '',
      );
    }
  }
  return out.join('\n');
}
