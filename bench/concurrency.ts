// Concurrency (issue #4): N simultaneous viewers, each receiving a steady stream like a busy
// desktop (default 256 KiB/s in 30 updates per second) and sending small input (PointerEvents at
// 10 Hz, a timed ping at 2 Hz). For each N: delivered rate, one-way update delay and ping round
// trip percentiles, the gateway's CPU and RSS (its own process; the agent, when separate, apart),
// and gateway memory per viewer. Deskport viewers each have their own user, session and desktop
// (bench driver) and go through ticket → /ws/vnc → dial-back stream; websockify runs at the N it
// sustains (escalation stops below 90 % delivered); direct TCP gives the no-proxy baseline.
// Usage: node --import tsx bench/concurrency.ts [--ns 50,200,500,1000] [--paths deskport-separate,deskport-embedded,websockify,direct]
//        [--measure-s 5] [--warmup-s 2] [--kibps 256] [--ups 30] [--profile]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAll, runLoad, type LoadResult } from './lib/load.ts';
import { rssBytes, tree, usage } from './lib/procstat.ts';
import type { BenchViewer, Target } from './lib/rfb-client.ts';
import { args, initRun, LOGS_DIR, PROFILES_DIR, resultName, writeResult } from './lib/results.ts';
import {
  bearer,
  launchDefault,
  runDir,
  startDeskport,
  startFakeVncChild,
  startWebsockify,
  ticketUrl,
  type DeskportChild,
} from './lib/stack.ts';
import { fmt, KiB, sleep } from './lib/stats.ts';

const a = args();
const NS = (a.get('ns') ?? '50,200,500,1000').split(',').map(Number);
const PATHS = (a.get('paths') ?? 'deskport-separate,deskport-embedded,websockify,direct').split(',');
const MEASURE_MS = Number(a.get('measure-s') ?? 5) * 1000;
const WARMUP_MS = Number(a.get('warmup-s') ?? 2) * 1000;
const UPS = Number(a.get('ups') ?? 30);
// Payload per update: the fake server adds a 16-byte header; keep 4-byte pixels.
const PAYLOAD = Math.floor((Number(a.get('kibps') ?? 256) * KiB) / UPS / 4) * 4 - 16;
const profile = a.has('profile');
/** Experiment, not the default: TCP_NODELAY on the agent's desktop sockets (see README). */
const noDelay = a.has('nodelay');
const maxN = Math.max(...NS);

export interface ConcurrencyStep {
  path: string;
  n: number;
  connectS: number;
  failed?: string;
  idleRss?: number;
  /** Gateway RSS per viewer under load: the slope of the mean RSS during the window between the
   *  smallest N and this N, (RSS(N) − RSS(N0)) / (N − N0); at N0 itself (RSS − idle RSS) / N0. */
  memPerViewer?: number;
  agentMemPerViewer?: number;
  agentRss?: number;
  /** JS-accounted memory per connected viewer at rest: (heapUsed + external) after a full GC with the
   *  N viewers connected and their streams over, minus the same before they connected, / N. */
  retainedPerViewer?: number;
  agentRetainedPerViewer?: number;
  gatewayHeap?: { heapUsed: number; external: number; arrayBuffers: number; rss: number };
  /** Event-loop delay (ms) of the gateway and agent processes during the step. */
  loopDelayMs?: Record<string, { p50: number; p99: number; max: number; mean: number }>;
  load?: LoadResult;
}

const NAME = resultName('concurrency');
const started = new Date();
initRun(NAME);
const run = runDir(NAME, LOGS_DIR);
const pids: Record<string, number> = {};
const steps: ConcurrencyStep[] = [];
const stops: (() => Promise<void>)[] = [];
const notes: string[] = [];

/** Waits (at most 15 s) until the previous step's connections are gone, then a second more. */
async function settle(idleCheck: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !(await idleCheck())) await sleep(200);
  await sleep(1000);
}

/** websockify's own words on why connections failed (distinct handler exceptions in its log). */
function websockifyErrors(): string {
  try {
    const seen = new Map<string, number>();
    for (const m of readFileSync(join(run.logs, 'websockify.log'), 'utf8').matchAll(/handler exception: (.+)/g))
      seen.set(m[1]!, (seen.get(m[1]!) ?? 0) + 1);
    return seen.size ? ` Its log: ${[...seen].map(([e, k]) => `"${e}" ×${k}`).join(', ')}.` : '';
  } catch {
    return '';
  }
}

async function viewersOnGateway(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  return Number(/^deskport_viewers (\d+)/m.exec(text)?.[1] ?? NaN);
}

