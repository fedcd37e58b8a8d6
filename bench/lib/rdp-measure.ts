// The three measurements of bench/rdp.ts, each against peers in the same run: connect → first
// image (portal /ws/rdp, guacamole-lite straight to guacd, /ws/vnc), CPU of a busy session (guacd
// + gateway for RDP, gateway for VNC), and the forward's added round trip over an agent stream.
import { ownRdpDesktop } from '../../server/guac/settings.ts';
import { encodeInstruction } from '../../server/guac/instructions.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { added, pingPong } from './echo.ts';
import { guacdProbe, portalProbe, type GuacProbe } from './guac-probe.ts';
import { machineWatch, tree, usage, watch } from './procstat.ts';
import type { Api } from './stack.ts';
import { MiB, Samples, sleep, summarize, type Summary } from './stats.ts';
import { VncProbe } from './vnc-probe.ts';

export interface Rig {
  url: string;
  api: Api;
  guacd: { host: string; port: number; pid: number };
  gatewayPid: number;
  rdp: { sessionId: string; bridgePort: number; home: string; pids: number[] };
  vnc: { sessionId: string; home: string; pids: number[] };
}

export async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function ticket(rig: Rig, sessionId: string): Promise<string> {
  const r = await rig.api.call('POST', `/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
  if (r.status !== 201) throw new Error(`ticket: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { url: string }).url;
}

/** guacd's per-connection child has exited and the desktop's process count is back: xrdp is free again. */
async function rdpIdle(rig: Rig, baseline: number): Promise<number> {
  const t0 = performance.now();
  await waitFor('guacd to end its connection process', () => tree(rig.guacd.pid).length === 1, 60_000);
  const ms = performance.now() - t0;
  await waitFor('xrdp to end its connection process', () => usage(rig.rdp.pids).processes <= baseline, 60_000);
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
  const baseline = usage(rig.rdp.pids).processes;
  const stackSettings = ownRdpDesktop({ port: rig.rdp.bridgePort, display: { ...SIZE, dpi: 96 }, mode: 'control', secret: 'bench' });
  const rdpOnce = async (open: () => Promise<GuacProbe>, t0: number) => {
    const p = await open();
    let shown = false;
    try {
      await p.firstImage();
      shown = true;
    } finally {
      await p.close();
      const teardown = await rdpIdle(rig, baseline);
      if (shown) return { first: p.first.imgAt! - t0, complete: p.first.endAt! - t0, mimetype: p.first.mimetype, teardown };
    }
    throw new Error('unreachable');
  };
  type Once = { first: number; complete: number | null; mimetype: string; teardown?: number };
  const runs: Record<FirstFramePath, () => Promise<Once>> = {
    'portal-rdp': async () => {
      const t0 = performance.now();
      const path = await ticket(rig, rig.rdp.sessionId);
      return rdpOnce(() => portalProbe(rig.url, path, SIZE), t0);
    },
    'guacamole-stack': async () => rdpOnce(async () => guacdProbe(rig.guacd, stackSettings), performance.now()),
    'portal-vnc': async () => {
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
        await rdpIdle(rig, baseline).catch(() => undefined);
      }
    }
  }
  for (const r of res) {
    r.first = summarize(r.firstMs);
    r.complete = summarize(r.completeMs);
  }
  return res;
}

export interface BusyResult {
  path: string;
  label: string;
  seconds: number;
  /** CPU seconds over the window, per process role. */
  cpuS: Record<string, number>;
  /** Sum of the display path's roles (guacd + gateway, or gateway). */
  pathCpuS: number;
  deliveredBytes: number;
  cpuSPerMin: number;
  cpuSPerMiB: number;
  desktopCpuS: number;
  othersCpuPct: number;
}

const BUSY_CMD = (marker: string) => `touch ${marker}; while true; do date; sleep 0.01; done\n`;

/** Starts the busy loop in the desktop's terminal (click in it, type) until its marker file appears. */
async function startLoop(home: string, marker: string, click: () => void, type: (s: string) => void): Promise<void> {
  for (let i = 0; i < 6 && !existsSync(join(home, marker)); i++) {
    click();
    type(BUSY_CMD(marker));
    await waitFor(`${marker} in the desktop's home`, () => existsSync(join(home, marker)), 4_000).catch(() => undefined);
  }
  if (!existsSync(join(home, marker))) throw new Error(`the busy loop did not start (${marker} never appeared)`);
}

