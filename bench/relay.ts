// Relay throughput and latency (issue #4): one fake VNC server behind (a) direct TCP, (b) Debian's
// websockify, (c) the Deskport relay through the real launch → ticket → /ws/vnc → agent dial-back
// path, with the agent embedded in the gateway process (`bin/deskport up`) and in its own process
// (a remote host). Reports MiB/s for a bulk stream, round-trip percentiles for small messages,
// the proxies' CPU per GiB, and the ratios. Paths take turns in each round, so all see the same
// machine state. Not a test: nothing here asserts a timing.
// Usage: node --import tsx bench/relay.ts [--size-mib 512] [--reps 3] [--pings 2000] [--profile]
import { join } from 'node:path';
import { BenchViewer, type Target } from './lib/rfb-client.ts';
import { args, initRun, LOGS_DIR, PROFILES_DIR, resultName, writeResult } from './lib/results.ts';
import { machineWatch, watch } from './lib/procstat.ts';
import {
  launchDefault,
  runDir,
  signInAdmin,
  startDeskport,
  startFakeVncChild,
  startWebsockify,
  ticketUrl,
  type DeskportChild,
} from './lib/stack.ts';
import { fmt, MiB, Samples, summarize, type Summary } from './lib/stats.ts';

const a = args();
const SIZE = Number(a.get('size-mib') ?? 512) * MiB;
const REPS = Number(a.get('reps') ?? 3);
const PINGS = Number(a.get('pings') ?? 2000);
const PAYLOAD = 64 * 1024;
const profile = a.has('profile');

interface Path {
  key: string;
  label: string;
  target: Target;
  /** Processes that do the relaying on this path (their CPU is the relay's cost). */
  pids: number[];
  viewer?: BenchViewer;
}

export interface RelayPathResult {
  key: string;
  label: string;
  rttUs: Summary;
  mibps: number[];
  mibpsMedian: number;
  proxyCpuSPerGiB: number | null;
  clientCpuSPerGiB: number;
  /** CPU of processes outside this benchmark during this path's streams, % of one core (mean). */
  othersCpuPct: number;
}

export interface RelayData {
  paths: RelayPathResult[];
  ratios: Record<string, number>;
  /** Process roles → PIDs (to match --cpu-prof files to processes). */
  pids: Record<string, number>;
}

