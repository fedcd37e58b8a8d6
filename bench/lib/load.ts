// A steady display load over already-connected bench viewers, the way busy desktops look: each
// viewer gets `ups` updates per second of `payload` bytes, stamped by the fake server when sent,
// and sends small input (PointerEvents at inputHz) plus a timed ClientFence ping at pingHz.
// Measures, over a window after a warm-up: delivered bytes per viewer, one-way update delay
// (server stamp → whole update received), ping round trips, and the CPU/memory of watched processes.
import { BenchViewer } from './rfb-client.ts';
import { machineWatch, watch, type MachineLoad, type Watched } from './procstat.ts';
import { KiB, Samples, sleep, summarize, type Summary } from './stats.ts';
import { pointerEvent } from './wire.ts';

export interface LoadOptions {
  viewers: BenchViewer[];
  payload: number;
  ups: number;
  warmupMs: number;
  measureMs: number;
  inputHz: number;
  pingHz: number;
  /** Named process groups to watch during the window (e.g. gateway, agent, websockify tree). */
  watch: Record<string, number[]>;
  /** Viewers (by index) that take part in the stream but are left out of the figures (e.g. a stalled one). */
  exclude?: Set<number>;
}

export interface LoadResult {
  viewers: number;
  measuredViewers: number;
  windowS: number;
  targetKiBps: number;
  /** Delivered KiB/s per measured viewer: summary over viewers. */
  perViewerKiBps: Summary;
  /** Sum over measured viewers, MiB/s. */
  totalMiBps: number;
  /** Delivered / offered, over measured viewers. */
  deliveredFraction: number;
  updateDelayMs: Summary;
  pingRttMs: Summary;
  pointerEventsSent: number;
  serverSent: number;
  serverSkipped: number;
  streamsEnded: number;
  usage: Record<string, Watched>;
  clientCpuPct: number;
  machine: MachineLoad;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const n = o.viewers.length;
  const measured = (i: number) => !o.exclude?.has(i);
  const bytes = new Float64Array(n);
  const delay = new Samples(1 << 16);
  const rtt = new Samples(1 << 12);
  let measuring = false;
  o.viewers.forEach((v, i) => {
    v.onUpdate = (delayUs, b) => {
      if (!measuring || !measured(i)) return;
      bytes[i]! += b;
      delay.push(delayUs / 1000);
    };
  });
  const totalMs = o.warmupMs + o.measureMs + 500;
  const ends = o.viewers.map((v) => v.steady(o.payload, o.ups, totalMs));

  // One 10 ms ticker drives everyone's input, each viewer at its own phase.
  let tick = 0;
  let pointers = 0;
  const inputEvery = Math.max(1, Math.round(100 / o.inputHz));
  const pingEvery = Math.max(1, Math.round(100 / o.pingHz));
  const ticker = setInterval(() => {
    tick++;
    for (let i = 0; i < n; i++) {
      const v = o.viewers[i]!;
      if ((tick + i) % inputEvery === 0) {
        v.send(pointerEvent((tick * 7 + i) % 800, (tick * 3 + i) % 600));
        pointers++;
      }
      if ((tick + i) % pingEvery === 0 && !v.pinging) {
        void v.ping().then((us) => measuring && measured(i) && rtt.push(us / 1000));
      }
    }
  }, 10);

  await sleep(o.warmupMs);
  const watchers = Object.fromEntries(Object.entries(o.watch).map(([k, pids]) => [k, watch(pids, 500)]));
  const c0 = process.cpuUsage();
  const mw = machineWatch();
  const t0 = performance.now();
  measuring = true;
  await sleep(o.measureMs);
  measuring = false;
  const windowS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const machine = mw.stop();
  const usage = Object.fromEntries(Object.entries(watchers).map(([k, w]) => [k, w.stop()]));
  clearInterval(ticker);

  let sent = 0;
  let skipped = 0;
  let ended = 0;
  await Promise.race([Promise.all(ends.map((e) => e.then((r) => ((sent += r.sent), (skipped += r.skipped), ended++)))), sleep(5_000)]);
  for (const v of o.viewers) v.onUpdate = null;

  const idx = [...Array(n).keys()].filter(measured);
  const perViewer = idx.map((i) => bytes[i]! / KiB / windowS);
  const targetKiBps = ((o.payload + 16) * o.ups) / KiB;
  const total = perViewer.reduce((s, x) => s + x, 0);
  return {
    viewers: n,
    measuredViewers: idx.length,
    windowS,
    targetKiBps,
    perViewerKiBps: summarize(perViewer),
    totalMiBps: total / 1024,
    deliveredFraction: idx.length ? total / (targetKiBps * idx.length) : 0,
    updateDelayMs: delay.summary(),
    pingRttMs: rtt.summary(),
    pointerEventsSent: pointers,
    serverSent: sent,
    serverSkipped: skipped,
    streamsEnded: ended,
    usage,
    clientCpuPct: (100 * (c.user + c.system)) / 1e6 / windowS,
    machine,
  };
}

/** Connects `count` viewers with at most `parallel` handshakes in flight. */
export async function connectAll(
  count: number,
  target: (i: number) => Promise<Parameters<typeof BenchViewer.connect>[0]>,
  parallel = 20,
): Promise<BenchViewer[]> {
  const out: BenchViewer[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) out[i] = await BenchViewer.connect(await target(i));
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return out;
}
