// The busy-session measurement of bench/rdp.ts: an xterm printing lines in the RDP desktop and in
// the VNC desktop; CPU seconds of guacd + gateway (RDP through the portal), guacd alone (Guacamole's
// own stack) and the gateway (VNC through the portal) over a fixed window, with bytes delivered.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeInstruction } from '../../server/guac/instructions.ts';
import { ownRdpDesktop } from '../../server/guac/settings.ts';
import { guacdProbe, portalProbe } from './guac-probe.ts';
import { cpuSeconds, machineWatch, usage } from './procstat.ts';
import { rdpIdle, ticket, waitFor, type Rig } from './rdp-measure.ts';
import { MiB, sleep } from './stats.ts';
import { VncProbe } from './vnc-probe.ts';

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
  /** The same roles' CPU with no display open (the idle window), subtracted: what displaying costs. */
  netCpuSPerMin?: number;
  netCpuSPerMiB?: number;
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
  o: { path: string; label: string; roles: Record<string, number>; desktop: number[]; seconds: number; idle?: BusyResult },
  bytes: () => number,
): Promise<BusyResult> {
  // guacd: its whole tree (a forked process per connection). The gateway: its own process only, since
  // the process driver's desktops (Xorg, xrdp, Xvnc, xterm) are its children; they count as desktop CPU.
  const cpuOf = (role: string, pid: number) => (role === 'guacd' ? usage([pid]).cpuS : cpuSeconds(pid));
  const c0 = Object.fromEntries(Object.entries(o.roles).map(([k, pid]) => [k, cpuOf(k, pid)]));
  const d0 = usage(o.desktop).cpuS;
  const b0 = bytes();
  const mw = machineWatch();
  return sleep(o.seconds * 1000).then(() => {
    const cpuS = Object.fromEntries(Object.entries(o.roles).map(([k, pid]) => [k, cpuOf(k, pid) - c0[k]!]));
    const pathCpuS = Object.values(cpuS).reduce((a, b) => a + b, 0);
    const delivered = bytes() - b0;
    const idleS = o.idle ? Object.keys(o.roles).reduce((a, k) => a + ((o.idle!.cpuS[k] ?? 0) / o.idle!.seconds) * o.seconds, 0) : null;
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
      ...(idleS !== null
        ? {
            netCpuSPerMin: ((pathCpuS - idleS) / o.seconds) * 60,
            netCpuSPerMiB: delivered > 0 ? (pathCpuS - idleS) / (delivered / MiB) : NaN,
          }
        : {}),
    };
  });
}

const CTRL = 0xffe3;
const CTRL_C = [encodeInstruction('key', String(CTRL), '1'), encodeInstruction('key', '99', '1'), encodeInstruction('key', '99', '0')];

export async function busy(rig: Rig, seconds: number, log: (s: string) => void): Promise<BusyResult[]> {
  const size = { width: 1280, height: 800 }; // the VNC desktop's size
  const out: BusyResult[] = [];
  // No display open: what guacd and the gateway (its embedded agent, timers) cost anyway.
  const roles = { guacd: rig.guacd.pid, gateway: rig.gatewayPid };
  const idle = await measure({ path: 'idle', label: 'no display open (idle baseline)', roles, desktop: [], seconds }, () => 0);
  out.push(idle);
  log(`busy: idle: ${idle.pathCpuS.toFixed(2)} CPU s in ${seconds} s`);
  await rig.ensure('rdp');
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
  out.push(
    await measure({ path: 'portal-rdp', label: 'RDP through the portal', roles, desktop: rig.rdp.pids, seconds, idle }, () => p.chars),
  );
  log(`busy: RDP through the portal: ${out.at(-1)!.pathCpuS.toFixed(2)} CPU s in ${seconds} s`);
  await p.close();
  await rdpIdle(rig);
  // The same busy desktop through Guacamole's own stack: guacd alone.
  const s = guacdProbe(rig.guacd, ownRdpDesktop({ port: rig.rdp.bridgePort, display: { ...size, dpi: 96 }, mode: 'control', secret: 'b' }));
  await s.firstImage();
  out.push(
    await measure(
      {
        path: 'guacamole-stack',
        label: "RDP through Guacamole's stack (guacd only)",
        roles: { guacd: g },
        desktop: rig.rdp.pids,
        seconds,
        idle,
      },
      () => s.chars,
    ),
  );
  log(`busy: Guacamole's stack: ${out.at(-1)!.pathCpuS.toFixed(2)} CPU s`);
  for (const t of [...CTRL_C, encodeInstruction('key', String(CTRL), '0')]) s.send(t);
  await s.close();
  await rdpIdle(rig);
  await rig.ensure('vnc');
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
      { path: 'portal-vnc', label: 'VNC through the portal', roles: { gateway: rig.gatewayPid }, desktop: rig.vnc.pids, seconds, idle },
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