const NAME = resultName('relay');
const started = new Date();
initRun(NAME);
const run = runDir(NAME, LOGS_DIR);
const cpuProfDir = profile ? join(PROFILES_DIR, NAME) : undefined;
const pids: Record<string, number> = {};
const stops: (() => Promise<void>)[] = [];
try {
  const vnc = await startFakeVncChild(run.logs);
  stops.push(() => vnc.stop());
  const wsfy = await startWebsockify(run, vnc.plainPort);
  stops.push(() => wsfy.stop());
  const deskports: Record<string, DeskportChild> = {};
  for (const agent of ['embedded', 'separate'] as const) {
    const d = await startDeskport({ run, vncPort: vnc.driverPort, agent, ...(cpuProfDir ? { cpuProfDir } : {}) });
    stops.push(() => d.stop());
    deskports[agent] = d;
    pids[`gateway (${agent} agent)`] = d.gatewayPid;
    if (d.agentPid) pids['agent (own process)'] = d.agentPid;
  }
  const paths: Path[] = [
    { key: 'direct', label: 'direct TCP', target: { kind: 'tcp', port: vnc.plainPort }, pids: [] },
    { key: 'websockify', label: `websockify`, target: { kind: 'websockify', url: wsfy.url }, pids: [wsfy.pid] },
  ];
  for (const [agent, d] of Object.entries(deskports)) {
    const api = await signInAdmin(d.url);
    const sessionId = await launchDefault(api);
    paths.push({
      key: `deskport-${agent}`,
      label: agent === 'embedded' ? 'Deskport (agent in the gateway process)' : 'Deskport (agent in its own process)',
      target: { kind: 'deskport', url: await ticketUrl(api, d.url, sessionId) },
      pids: [d.gatewayPid, ...(d.agentPid ? [d.agentPid] : [])],
    });
  }
  for (const p of paths) p.viewer = await BenchViewer.connect(p.target);

  // Warm-up: JIT, socket buffers, websockify's per-connection process.
  for (const p of paths) {
    for (let i = 0; i < 200; i++) await p.viewer!.ping();
    await p.viewer!.stream(64 * MiB, PAYLOAD);
  }

  const rtt = new Map(paths.map((p) => [p.key, new Samples(PINGS)]));
  for (let round = 0; round < 2; round++) {
    for (const p of paths) for (let i = 0; i < PINGS / 2; i++) rtt.get(p.key)!.push(await p.viewer!.ping());
  }

  const rates = new Map(paths.map((p) => [p.key, [] as number[]]));
  const proxyCpu = new Map(paths.map((p) => [p.key, 0]));
  const clientCpu = new Map(paths.map((p) => [p.key, 0]));
  const moved = new Map(paths.map((p) => [p.key, 0]));
  const others = new Map(paths.map((p) => [p.key, [] as number[]]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const p of paths) {
      const w = watch(p.pids, 250);
      const mw = machineWatch();
      const c0 = process.cpuUsage();
      const r = await p.viewer!.stream(SIZE, PAYLOAD);
      const c = process.cpuUsage(c0);
      const u = w.stop();
      others.get(p.key)!.push(mw.stop().othersPct);
      rates.get(p.key)!.push(r.bytes / MiB / (r.us / 1e6));
      proxyCpu.set(p.key, proxyCpu.get(p.key)! + u.cpuS);
      clientCpu.set(p.key, clientCpu.get(p.key)! + (c.user + c.system) / 1e6);
      moved.set(p.key, moved.get(p.key)! + r.bytes);
      console.log(`relay: rep ${rep + 1} ${p.label}: ${fmt(rates.get(p.key)!.at(-1)!)} MiB/s`);
    }
  }
  for (const p of paths) p.viewer!.close();

  const results: RelayPathResult[] = paths.map((p) => {
    const gib = moved.get(p.key)! / 2 ** 30;
    const mibps = rates.get(p.key)!;
    return {
      key: p.key,
      label: p.label,
      rttUs: rtt.get(p.key)!.summary(),
      mibps,
      mibpsMedian: summarize(mibps).p50,
      proxyCpuSPerGiB: p.pids.length ? proxyCpu.get(p.key)! / gib : null,
      clientCpuSPerGiB: clientCpu.get(p.key)! / gib,
      othersCpuPct: summarize(others.get(p.key)!).mean,
    };
  });
  const by = (k: string) => results.find((r) => r.key === k)!;
  const ratios: Record<string, number> = {};
  for (const d of ['deskport-embedded', 'deskport-separate']) {
    ratios[`${d} / websockify throughput`] = by(d).mibpsMedian / by('websockify').mibpsMedian;
    ratios[`${d} / direct throughput`] = by(d).mibpsMedian / by('direct').mibpsMedian;
    ratios[`${d} / websockify p50 RTT`] = by(d).rttUs.p50 / by('websockify').rttUs.p50;
  }
  const notes = [
    `Bulk stream: ${SIZE / MiB} MiB per repetition in FramebufferUpdates of ${PAYLOAD / 1024} KiB pixels, ${REPS} repetitions per path, paths in turn.`,
    `Round trip: ${PINGS} sequential 25-byte ClientFence → ServerFence echoes per path (two interleaved rounds), after 200 warm-up pings and a 64 MiB warm-up stream.`,
    'Every path ends at the same fake VNC server process; the client is this process. Proxy CPU counts the relaying processes only (websockify: its whole process tree).',
    "Agent in the gateway process: the gateway relays the desktop socket it gets from its embedded agent (DESKPORT_EMBEDDED_STREAMS=direct, the default); agent in its own process: through the agent's dial-back WebSocket.",
  ];
  writeResult<RelayData>(NAME, started, { sizeMiB: SIZE / MiB, reps: REPS, pings: PINGS, payload: PAYLOAD, profile }, notes, {
    paths: results,
    ratios,
    pids,
  });
  console.log('\npath | MiB/s (median) | RTT p50 µs | RTT p99 µs | proxy CPU s/GiB');
  for (const r of results)
    console.log(`${r.label} | ${fmt(r.mibpsMedian)} | ${fmt(r.rttUs.p50)} | ${fmt(r.rttUs.p99)} | ${fmt(r.proxyCpuSPerGiB)}`);
  for (const [k, v] of Object.entries(ratios)) console.log(`${k}: ${fmt(v)}x`);
} finally {
  for (const s of stops.reverse()) await s().catch((err: Error) => console.error(`relay: stop failed: ${err.message}`));
  run.cleanup();
}
