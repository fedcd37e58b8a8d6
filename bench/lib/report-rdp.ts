// The RDP section of bench/REPORT.md (issue #12) from bench/results/rdp.json: machine, load,
// command and date, the goals against the figures, and the raw tables. report.ts includes it in a
// full report; bench/rdp.ts alone splices it into the existing REPORT.md between its markers, so
// the other sections (from an earlier full run) stay as they are.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './children.ts';
import { table, yes } from './md.ts';
import type { BusyResult } from './rdp-busy.ts';
import type { FirstFrameResult, ForwardResult } from './rdp-measure.ts';
import { readResult, type ResultFile } from './results.ts';
import { fmt, MiB, summarize } from './stats.ts';

export interface RdpData {
  first: FirstFrameResult[];
  busy: BusyResult[];
  forward: ForwardResult[];
  ratioPortalToStackP50: number | null;
  loadavg: { start: number[]; end: number[] };
}

export const RDP_START = '<!-- rdp:start (bench/rdp.ts writes this section) -->';
export const RDP_END = '<!-- rdp:end -->';
/** Hand-written reading of the figures (like bench/FINDINGS.md for issue #4), included when present. */
const FINDINGS = join(BENCH_DIR, 'FINDINGS-rdp.md');

export function rdpSection(r: ResultFile<RdpData>): string {
  const d = r.data;
  const m = r.machine;
  const by = (p: string) => d.first.find((x) => x.path === p);
  const portal = by('portal-rdp');
  const stack = by('guacamole-stack');
  const busyBy = (p: string) => d.busy.find((x) => x.path === p);
  const rdpBusy = busyBy('portal-rdp');
  const vncBusy = busyBy('portal-vnc');
  const goals = table(
    ['goal', 'target', 'measured', 'status'],
    [
      [
        'RDP connect → first frame through the portal',
        '< 1.5 s p50',
        portal?.firstMs.length ? `p50 ${fmt(portal.first.p50)} ms, p90 ${fmt(portal.first.p90)} ms` : 'not measured',
        yes(portal?.firstMs.length ? portal.first.p50 < 1500 : null),
      ],
      [
        "portal / Guacamole's own stack (guacd + xrdp), p50",
        'issue: that stack ≈ 2.0 s here',
        stack?.firstMs.length && d.ratioPortalToStackP50 !== null
          ? `${fmt(d.ratioPortalToStackP50)}x (stack p50 ${fmt(stack.first.p50)} ms, p90 ${fmt(stack.first.p90)} ms)`
          : 'not measured',
        'reported',
      ],
      [
        'CPU of a busy RDP session (guacd + gateway) next to VNC (gateway)',
        'reported',
        rdpBusy && vncBusy
          ? `${fmt(rdpBusy.cpuSPerMin)} vs ${fmt(vncBusy.cpuSPerMin)} CPU s/min (less idle: ${fmt(rdpBusy.netCpuSPerMin)} vs ${fmt(vncBusy.netCpuSPerMin)}); ${fmt(rdpBusy.cpuSPerMiB)} vs ${fmt(vncBusy.cpuSPerMiB)} CPU s/MiB`
          : 'not measured',
        'reported',
      ],
      [
        "the forward's added round trip (agent process)",
        'reported',
        ((f) =>
          f?.addedUs ? `+${fmt(f.addedUs.p50)} µs p50, +${fmt(f.addedUs.p90)} µs p90, +${fmt(f.addedUs.p99)} µs p99` : 'not measured')(
          d.forward.find((f) => f.path === 'forward-agent'),
        ),
        'reported',
      ],
    ],
    true,
  );
  const firstRows = d.first.map((x) => [
    x.label,
    String(x.firstMs.length),
    x.first.p50,
    x.first.p90,
    x.first.min,
    x.first.max,
    x.completeMs.length ? `${fmt(x.complete.p50)} / ${fmt(x.complete.p90)}` : '–',
    x.teardownMs.length ? `${fmt(summarize(x.teardownMs).p50)} / ${fmt(summarize(x.teardownMs).max)}` : '–',
    x.warmupMs,
    x.mimetypes.join(', '),
    x.failures.join('; '),
  ]);
  const busyRows = d.busy.map((b) => [
    b.label,
    Object.entries(b.cpuS)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', '),
    b.cpuSPerMin,
    b.netCpuSPerMin,
    b.deliveredBytes ? b.deliveredBytes / MiB : null,
    b.cpuSPerMiB,
    b.netCpuSPerMiB,
    b.desktopCpuS,
    b.othersCpuPct,
  ]);
  const fwdRows = d.forward.map((f) => [
    f.label,
    f.rttUs.p50,
    f.rttUs.p90,
    f.rttUs.p99,
    f.rttUs.max,
    f.addedUs ? `+${fmt(f.addedUs.p50)} / +${fmt(f.addedUs.p90)} / +${fmt(f.addedUs.p99)}` : '–',
  ]);
  return [
    RDP_START,
    '## RDP through guacd (issue #12)',
    '',
    `Measured by \`node --import tsx bench/rdp.ts ${r.options.n === 20 ? '' : `--n ${String(r.options.n)}`}\` (also in \`bench/run-all.sh\`) on ${r.startedAt} (${r.seconds} s): ${m.cpuModel}, ${m.nproc} cores, ${m.memoryGiB} GiB, Node ${m.node}, Debian ${m.debian}, commit ${m.commit}. Load average ${d.loadavg.start.map((x) => x.toFixed(2)).join(' ')} at the start, ${d.loadavg.end.map((x) => x.toFixed(2)).join(' ')} at the end. Timing goals are reported, never asserted.`,
    '',
    goals,
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
    '### Connect → first frame (ms)',
    '',
    table(
      [
        'path',
        'n',
        'p50',
        'p90',
        'min',
        'max',
        'image complete p50 / p90',
        'guacd process gone after close p50 / max',
        'warm-up',
        'image types',
        'failures',
      ],
      firstRows,
    ),
    '',
    '### A busy session: CPU of the display path',
    '',
    table(
      [
        'path',
        'CPU s in the window',
        'CPU s per minute',
        'same, less idle',
        'MiB delivered',
        'CPU s per MiB',
        'same, less idle',
        'desktop CPU s',
        'others % of a core',
      ],
      busyRows,
    ),
    '',
    "### The forward's added round trip (µs)",
    '',
    table(['path', 'p50', 'p90', 'p99', 'max', 'added p50 / p90 / p99'], fwdRows),
    ...(existsSync(FINDINGS) ? ['', readFileSync(FINDINGS, 'utf8').trim()] : []),
    RDP_END,
  ].join('\n');
}

/** Puts the RDP section of the latest bench/results/rdp.json into bench/REPORT.md, keeping the rest. */
export function spliceRdpSection(file = join(BENCH_DIR, 'REPORT.md')): void {
  const r = readResult<RdpData>('rdp');
  if (!r) throw new Error('no bench/results/rdp.json');
  writeFileSync(file, splice(existsSync(file) ? readFileSync(file, 'utf8') : '', rdpSection(r)));
}

/** The section replaces its earlier copy, or goes before "## Run time per step", or at the end. */
export function splice(report: string, section: string): string {
  const a = report.indexOf(RDP_START);
  const b = report.indexOf(RDP_END);
  if (a >= 0 && b > a) return report.slice(0, a) + section + report.slice(b + RDP_END.length);
  const at = report.indexOf('\n## Run time per step');
  if (at >= 0) return `${report.slice(0, at + 1)}${section}\n\n${report.slice(at + 1)}`;
  return `${report.trimEnd()}\n\n${section}\n`;
}
