// What the process driver's parts share: options, paths, the programs it runs, and the three things
// done to any recorded desktop: build its sandbox, check it is alive, tear it down.
import { accessSync, constants, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { removeStaleXFiles } from './desktop-files.ts';
import { readAllStates, type DesktopState, type Layout } from './layout.ts';
import { cgroupPids, detectLimits, removeCgroups, type LimitBackend } from './limits.ts';
import type { ResolvedOptions } from './options.ts';
import { readCmdline, stillRunning, stopProcesses } from './procfs.ts';
import type { Jail } from './sandbox.ts';

const PACKAGES = {
  Xvnc: 'tigervnc-standalone-server',
  openbox: 'openbox',
  xterm: 'xterm',
  xsetroot: 'x11-xserver-utils',
  bwrap: 'bubblewrap',
  sh: 'dash',
  prlimit: 'util-linux',
  nice: 'coreutils',
  unshare: 'util-linux',
  setpriv: 'util-linux',
};
/** Niceness of desktop programs under rlimits (no cgroup to weigh a desktop as one): below the agent. */
const RLIMIT_NICENESS = 10;
export type Bins = Record<keyof typeof PACKAGES, string>;

/** What RDP desktops need besides (only looked for when one is created). Xorg is the server binary
 *  itself: /usr/bin/Xorg is a wrapper that execs the setuid Xorg.wrap, useless (and refused) here. */
const RDP_PROGRAMS = {
  Xorg: ['/usr/lib/xorg/Xorg', 'xserver-xorg-core'],
  xorgxrdp: ['/usr/lib/xorg/modules/drivers/xrdpdev_drv.so', 'xorgxrdp'],
  xorgConf: ['/etc/X11/xrdp/xorg.conf', 'xorgxrdp'],
  xrdp: ['/usr/sbin/xrdp', 'xrdp'],
  keygen: ['/usr/bin/xrdp-keygen', 'xrdp'],
  chansrv: ['/usr/sbin/xrdp-chansrv', 'xrdp'],
  libxup: ['/usr/lib/x86_64-linux-gnu/xrdp/libxup.so', 'xrdp'],
  openssl: ['/usr/bin/openssl', 'openssl'],
} as const;
export type RdpBins = Record<keyof typeof RDP_PROGRAMS, string>;

export interface Runtime {
  o: ResolvedOptions;
  L: Layout;
  /** As root each desktop gets its own uid; otherwise everything runs as the driver's user. */
  isRoot: boolean;
  /** Absolute paths of the programs; throws naming the Debian package of a missing one. */
  bins(): Bins;
  /** The RDP programs' paths; throws naming the Debian package of a missing one. */
  rdpBins(): RdpBins;
  /** Runs allocations one at a time, so two creates never pick the same display or uid. */
  allocating<T>(fn: () => Promise<T>): Promise<T>;
  /** The resource-limit mechanism, detected once. */
  limits: Promise<LimitBackend>;
}

export function createRuntime(o: ResolvedOptions, L: Layout): Runtime {
  let found: Bins | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  return {
    o,
    L,
    isRoot: process.getuid?.() === 0,
    bins: () => (found ??= findBinaries(o.sandbox === 'bwrap')), // looked up again until installed
    rdpBins,
    limits: detectLimits(o),
    allocating<T>(fn: () => Promise<T>): Promise<T> {
      const next = chain.then(fn, fn);
      chain = next.catch(() => undefined);
      return next;
    },
  };
}

export function jailFor(rt: Runtime, s: DesktopState): Jail {
  const dir = rt.L.desktopDir(s.desktopId);
  const tmp = rt.L.tmpDir(s.desktopId);
  const rdpIn = s.sandbox === 'none' ? tmp : dir; // without a sandbox xrdp opens them itself, as the desktop's uid
  return {
    mode: s.sandbox,
    ids: rt.isRoot ? { uid: s.uid, gid: s.gid } : null,
    display: s.display,
    hostHome: s.home,
    hostTmp: tmp,
    vncDir: rt.L.vncDir(s.desktopId),
    protocol: s.protocol ?? 'vnc',
    rdpFiles: {
      ini: join(rdpIn, 'xrdp.ini'),
      cert: join(rdpIn, 'xrdp-cert.pem'),
      key: join(rdpIn, 'xrdp-key.pem'),
      rsakeys: join(rdpIn, 'xrdp-rsakeys.ini'),
    },
    vncPasswdFile: s.sandbox === 'none' ? join(tmp, 'vncpasswd') : join(dir, 'vncpasswd'),
    passwdFile: join(dir, 'passwd'),
    groupFile: join(dir, 'group'),
    sessionNetwork: s.sessionNetwork,
    extraReadOnly: rt.o.extraReadOnlyPaths,
    hide: [rt.o.dataDir],
    bwrap: s.sandbox === 'bwrap' ? rt.bins().bwrap : '',
    launch: rt.bins(),
    fences: fencesFor(rt, s),
  };
}

function fencesFor(rt: Runtime, s: DesktopState): Jail['fences'] {
  const ids = rt.isRoot ? { uid: s.uid, gid: s.gid } : null;
  const l = s.limits;
  if (!l) return { cgroupProcs: [], nproc: null, asBytes: null, niceness: 0, ids };
  if (l.mechanism !== 'rlimit')
    return { cgroupProcs: l.cgroups.map((d) => join(d, 'cgroup.procs')), nproc: null, asBytes: null, niceness: 0, ids };
  // RLIMIT_NPROC counts every process of the uid: a limit per desktop only when each has its own.
  return { cgroupProcs: [], nproc: ids ? l.pids : null, asBytes: l.memoryBytes, niceness: RLIMIT_NICENESS, ids };
}

/** Running means: the recorded X server is still the same process (start time), runs as the desktop's
 *  uid, and is Xvnc (Xorg for RDP) on the recorded display (a recycled pid fails at least one of these);
 *  an RDP desktop's recorded xrdp must run too (without it nobody can reach the desktop). */
export async function isRunning(s: DesktopState): Promise<boolean> {
  const rdp = s.protocol === 'rdp';
  if (!s.xvnc || (rdp && !s.xrdp)) return false;
  const info = await stillRunning(s.xvnc);
  if (!info || info.uid !== s.uid) return false;
  const argv = await readCmdline(s.xvnc.pid);
  if (basename(argv[0] ?? '') !== (rdp ? 'Xorg' : 'Xvnc') || argv[1] !== `:${s.display}`) return false;
  if (!rdp || !s.xrdp) return true;
  const x = await stillRunning(s.xrdp);
  return !!x && x.uid === s.uid && basename((await readCmdline(s.xrdp.pid))[0] ?? '') === 'xrdp';
}

/** Stops every process of the desktop and removes what it held; a personal home is kept. */
export async function teardown(rt: Runtime, s: DesktopState, graceMs = rt.o.stopGraceMs): Promise<void> {
  const others = (await readAllStates(rt.L)).filter((x) => x.desktopId !== s.desktopId);
  // As root the uid is this desktop's alone, so every process running as it belongs to the desktop,
  // including ones that left its session. Otherwise pick by session, never the driver itself.
  const exclusive = rt.isRoot && !others.some((x) => x.uid === s.uid);
  const sids = new Set(s.spawned.map((r) => r.pid));
  // A program caught before its launch chain dropped to the desktop's uid still runs as root: it is
  // ours if it is a recorded session leader (same start time) or in a session one leads.
  const leaders = new Set<number>();
  for (const r of s.spawned) if (await stillRunning(r)) leaders.add(r.pid);
  const cgroups = s.limits?.cgroups ?? [];
  const left = await stopProcesses({
    graceMs,
    select: (procs) => {
      const inCgroup = cgroupPids(cgroups); // every process the desktop started, whatever its uid or session
      return procs.filter(
        (p) => p.pid !== process.pid && (inCgroup.has(p.pid) || leaders.has(p.sid) || (p.uid === s.uid && (exclusive || sids.has(p.sid)))),
      );
    },
  });
  if (left > 0) throw new Error(`desktop ${s.desktopId}: ${left} process(es) survived SIGKILL; try destroy again`);
  await removeCgroups(cgroups, s.limits?.mechanism);
  if (s.sandbox === 'none') await removeStaleXFiles(s.display, s.uid);
  if (s.persistence === 'pooled') await rm(s.home, { recursive: true, force: true });
  await rm(rt.L.vncDir(s.desktopId), { recursive: true, force: true });
  await rm(rt.L.desktopDir(s.desktopId), { recursive: true, force: true });
}

function findBinaries(needBwrap: boolean): Bins {
  const found: Partial<Bins> = { bwrap: '' };
  for (const [name, pkg] of Object.entries(PACKAGES) as [keyof Bins, string][]) {
    const path = ['/usr/local/bin', '/usr/bin', '/bin'].map((d) => join(d, name)).find(executable);
    if (path) found[name] = path;
    else if (name !== 'bwrap' || needBwrap) throw new Error(`process driver needs ${name}: apt-get install -y ${pkg}`);
  }
  return found as Bins;
}

function rdpBins(): RdpBins {
  const found: Partial<RdpBins> = {};
  for (const [name, [path, pkg]] of Object.entries(RDP_PROGRAMS) as [keyof RdpBins, readonly [string, string]][]) {
    if (!existsSync(path)) throw new Error(`RDP desktops need ${path}: apt-get install -y ${pkg}`);
    found[name] = path;
  }
  return found as RdpBins;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
