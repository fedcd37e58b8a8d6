// Two of bench/rdp.ts's measurements, each against peers in the same run: connect → first image
// (portal /ws/rdp, guacamole-lite straight to guacd, /ws/vnc) and the forward's added round trip
// over an agent stream (rdp-busy.ts has the third). Also what they share: the rig, tickets, waits.
import { ownRdpDesktop } from '../../server/guac/settings.ts';
import { readFileSync } from 'node:fs';
import { added, pingPong } from './echo.ts';
import { guacdProbe, portalProbe, type GuacProbe } from './guac-probe.ts';
import { tree } from './procstat.ts';
import type { Api } from './stack.ts';
import { Samples, sleep, summarize, type Summary } from './stats.ts';
import { VncProbe } from './vnc-probe.ts';

export interface Rig {
  url: string;
  api: Api;
  guacd: { host: string; port: number; pid: number };
  gatewayPid: number;
  rdp: {
    sessionId: string;
    bridgePort: number;
    home: string;
    pids: number[];
    /** Processes of the desktop with no RDP connection. */ idleProcesses: number;
  };
  vnc: { sessionId: string; home: string; pids: number[] };
  /** Launches the desktop again when its session is no longer ready (and updates the rig). */
  ensure(kind: 'rdp' | 'vnc'): Promise<void>;
}

export async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function ticket(rig: Rig, sessionId: string): Promise<string> {
  const r = await rig.api.call('POST', `/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
  if (r.status !== 201) throw new Error(`ticket: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { url: string }).url;
}

/** guacd's per-connection child has exited and the desktop's process count is back: xrdp is free again. */
/** xrdp processes in the desktop's trees: the listener, plus one forked per connection. */
export function xrdpProcesses(roots: number[]): number {
  let n = 0;
  for (const root of roots)
    for (const pid of tree(root)) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'xrdp') n++;
      } catch {
        /* gone */
      }
    }
  return n;
}

export async function rdpIdle(rig: Rig): Promise<number> {
  const t0 = performance.now();
  await waitFor('guacd to end its connection process', () => tree(rig.guacd.pid).length === 1, 60_000);
  const ms = performance.now() - t0;
  await waitFor('xrdp to end its connection process', () => xrdpProcesses(rig.rdp.pids) <= 1, 60_000);
  return ms;
}

export type FirstFramePath = 'portal-rdp' | 'guacamole-stack' | 'portal-vnc';
export interface FirstFrameResult {
  path: FirstFramePath;
  label: string;
  /** Connect (ticket request) → first image instruction on layer 0 / first FramebufferUpdate. */
  firstMs: number[];
  /** → that image complete (its stream's `end`); RDP only. */
  completeMs: number[];
  /** After the close: until guacd's connection process exited (RDP only). */
  teardownMs: number[];
  first: Summary;
  complete: Summary;
  warmupMs: number | null;
  mimetypes: string[];
  failures: string[];
}

const SIZE = { width: 1024, height: 768 };

