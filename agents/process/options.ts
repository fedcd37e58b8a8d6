// Options of the process driver, validated and defaulted once at start-up, and the check every
// DesktopSpec passes before anything is allocated for it.
import { isAbsolute } from 'node:path';
import type { DesktopSpec } from '../driver.ts';

/** The subset of a pino logger the driver uses. */
export interface DriverLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ProcessDriverOptions {
  /** The driver's own directory: desktops/<id>/ (state, logs) and homes/. Created 0700 if missing. */
  dataDir: string;
  log?: DriverLogger;
  /** First X display number tried (default 20). Xvnc has no TCP port: it serves RFB on a unix socket. */
  displayBase?: number;
  /** How many display numbers to try (default 500). */
  displayCount?: number;
  /** First uid/gid handed to desktops when running as root (default 2_000_000_000, see uids.ts). */
  uidBase?: number;
  uidCount?: number;
  /** create() fails when the RFB banner has not answered by then (default 10 s). */
  startTimeoutMs?: number;
  /** destroy() waits this long after SIGTERM before SIGKILL (default 3 s). */
  stopGraceMs?: number;
  /** 'bwrap' (default): each desktop process runs in a bubblewrap sandbox. 'none': uid separation and
   *  file permissions only, for hosts without unprivileged user namespaces. */
  sandbox?: 'bwrap' | 'none';
  /** Network of the programs inside a desktop (not its VNC server). 'none' (default) keeps them off
   *  host loopback, where the gateway, guacd and other desktops' VNC ports listen. */
  sessionNetwork?: 'none' | 'host';
  /** Host paths a bwrap desktop may read besides /usr, /etc and /opt (e.g. a shared /srv/apps). */
  extraReadOnlyPaths?: string[];
  /** Processes (and threads) per desktop when the pool sets none (default 1024, as for docker). */
  pidsLimit?: number;
  /** 'auto' (default): cgroup v2 if the host delegates one, else writable cgroup v1 controllers,
   *  else rlimits. 'rlimit': rlimits and nice only. See limits.ts. */
  resourceLimits?: 'auto' | 'rlimit';
  /** cgroup v2 only: the delegated cgroup (a path under /sys/fs/cgroup) desktops' cgroups go below.
   *  Default: the agent's own cgroup. */
  cgroupParent?: string;
}

export type ResolvedOptions = Required<Omit<ProcessDriverOptions, 'log'>> & { log: DriverLogger };

const silent: DriverLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function resolveOptions(o: ProcessDriverOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    dataDir: o.dataDir,
    log: o.log ?? silent,
    displayBase: o.displayBase ?? 20,
    displayCount: o.displayCount ?? 500,
    uidBase: o.uidBase ?? 2_000_000_000,
    uidCount: o.uidCount ?? 65_536,
    startTimeoutMs: o.startTimeoutMs ?? 10_000,
    stopGraceMs: o.stopGraceMs ?? 3_000,
    sandbox: o.sandbox ?? 'bwrap',
    sessionNetwork: o.sessionNetwork ?? 'none',
    extraReadOnlyPaths: o.extraReadOnlyPaths ?? [],
    pidsLimit: o.pidsLimit ?? 1024,
    resourceLimits: o.resourceLimits ?? 'auto',
    cgroupParent: o.cgroupParent ?? '',
  };
  const fail = (msg: string): never => {
    throw new Error(`process driver: ${msg}`);
  };
  if (typeof r.dataDir !== 'string' || !isAbsolute(r.dataDir)) fail('dataDir must be an absolute path');
  // dataDir/vnc/<16 hex>/sock must fit a unix socket path (107 bytes).
  if (Buffer.byteLength(r.dataDir) > 80) fail("dataDir must be at most 80 bytes long (it holds the desktops' VNC sockets)");
  const int = (name: keyof ResolvedOptions, min: number, max: number): void => {
    const v = r[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer in [${min}, ${max}]`);
  };
  int('displayBase', 1, 30_000);
  int('displayCount', 1, 30_000);
  if (r.displayBase + r.displayCount - 1 > 32_767) fail('displayBase + displayCount exceeds 32767');
  int('uidBase', 1000, 2_100_000_000);
  int('uidCount', 1, 1_000_000);
  int('startTimeoutMs', 1, 600_000);
  int('stopGraceMs', 0, 600_000);
  if (r.sandbox !== 'bwrap' && r.sandbox !== 'none') fail(`sandbox must be 'bwrap' or 'none'`);
  if (r.sessionNetwork !== 'none' && r.sessionNetwork !== 'host') fail(`sessionNetwork must be 'none' or 'host'`);
  if (!r.extraReadOnlyPaths.every(isAbsolute)) fail('extraReadOnlyPaths must be absolute paths');
  int('pidsLimit', 16, 1_000_000);
  if (r.resourceLimits !== 'auto' && r.resourceLimits !== 'rlimit') fail(`resourceLimits must be 'auto' or 'rlimit'`);
  if (r.cgroupParent && !r.cgroupParent.startsWith('/sys/fs/cgroup/')) fail('cgroupParent must be a path under /sys/fs/cgroup/');
  return r;
}

export const DESKTOP_ID = /^[a-z0-9-]{1,64}$/;

/** Throws a message naming the bad field; nothing is allocated for a spec that fails here. */
export function checkSpec(spec: DesktopSpec): void {
  const fail = (msg: string): never => {
    throw new Error(`invalid desktop spec: ${msg}`);
  };
  if (typeof spec !== 'object' || spec === null) fail('not an object');
  if (typeof spec.desktopId !== 'string' || !DESKTOP_ID.test(spec.desktopId)) fail('desktopId must match [a-z0-9-]{1,64}');
  if (typeof spec.secret !== 'string' || Buffer.byteLength(spec.secret) < 6) fail('secret must be at least 6 bytes');
  if (spec.persistence !== 'pooled' && spec.persistence !== 'personal') fail(`persistence must be 'pooled' or 'personal'`);
  if (spec.protocol !== undefined && spec.protocol !== 'vnc' && spec.protocol !== 'rdp') fail(`protocol must be 'vnc' or 'rdp'`);
  if (spec.persistence === 'personal' && (typeof spec.homeKey !== 'string' || spec.homeKey.length === 0 || spec.homeKey.length > 256)) {
    fail('a personal desktop needs a homeKey (1-256 characters)');
  }
  if (spec.cpu !== undefined && (typeof spec.cpu !== 'number' || !(spec.cpu > 0) || spec.cpu > 256))
    fail('cpu must be a number of cores in (0, 256]');
  if (spec.memoryMb !== undefined && (!Number.isInteger(spec.memoryMb) || spec.memoryMb < 64))
    fail('memoryMb must be an integer of at least 64');
  for (const [name, min, max] of [
    ['width', 320, 8192],
    ['height', 200, 8192],
  ] as const) {
    const v = spec[name];
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) fail(`${name} must be an integer in [${min}, ${max}]`);
  }
}
