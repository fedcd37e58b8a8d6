// RDP (issue #12): connect → first image p50/p90 through the portal (/ws/rdp → one-connection
// forward → guacd → xrdp) next to Guacamole's own stack (guacamole-lite's GuacdClient → the same
// guacd → a plain TCP bridge to the same xrdp) and the portal's VNC path (/ws/vnc → Xvnc); guacd +
// gateway CPU of a busy RDP session next to the gateway's CPU for an equally busy VNC session; the
// forward's added round trip over an agent stream (embedded agent and `bin/deskport agent`).
// Measures and reports; asserts nothing. Writes bench/results/rdp.json and its REPORT.md section.
// Usage: node --import tsx bench/rdp.ts [--n 20] [--busy-s 20] [--pings 2000] [--skip first,busy,forward]
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { forkChild } from './lib/children.ts';
import { startEcho } from './lib/echo.ts';
import { busy } from './lib/rdp-busy.ts';
import { firstFrames, forwards, waitFor, type Rig } from './lib/rdp-measure.ts';
import { spliceRdpSection } from './lib/report-rdp.ts';
import { desktopState, killDesktopGroups, startAgentProcess, startGuacd, stopGroup, tcpBridge, watchDesktops } from './lib/rdp-stack.ts';
import { args, initRun, LOGS_DIR, resultName, writeResult } from './lib/results.ts';
import { ADMIN_PASSWORD, runDir, signInAdmin, type Api } from './lib/stack.ts';
import { fmt } from './lib/stats.ts';

const a = args();
const N = Number(a.get('n') ?? 20);
const BUSY_S = Number(a.get('busy-s') ?? 20);
const PINGS = Number(a.get('pings') ?? 2000);
const SKIP = new Set((a.get('skip') ?? '').split(',').filter(Boolean));
if (!(N >= 1 && N <= 500 && BUSY_S >= 2 && BUSY_S <= 300 && PINGS >= 2 && PINGS <= 100_000)) {
  console.error('rdp: --n 1..500, --busy-s 2..300, --pings 2..100000');
  process.exit(2);
}

const NAME = resultName('rdp');
const started = new Date();
initRun(NAME);
const run = runDir(NAME, LOGS_DIR);
// Desktops run as their own unprivileged users below the data dir: the temp dir must be traversable.
chmodSync(run.dir, 0o711);
const log = (s: string) => console.log(`rdp: ${s}`);
const dataDir = join(run.dir, 'gateway');
const agentDir = join(run.dir, 'agent');
watchDesktops(dataDir);
process.on('exit', () => run.cleanup()); // also after SIGINT (children.ts exits on it)
const stops: (() => Promise<unknown>)[] = [];
let api: Api | undefined;