export async function firstFrames(rig: Rig, n: number, log: (s: string) => void): Promise<FirstFrameResult[]> {
  const rdpOnce = async (open: () => Promise<GuacProbe>, t0: number) => {
    const p = await open();
    let shown = false;
    try {
      await p.firstImage();
      shown = true;
    } finally {
      await p.close();
      const teardown = await rdpIdle(rig);
      if (shown) return { first: p.first.imgAt! - t0, complete: p.first.endAt! - t0, mimetype: p.first.mimetype, teardown };
    }
    throw new Error('unreachable');
  };
  type Once = { first: number; complete: number | null; mimetype: string; teardown?: number };
  const runs: Record<FirstFramePath, () => Promise<Once>> = {
    'portal-rdp': async () => {
      await rig.ensure('rdp');
      const t0 = performance.now();
      const path = await ticket(rig, rig.rdp.sessionId);
      return rdpOnce(() => portalProbe(rig.url, path, SIZE), t0);
    },
    'guacamole-stack': async () => {
      await rig.ensure('rdp');
      const settings = ownRdpDesktop({ port: rig.rdp.bridgePort, display: { ...SIZE, dpi: 96 }, mode: 'control', secret: 'bench' });
      return rdpOnce(async () => guacdProbe(rig.guacd, settings), performance.now());
    },
    'portal-vnc': async () => {
      await rig.ensure('vnc');
      const t0 = performance.now();
      const v = await VncProbe.open(rig.url, await ticket(rig, rig.vnc.sessionId));
      try {
        await v.firstUpdate();
        return { first: performance.now() - t0, complete: null, mimetype: 'rfb' };
      } finally {
        await v.close();
      }
    },
  };
  const labels: Record<FirstFramePath, string> = {
    'portal-rdp': 'Deskport portal: ticket → /ws/rdp → forward → guacd → xrdp',
    'guacamole-stack': "Guacamole's stack: guacamole-lite's GuacdClient → guacd → TCP bridge → xrdp",
    'portal-vnc': 'Deskport portal, VNC: ticket → /ws/vnc → Xvnc',
  };
  const order = Object.keys(runs) as FirstFramePath[];
  const res = order.map((path): FirstFrameResult => ({
    path,
    label: labels[path],
    firstMs: [],
    completeMs: [],
    teardownMs: [],
    first: summarize([]),
    complete: summarize([]),
    warmupMs: null,
    mimetypes: [],
    failures: [],
  }));
  for (let i = 0; i <= n; i++) {
    // Paths take turns, starting with a different one each round, so all see the same machine state.
    for (let k = 0; k < order.length; k++) {
      const r = res[(i + k) % order.length]!;
      if (r.failures.length >= 3) continue;
      try {
        const x = await runs[r.path]();
        if (i === 0) r.warmupMs = x.first;
        else {
          r.firstMs.push(x.first);
          if (x.complete !== null) r.completeMs.push(x.complete);
          if (x.teardown !== undefined) r.teardownMs.push(x.teardown);
          if (!r.mimetypes.includes(x.mimetype)) r.mimetypes.push(x.mimetype);
        }
        log(`first frame: ${r.path} ${i === 0 ? 'warm-up' : `#${i}`}: ${Math.round(x.first)} ms`);
      } catch (err) {
        r.failures.push((err as Error).message.split('\n')[0]!);
        log(`first frame: ${r.path} failed: ${r.failures.at(-1)}`);
        await rdpIdle(rig).catch(() => undefined);
      }
    }
  }
  for (const r of res) {
    r.first = summarize(r.firstMs);
    r.complete = summarize(r.completeMs);
  }
  return res;
}

export interface ForwardResult {
  path: string;
  label: string;
  rttUs: Summary;
  /** Percentile of this path minus the same percentile of direct TCP. */
  addedUs: { p50: number; p90: number; p99: number } | null;
}

/** Round trips to the echo server directly and through forwards opened by the gateway child. */
export async function forwards(
  echoPort: number,
  paths: { path: string; label: string; open: () => Promise<number> }[],
  pings: number,
  log: (s: string) => void,
): Promise<ForwardResult[]> {
  const all = [{ path: 'direct', label: 'direct TCP to the echo server', open: async () => echoPort }, ...paths];
  const samples = new Map(all.map((p) => [p.path, new Samples(pings)]));
  for (const p of all) {
    await pingPong(await p.open(), 200); // warm-up: JIT, the agent's stream code
    log(`forward: warm-up ${p.path} done`);
  }
  for (let round = 0; round < 2; round++)
    for (const p of all) {
      samples.get(p.path)!.pushAll(await pingPong(await p.open(), pings / 2));
      log(`forward: round ${round + 1} ${p.path} done`);
    }
  const direct = samples.get('direct')!.summary();
  return all.map((p) => {
    const s = samples.get(p.path)!.summary();
    return {
      path: p.path,
      label: p.label,
      rttUs: s,
      addedUs: p.path === 'direct' ? null : added(s, direct),
    };
  });
}