function measure(
  o: { path: string; label: string; roles: Record<string, number>; desktop: number[]; seconds: number },
  bytes: () => number,
): Promise<BusyResult> {
  const watches = Object.fromEntries(Object.entries(o.roles).map(([k, pid]) => [k, watch([pid], 1000)]));
  const d0 = usage(o.desktop).cpuS;
  const b0 = bytes();
  const mw = machineWatch();
  return sleep(o.seconds * 1000).then(() => {
    const cpuS = Object.fromEntries(Object.entries(watches).map(([k, w]) => [k, w.stop().cpuS]));
    const pathCpuS = Object.values(cpuS).reduce((a, b) => a + b, 0);
    const delivered = bytes() - b0;
    return {
      path: o.path,
      label: o.label,
      seconds: o.seconds,
      cpuS,
      pathCpuS,
      deliveredBytes: delivered,
      cpuSPerMin: (pathCpuS / o.seconds) * 60,
      cpuSPerMiB: delivered > 0 ? pathCpuS / (delivered / MiB) : NaN,
      desktopCpuS: usage(o.desktop).cpuS - d0,
      othersCpuPct: mw.stop().othersPct,
    };
  });
}

const CTRL = 0xffe3;
const CTRL_C = [encodeInstruction('key', String(CTRL), '1'), encodeInstruction('key', '99', '1'), encodeInstruction('key', '99', '0')];

export async function busy(rig: Rig, seconds: number, log: (s: string) => void): Promise<BusyResult[]> {
  const size = { width: 1280, height: 800 }; // the VNC desktop's size
  const out: BusyResult[] = [];
  const baseline = usage(rig.rdp.pids).processes;
  // RDP through the portal: its first display starts the loop in the RDP desktop's xterm.
  const p = await portalProbe(rig.url, await ticket(rig, rig.rdp.sessionId), size);
  await p.firstImage();
  const guacType = (s: string) => {
    for (const ch of s) {
      const sym = String(ch === '\n' ? 0xff0d : ch.charCodeAt(0));
      p.send(encodeInstruction('key', sym, '1') + encodeInstruction('key', sym, '0'));
    }
  };
  const guacClick = () => ['0', '1', '0'].forEach((b) => p.send(encodeInstruction('mouse', '200', '200', b)));
  await startLoop(rig.rdp.home, 'bench-busy-rdp', guacClick, guacType);
  const g = rig.guacd.pid;
  const roles = { guacd: g, gateway: rig.gatewayPid };
  out.push(await measure({ path: 'portal-rdp', label: 'RDP through the portal', roles, desktop: rig.rdp.pids, seconds }, () => p.chars));
  log(`busy: RDP through the portal: ${out.at(-1)!.pathCpuS.toFixed(2)} CPU s in ${seconds} s`);
  await p.close();
  await rdpIdle(rig, baseline);
  // The same busy desktop through Guacamole's own stack: guacd alone.
  const s = guacdProbe(rig.guacd, ownRdpDesktop({ port: rig.rdp.bridgePort, display: { ...size, dpi: 96 }, mode: 'control', secret: 'b' }));
  await s.firstImage();
  out.push(
    await measure(
      { path: 'guacamole-stack', label: "RDP through Guacamole's stack (guacd only)", roles: { guacd: g }, desktop: rig.rdp.pids, seconds },
      () => s.chars,
    ),
  );
  log(`busy: Guacamole's stack: ${out.at(-1)!.pathCpuS.toFixed(2)} CPU s`);
  for (const t of [...CTRL_C, encodeInstruction('key', String(CTRL), '0')]) s.send(t);
  await s.close();
  await rdpIdle(rig, baseline);
  // VNC through the portal, the same loop in the VNC desktop's xterm.
  const v = await VncProbe.open(rig.url, await ticket(rig, rig.vnc.sessionId));
  await v.firstUpdate();
  v.follow();
  await startLoop(
    rig.vnc.home,
    'bench-busy-vnc',
    () => v.click(200, 200),
    (t) => v.type(t),
  );
  out.push(
    await measure(
      { path: 'portal-vnc', label: 'VNC through the portal', roles: { gateway: rig.gatewayPid }, desktop: rig.vnc.pids, seconds },
      () => v.bytes,
    ),
  );
  log(`busy: VNC through the portal: ${out.at(-1)!.pathCpuS.toFixed(2)} CPU s`);
  // Ctrl+C: the loop must not load the machine during the next measurement.
  for (const [sym, down] of [
    [CTRL, true],
    [99, true],
    [99, false],
    [CTRL, false],
  ] as const)
    v.key(sym, down);
  await v.close();
  return out;
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