async function launch(api: Api, body: Record<string, string>): Promise<{ id: string; desktopId: string | null }> {
  const r = await api.call('POST', '/api/v1/sessions', body);
  if (r.status !== 200 && r.status !== 201) throw new Error(`launch ${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
  const id = (r.body as { session: { id: string } }).session.id;
  let s = { state: 'starting', desktopId: null as string | null };
  await waitFor(
    `session ${id} ready`,
    async () => {
      s = (
        (await api.call('GET', `/api/v1/admin/sessions?state=starting,ready`)).body as {
          id: string;
          state: string;
          desktopId: string | null;
        }[]
      ).find((x) => x.id === id) ?? { state: 'gone', desktopId: null };
      if (s.state !== 'starting' && s.state !== 'ready') throw new Error(`session ${id} is ${s.state}`);
      return s.state === 'ready';
    },
    90_000,
  );
  return { id, desktopId: s.desktopId };
}

const load0 = loadavg();
try {
  const guacd = await startGuacd(run.logs);
  stops.push(() => stopGroup(guacd.proc));
  const gw = forkChild<{ url: string }>('rdp-gateway-main.ts', {
    logFile: join(run.logs, 'gateway.log'),
    env: { BENCH_RDP_GATEWAY: JSON.stringify({ dataDir, adminPassword: ADMIN_PASSWORD, guacd: `127.0.0.1:${guacd.port}` }) },
  });
  stops.push(() => gw.stop());
  const { url } = await gw.ready;
  api = await signInAdmin(url);
  const pool = await api.call('POST', '/api/v1/admin/pools', { name: 'RDP desktop (bench)', driver: 'process', protocol: 'rdp' });
  if (pool.status !== 201) throw new Error(`rdp pool: ${pool.status} ${JSON.stringify(pool.body)}`);
  const pools = (await api.call('GET', '/api/v1/pools')).body as { id: string; name: string }[];
  const vncPool = pools.find((p) => p.name === 'Linux desktop (local)')!;
  const rdpPoolId = (pool.body as { id: string }).id;
  const relaunched: string[] = [];
  let bridge: Awaited<ReturnType<typeof tcpBridge>> | undefined;
  stops.push(async () => bridge?.close());
  // A desktop that stops on its own (seen once on this shared machine: the VNC desktop, 16 s after
  // its start) is launched again, noted in the report, and the run goes on.
  const desktopFor = async (kind: 'rdp' | 'vnc') => {
    const s = await launch(api!, { poolId: kind === 'rdp' ? rdpPoolId : vncPool.id });
    const d = desktopState(dataDir, s.desktopId!);
    if (kind === 'rdp') {
      if (!d.socket) throw new Error('the RDP desktop recorded no xrdp socket');
      bridge?.close();
      bridge = await tcpBridge(d.socket);
      return { sessionId: s.id, bridgePort: bridge.port, home: d.home, pids: d.pids };
    }
    return { sessionId: s.id, home: d.home, pids: d.pids };
  };
  const rdpDesk = (await desktopFor('rdp')) as Rig['rdp'];
  const vncDesk = await desktopFor('vnc');
  const rig: Rig = {
    url,
    api,
    guacd: { host: '127.0.0.1', port: guacd.port, pid: guacd.proc.pid! },
    gatewayPid: gw.pid,
    rdp: rdpDesk,
    vnc: vncDesk,
    async ensure(kind) {
      const r = await api!.call('GET', `/api/v1/sessions/${rig[kind].sessionId}`);
      const state = (r.body as { session?: { state: string } }).session?.state;
      if (state === 'ready') return;
      relaunched.push(`${kind} session ${rig[kind].sessionId} was ${state ?? r.status} at ${new Date().toISOString()}; launched again`);
      log(relaunched.at(-1)!);
      if (kind === 'rdp') rig.rdp = (await desktopFor('rdp')) as Rig['rdp'];
      else rig.vnc = await desktopFor('vnc');
    },
  };
  const first = SKIP.has('first') ? [] : await firstFrames(rig, N, log);
  const busyRes = SKIP.has('busy') ? [] : await busy(rig, BUSY_S, log);

  let fwd: Awaited<ReturnType<typeof forwards>> = [];
  if (!SKIP.has('forward')) {
    const echo = await startEcho();
    stops.push(() => echo.close());
    const hosts = (await api.call('GET', '/api/v1/admin/hosts')).body as { id: string }[];
    const embeddedHost = hosts[0]!.id;
    const token = ((await api.call('POST', '/api/v1/admin/hosts/enrollments', {})).body as { token: string }).token;
    const agent = await startAgentProcess({ gatewayUrl: url, token, stateDir: agentDir, logs: run.logs });
    stops.push(() => stopGroup(agent.proc)); // stopped first (reverse order), before the gateway
    const machine = async (name: string, hostId: string) => {
      const m = await api!.call('POST', '/api/v1/admin/machines', {
        name,
        protocol: 'ssh',
        address: '127.0.0.1',
        port: echo.port,
        hostId,
        credentialMode: 'none',
      });
      if (m.status !== 201) throw new Error(`machine: ${m.status} ${JSON.stringify(m.body)}`);
      return (await launch(api!, { machineId: (m.body as { id: string }).id })).id;
    };
    const viaEmbedded = await machine('echo (embedded agent)', embeddedHost);
    const viaAgent = await machine('echo (agent process)', agent.hostId);
    const open = (sessionId: string) => async () => (await gw.request<{ port: number }>({ type: 'forward', sessionId })).port;
    fwd = await forwards(
      echo.port,
      [
        { path: 'forward-embedded', label: 'forward → embedded agent stream (one process, `bin/deskport up`)', open: open(viaEmbedded) },
        { path: 'forward-agent', label: 'forward → `bin/deskport agent` process stream (production layout)', open: open(viaAgent) },
      ],
      PINGS,
      log,
    );
  }
  const load1 = loadavg();
  const portal = first.find((r) => r.path === 'portal-rdp');
  const stack = first.find((r) => r.path === 'guacamole-stack');
  const ratio = portal && stack ? portal.first.p50 / stack.first.p50 : null;
  const notes = [
    `${N} connects per path after one warm-up each, paths taking turns, all to the same running desktops (one xrdp + xorgxrdp, one Xvnc, both the process driver's, 1024x768 for first frames). A fresh ticket per portal connect; each connection closed, and guacd's and xrdp's per-connection processes gone, before the next.`,
    'First frame: from the ticket request (portal) or the TCP connect to guacd (Guacamole stack) to the first `img` instruction on layer 0 (RDP) or the first FramebufferUpdate (VNC, noVNC encodings), at the client. "Complete": until that image stream ended.',
    `Busy: an xterm in each desktop runs \`while true; do date; sleep 0.01; done\` (typed in through the display); CPU over ${BUSY_S} s of the display path's processes at 1280x800: guacd (its whole process tree: one forked process per connection) + the gateway for RDP, the gateway for VNC (the viewer asks for updates at up to 60 Hz). Bytes are what the client received. "Less idle" subtracts the same processes' CPU over an equal window with no display open (the gateway's embedded agent and timers run either way).`,
    `Forward: ${PINGS} sequential 32-byte round trips per path to one echo server on loopback (two interleaved rounds, after 200 warm-up pings), each path on a fresh one-connection forward opened through machines.open → hub.connectTarget → the agent's stream.connect, as /ws/rdp does for existing machines.`,
    ...(relaunched.length ? [`Desktops that stopped on their own during the run and were launched again: ${relaunched.join('; ')}.`] : []),
    `Other work on the machine shows in the load average: ${load0.map((x) => x.toFixed(2)).join(' ')} at the start, ${load1.map((x) => x.toFixed(2)).join(' ')} at the end; see the "others" columns.`,
  ];
  writeResult(NAME, started, { n: N, busyS: BUSY_S, pings: PINGS, skip: [...SKIP] }, notes, {
    first,
    busy: busyRes,
    forward: fwd,
    ratioPortalToStackP50: ratio,
    loadavg: { start: load0, end: load1 },
  });
  for (const r of first) log(`${r.label}: p50 ${fmt(r.first.p50)} ms, p90 ${fmt(r.first.p90)} ms (n=${r.firstMs.length})`);
  if (ratio !== null) log(`portal / Guacamole stack p50: ${fmt(ratio)}x`);
  for (const b of busyRes) log(`${b.label}: ${fmt(b.cpuSPerMin)} CPU s/min, ${fmt(b.cpuSPerMiB)} CPU s/MiB`);
  for (const f of fwd) log(`${f.label}: p50 ${fmt(f.rttUs.p50)} µs${f.addedUs ? ` (+${fmt(f.addedUs.p50)} µs)` : ''}`);
  if (!a.has('no-report')) spliceRdpSection();
} finally {
  // End the sessions (the driver stops xrdp, Xorg, Xvnc), then every process group, then the files.
  if (api) {
    const live = ((await api.call('GET', '/api/v1/admin/sessions?state=starting,ready,lost').catch(() => null))?.body ?? []) as {
      id: string;
    }[];
    for (const s of live) await api.call('DELETE', `/api/v1/admin/sessions/${s.id}`).catch(() => undefined);
    await waitFor(
      'sessions to end',
      async () => {
        const r = await api!.call('GET', '/api/v1/admin/sessions?state=starting,ready,ending,lost');
        return (r.body as unknown[]).length === 0;
      },
      30_000,
    ).catch((err: Error) => console.error(`rdp: ${err.message}`));
  }
  for (const s of stops.reverse()) await s().catch((err: Error) => console.error(`rdp: stop failed: ${err.message}`));
  const left = killDesktopGroups(dataDir) + killDesktopGroups(agentDir);
  if (left) console.error(`rdp: killed ${left} desktop process group(s) left over`);
  run.cleanup();
}
