// Fairness (issue #4): one viewer on a dead-slow link must not slow the others. K viewers of a
// busy desktop each (256 KiB/s in 30 updates/s, input at 10 Hz, pings at 2 Hz) are measured
// alone (phase A), then again while one more viewer asks its desktop for an endless bulk stream
// and never reads its socket (phase B). Shows the others' delivered rate and delay in both
// phases, the gateway's CPU and memory, and how many bytes the stalled viewer's path absorbed
// before backpressure stopped its desktop (bounded: socket buffers plus the relay's and the
// agent pipe's 1 MiB high-water marks).
// Usage: node --import tsx bench/fairness.ts [--viewers 20] [--measure-s 6] [--agent embedded|separate]
import { connectAll, runLoad, type LoadResult } from './lib/load.ts';
import { BenchViewer } from './lib/rfb-client.ts';
import { args, initRun, resultName, LOGS_DIR, writeResult } from './lib/results.ts';
import { bearer, launchDefault, runDir, startDeskport, startFakeVncChild, ticketUrl } from './lib/stack.ts';
import type { FakeVncStats } from './lib/fake-vnc.ts';
import { fmt, KiB, MiB, sleep } from './lib/stats.ts';

const a = args();
const K = Number(a.get('viewers') ?? 20);
const MEASURE_MS = Number(a.get('measure-s') ?? 6) * 1000;
const AGENT = (a.get('agent') ?? 'embedded') as 'embedded' | 'separate';
const UPS = 30;
const PAYLOAD = Math.floor((256 * KiB) / UPS / 4) * 4 - 16;

export interface FairnessPhase {
  name: string;
  load: LoadResult;
  gatewayMem: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  loopDelayMs: Record<string, { p50: number; p99: number; max: number }>;
}

const started = new Date();
const NAME = resultName('fairness');
initRun(NAME);
const run = runDir(NAME, LOGS_DIR);
const stops: (() => Promise<void>)[] = [];
try {
  const vnc = await startFakeVncChild(run.logs);
  stops.push(() => vnc.stop());
  const d = await startDeskport({ run, vncPort: vnc.driverPort, agent: AGENT, users: K + 1, capacity: K + 1, name: `gateway-${AGENT}` });
  stops.push(() => d.stop());
  const apis = d.tokens.map((t) => bearer(d.url, t));
  const sessions = await Promise.all(apis.map((api) => launchDefault(api)));
  const viewers = await connectAll(K, async (i) => ({ kind: 'deskport', url: await ticketUrl(apis[i]!, d.url, sessions[i]!) }));
  const watchRoots = { gateway: [d.gatewayPid], ...(d.agentPid ? { agent: [d.agentPid] } : {}) };

  const phase = async (name: string): Promise<FairnessPhase> => {
    await d.gateway.request({ type: 'loop' });
    await d.agent?.request({ type: 'loop' });
    const load = await runLoad({
      viewers,
      payload: PAYLOAD,
      ups: UPS,
      warmupMs: 2000,
      measureMs: MEASURE_MS,
      inputHz: 10,
      pingHz: 2,
      watch: watchRoots,
    });
    const gatewayMem = await d.gateway.request<FairnessPhase['gatewayMem']>({ type: 'mem' });
    const loopDelayMs: FairnessPhase['loopDelayMs'] = { gateway: await d.gateway.request({ type: 'loop' }) };
    if (d.agent) loopDelayMs.agent = await d.agent.request({ type: 'loop' });
    console.log(
      `fairness: ${name}: others delivered ${fmt(100 * load.deliveredFraction)} % (slowest viewer ${fmt(load.perViewerKiBps.min)} KiB/s), delay p50 ${fmt(load.updateDelayMs.p50)} ms p99 ${fmt(load.updateDelayMs.p99)} ms, rtt p99 ${fmt(load.pingRttMs.p99)} ms, gateway RSS ${fmt(load.usage.gateway!.rss / MiB)} MiB`,
    );
    return { name, load, gatewayMem, loopDelayMs };
  };

  const alone = await phase('A: no stalled viewer');
  // The stalled viewer: handshake, ask for a bulk stream far larger than the run, stop reading.
  const stalled = await BenchViewer.connect({ kind: 'deskport', url: await ticketUrl(apis[K]!, d.url, sessions[K]!) });
  const before = await vnc.request<FakeVncStats>({ type: 'stats' });
  void stalled.stream(64 * 1024 * MiB, 64 * KiB);
  stalled.pause();
  await sleep(1000);
  const withStalled = await phase('B: one viewer not reading');
  const after = await vnc.request<FakeVncStats>({ type: 'stats' });
  const absorbed = after.bulkBytes - before.bulkBytes;
  await sleep(2000);
  const absorbedLater = (await vnc.request<FakeVncStats>({ type: 'stats' })).bulkBytes - before.bulkBytes;
  stalled.close();
  for (const v of viewers) v.close();
  console.log(
    `fairness: the stalled viewer's path absorbed ${fmt(absorbed / MiB)} MiB, then ${fmt((absorbedLater - absorbed) / MiB)} MiB more in the next 2 s (backpressure holds)`,
  );
  const notes = [
    `${K} viewers, each with its own session and desktop (bench driver → fake VNC server), ${fmt(((PAYLOAD + 16) * UPS) / KiB)} KiB/s in ${UPS} updates/s, PointerEvents at 10 Hz, pings at 2 Hz; 2 s warm-up and ${MEASURE_MS / 1000} s measured per phase. Agent: ${AGENT}.`,
    'Phase B adds one more viewer whose desktop streams as fast as its socket takes (64 KiB updates, 64 GiB requested) and which never reads: its WebSocket is paused right after the handshake.',
    "Absorbed = bytes the fake server managed to hand to that viewer's TCP connection: what sits in kernel socket buffers, the agent pipe and the relay, waiting for a reader that never comes.",
  ];
  writeResult(NAME, started, { viewers: K, measureMs: MEASURE_MS, agent: AGENT }, notes, {
    phases: [alone, withStalled],
    stalledAbsorbedBytes: absorbed,
    stalledAbsorbedBytesTwoSecondsLater: absorbedLater,
  });
} finally {
  for (const s of stops.reverse()) await s().catch((err: Error) => console.error(`fairness: stop failed: ${err.message}`));
  run.cleanup();
}