try {
  const vnc = await startFakeVncChild(run.logs);
  stops.push(() => vnc.stop());
  for (const path of PATHS) {
    let deskport: DeskportChild | undefined;
    let wsfyPid: number | undefined;
    let target: (i: number) => Promise<Target>;
    let roots: Record<string, number[]>;
    let idle: () => Promise<boolean>;
    let stopPath: () => Promise<void>;
    if (path.startsWith('deskport-')) {
      const layout = path === 'deskport-embedded' ? 'embedded' : 'separate';
      const d = await startDeskport({
        run,
        vncPort: vnc.driverPort,
        agent: layout,
        users: maxN,
        capacity: Math.min(maxN, 1000),
        name: path,
        noDelay,
        ...(profile ? { cpuProfDir: join(PROFILES_DIR, NAME) } : {}),
      });
      deskport = d;
      pids[`gateway (${path})`] = d.gatewayPid;
      if (d.agentPid) pids[`agent (${path})`] = d.agentPid;
      const sessions: string[] = [];
      const apis = d.tokens.map((t) => bearer(d.url, t));
      target = async (i) => ({ kind: 'deskport', url: await ticketUrl(apis[i]!, d.url, sessions[i]!) });
      roots = { gateway: [d.gatewayPid], ...(d.agentPid ? { agent: [d.agentPid] } : {}), fakeVnc: [vnc.pid] };
      idle = async () => (await viewersOnGateway(d.url)) === 0;
      stopPath = () => d.stop();
      // One user, one session, one desktop per viewer, launched through the API before the steps.
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = next++; i < maxN; i = next++) sessions[i] = await launchDefault(apis[i]!, 60_000);
        }),
      );
      console.log(`concurrency: ${path}: ${maxN} sessions launched in ${fmt((performance.now() - t0) / 1000)} s`);
      // Warm-up round (not reported): the gateway's JIT, heap and buffer pools grow once, so the
      // idle RSS the first step is compared with is a warmed one.
      const warm = await connectAll(Math.min(50, maxN), target);
      await runLoad({ viewers: warm, payload: PAYLOAD, ups: UPS, warmupMs: 0, measureMs: 2000, inputHz: 10, pingHz: 2, watch: {} });
      for (const v of warm) v.close();
    } else if (path === 'websockify') {
      const w = await startWebsockify(run, vnc.plainPort);
      wsfyPid = w.pid;
      target = async () => ({ kind: 'websockify', url: w.url });
      roots = { gateway: [w.pid], fakeVnc: [vnc.pid] };
      idle = async () => tree(w.pid).length === 1;
      stopPath = () => w.stop();
    } else {
      target = async () => ({ kind: 'tcp', port: vnc.plainPort });
      roots = { fakeVnc: [vnc.pid] };
      idle = async () => true;
      stopPath = async () => undefined;
    }
    stops.push(stopPath);
    for (const n of NS) {
      await settle(idle);
      type Mem = { heapUsed: number; external: number };
      const js = (m: Mem) => m.heapUsed + m.external;
      const gcIdle = deskport ? await deskport.gateway.request<Mem>({ type: 'gc' }) : undefined;
      const agentGcIdle = deskport?.agent ? await deskport.agent.request<Mem>({ type: 'gc' }) : undefined;
      const idleU = usage(roots.gateway ?? []);
      const agentIdle = deskport?.agentPid ? rssBytes(deskport.agentPid) : 0;
      const step: ConcurrencyStep = { path, n, connectS: 0, idleRss: idleU.pss || idleU.rss };
      steps.push(step);
      const t0 = performance.now();
      let viewers: BenchViewer[] = [];
      try {
        viewers = await connectAll(n, target, path === 'websockify' ? 10 : 20);
        step.connectS = (performance.now() - t0) / 1000;
        if (deskport) {
          await deskport.gateway.request({ type: 'loop' });
          await deskport.agent?.request({ type: 'loop' });
        }
        const load = await runLoad({
          viewers,
          payload: PAYLOAD,
          ups: UPS,
          warmupMs: WARMUP_MS,
          measureMs: MEASURE_MS,
          inputHz: 10,
          pingHz: 2,
          watch: roots,
        });
        step.load = load;
        if (deskport) {
          step.gatewayHeap = await deskport.gateway.request({ type: 'mem' });
          step.retainedPerViewer = (js(await deskport.gateway.request<Mem>({ type: 'gc' })) - js(gcIdle!)) / n;
          if (deskport.agent) step.agentRetainedPerViewer = (js(await deskport.agent.request<Mem>({ type: 'gc' })) - js(agentGcIdle!)) / n;
          step.loopDelayMs = { gateway: await deskport.gateway.request({ type: 'loop' }) };
          if (deskport.agent) step.loopDelayMs.agent = await deskport.agent.request({ type: 'loop' });
          const first = steps.find((x) => x.path === path && x.load);
          const slope = (now: number, base: number | undefined, idleBytes: number) =>
            first && first !== step && base !== undefined ? (now - base) / (n - first.n) : (now - idleBytes) / n;
          step.memPerViewer = slope(load.usage.gateway!.rss, first?.load?.usage.gateway?.rss, idleU.rss);
          if (load.usage.agent) step.agentMemPerViewer = slope(load.usage.agent.rss, first?.load?.usage.agent?.rss, agentIdle);
        } else if (wsfyPid) {
          // websockify forks per connection: count proportional memory (shared pages split).
          step.memPerViewer = (load.usage.gateway!.pss - (step.idleRss ?? 0)) / n;
        }
        const g = load.usage.gateway;
        console.log(
          `concurrency: ${path} N=${n}: delivered ${fmt(100 * load.deliveredFraction)} %, delay p50 ${fmt(load.updateDelayMs.p50)} ms p99 ${fmt(load.updateDelayMs.p99)} ms, rtt p50 ${fmt(load.pingRttMs.p50)} p99 ${fmt(load.pingRttMs.p99)} ms` +
            (g
              ? `, ${fmt(g.rss / 2 ** 20)} MiB, ${fmt((step.memPerViewer ?? 0) / KiB)} KiB/viewer (retained ${fmt((step.retainedPerViewer ?? NaN) / KiB)})`
              : '') +
            `, CPU % ${Object.entries(load.usage)
              .map(([k, u]) => `${k} ${fmt(u.cpuPct)}`)
              .join(' ')} client ${fmt(load.clientCpuPct)} others ${fmt(load.machine.othersPct)}` +
            (step.loopDelayMs
              ? `, loop delay p99 ${Object.entries(step.loopDelayMs)
                  .map(([k, v]) => `${k} ${v.p99} ms`)
                  .join(', ')}`
              : ''),
        );
      } catch (err) {
        step.failed = (err as Error).message;
        console.log(`concurrency: ${path} N=${n}: failed: ${step.failed}`);
      } finally {
        for (const v of viewers) v?.close();
      }
      if (path === 'websockify' && (step.failed || (step.load && step.load.deliveredFraction < 0.9))) {
        notes.push(
          `websockify stopped escalating at N=${n}: ${step.failed ?? `${fmt(100 * step.load!.deliveredFraction)} % delivered`}.${websockifyErrors()}`,
        );
        break;
      }
    }
    await settle(idle);
    stops.pop();
    await stopPath();
  }
  notes.push(
    `Each viewer: ${UPS} updates/s of ${PAYLOAD + 16} bytes (${fmt(((PAYLOAD + 16) * UPS) / KiB)} KiB/s), PointerEvents at 10 Hz, a ClientFence ping at 2 Hz; ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured.`,
    'Update delay: fake server stamp (CLOCK_MONOTONIC) at send → whole update parsed by the client. The fake server skips an update (as a VNC server coalesces) while 256 KiB are still unsent to that viewer; skipped updates show up as a delivered fraction below 100 %.',
    'All processes share the 2 cores: the client (one Node process driving every viewer), the fake VNC server, the gateway (and agent). Client CPU is reported so a client-bound step can be recognised.',
    'Deskport memory per viewer, under load: the slope of the mean gateway RSS during the window from the smallest N to this N, (RSS(N) − RSS(N0)) / (N − N0), which cancels the fixed heap; at N0 itself (RSS − RSS before connecting) / N0, which GC timing makes noisy. Retained: JS heap + external memory after a full GC with the N viewers still connected and idle, minus the same before they connected, / N. Every viewer has its own session and desktop row, created before the steps. websockify: proportional set size (PSS) of its process tree, since it forks one process per connection.',
    'A delivered share above 100 % means updates queued during the warm-up arrived inside the window.',
  );
  writeResult(
    NAME,
    started,
    { noDelay, ns: NS, paths: PATHS, measureMs: MEASURE_MS, warmupMs: WARMUP_MS, ups: UPS, payload: PAYLOAD, profile },
    notes,
    { steps, pids },
  );
} finally {
  for (const s of stops.reverse()) await s().catch((err: Error) => console.error(`concurrency: stop failed: ${err.message}`));
  run.cleanup();
}
