// Per-desktop resource limits for process desktops: memory, CPU and a process count, with the
// best mechanism the host offers: a cgroup v2 subtree delegated to us, else writable cgroup v1
// controllers (memory, pids, cpu), else rlimits per desktop uid and nice. Why and what each holds:
// README.md in this folder. Processes enter their cgroups before exec: see launch.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesktopSpec } from '../driver.ts';
import type { ResolvedOptions } from './options.ts';

export type LimitMechanism = 'cgroup2' | 'cgroup1' | 'rlimit';

/** What one desktop may use. memoryBytes and cpu are null when the pool sets none. */
export interface Limits {
  pids: number;
  memoryBytes: number | null;
  cpu: number | null;
}

export function limitsFor(spec: DesktopSpec, o: ResolvedOptions): Limits {
  return { pids: o.pidsLimit, memoryBytes: spec.memoryMb ? spec.memoryMb * 2 ** 20 : null, cpu: spec.cpu ?? null };
}

export interface LimitBackend {
  mechanism: LimitMechanism;
  /** Why this mechanism and not a better one (logged at start). */
  reason: string;
  /** The desktop's cgroup directories ([] for rlimits), recorded before they are made. */
  dirs(desktopId: string): string[];
  /** Makes those cgroups and sets the limits. */
  create(dirs: string[], l: Limits): Promise<void>;
}

const CFS_PERIOD_US = 100_000;
const V1 = ['memory', 'pids', 'cpu'] as const;

/** Picks the mechanism once, at driver start. Never throws: the worst case is rlimits, with a reason. */
export async function detectLimits(o: ResolvedOptions): Promise<LimitBackend> {
  const rlimit = (reason: string): LimitBackend => ({ mechanism: 'rlimit', reason, dirs: () => [], create: async () => undefined });
  if (o.resourceLimits === 'rlimit') return rlimit('resourceLimits is rlimit');
  if (process.getuid?.() !== 0 && !o.cgroupParent) return rlimit('not root and no cgroupParent');
  // One subtree per data dir: two drivers (say, two test runs) may use the same desktop id.
  const base = `deskport-${createHash('sha256').update(o.dataDir).digest('hex').slice(0, 8)}`;
  const own = await readFile('/proc/self/cgroup', 'utf8').catch(() => '');
  const v2 = await cgroup2(o, own, base).catch((e: Error) => e.message);
  if (typeof v2 !== 'string') return v2;
  const v1 = await cgroup1(own, base).catch((e: Error) => e.message);
  if (typeof v1 !== 'string') return { ...v1, reason: `no cgroup v2 (${v2})` };
  return rlimit(`no cgroup v2 (${v2}); no cgroup v1 (${v1})`);
}

async function cgroup2(o: ResolvedOptions, own: string, base: string): Promise<LimitBackend> {
  const root = '/sys/fs/cgroup';
  if (!(await exists(join(root, 'cgroup.controllers')))) throw new Error(`${root} is not a cgroup v2 mount`);
  const ownPath = /^0::(\/.*)$/m.exec(own)?.[1];
  const parent = o.cgroupParent || (ownPath === undefined ? '' : join(root, ownPath));
  if (!parent) throw new Error('own cgroup unknown');
  const available = (await readFile(join(parent, 'cgroup.controllers'), 'utf8')).split(/\s+/);
  const missing = V1.filter((c) => !available.includes(c));
  if (missing.length) throw new Error(`${parent} does not offer ${missing.join(', ')}`);
  // Controllers are enabled for children from the parent; a cgroup that holds processes (other than
  // the root) cannot enable them (EBUSY): the parent must be delegated and empty, e.g. a systemd
  // unit with Delegate=yes whose own processes sit in a leaf (set cgroupParent to it).
  const enable = async (dir: string): Promise<void> => {
    const on = (await readFile(join(dir, 'cgroup.subtree_control'), 'utf8')).split(/\s+/);
    for (const c of V1) if (!on.includes(c)) await writeFile(join(dir, 'cgroup.subtree_control'), `+${c}`);
  };
  try {
    await enable(parent);
    await mkdir(join(parent, base), { recursive: true });
    await enable(join(parent, base));
  } catch (err) {
    throw new Error(`cannot enable memory, pids, cpu below ${parent}: ${(err as Error).message}; set cgroupParent to a delegated cgroup`);
  }
  return {
    mechanism: 'cgroup2',
    reason: `below ${join(parent, base)}`,
    dirs: (desktopId) => [join(parent, base, desktopId)],
    async create([dir = ''], l) {
      await mkdir(dir);
      await writeFile(join(dir, 'pids.max'), String(l.pids));
      if (l.memoryBytes !== null) {
        await writeFile(join(dir, 'memory.max'), String(l.memoryBytes));
        await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined); // no swap on top, as for docker
      }
      if (l.cpu !== null) await writeFile(join(dir, 'cpu.max'), `${Math.round(l.cpu * CFS_PERIOD_US)} ${CFS_PERIOD_US}`);
    },
  };
}

async function cgroup1(own: string, base: string): Promise<LimitBackend> {
  const parents: Record<string, string> = {};
  for (const c of V1) {
    // "4:memory:/process_api/x": nest below our own cgroup, so limits set above us still apply.
    const line = own.split('\n').find((l) => l.split(':')[1]?.split(',').includes(c));
    const path = line?.split(':').slice(2).join(':');
    if (path === undefined) throw new Error(`no ${c} controller`);
    const dir = join('/sys/fs/cgroup', c, path, base);
    // Proves it writable; made again by the first desktop (and removed with the last one).
    const made = await mkdir(dir, { recursive: true }).catch((e: Error) => {
      throw new Error(`${c} not writable: ${e.message}`);
    });
    if (made) await rmdir(dir).catch(() => undefined);
    parents[c] = dir;
  }
  return {
    mechanism: 'cgroup1',
    reason: '',
    dirs: (desktopId) => V1.map((c) => join(parents[c] ?? '', desktopId)),
    async create(dirs, l) {
      for (const d of dirs) await mkdir(d, { recursive: true }); // recursive: the parent goes with its last desktop
      const [memory, pids, cpu] = dirs as [string, string, string];
      await writeFile(join(pids, 'pids.max'), String(l.pids));
      if (l.memoryBytes !== null) {
        await writeFile(join(memory, 'memory.limit_in_bytes'), String(l.memoryBytes));
        await writeFile(join(memory, 'memory.memsw.limit_in_bytes'), String(l.memoryBytes)).catch(() => undefined); // absent without swap accounting
      }
      // Even without a quota the cpu cgroup counts: the whole desktop competes as one, not per process.
      if (l.cpu !== null) await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(Math.round(l.cpu * CFS_PERIOD_US)));
    },
  };
}

/** Processes in the desktop's cgroups now (read afresh on every round of a stop: a fork bomb moves). */
export function cgroupPids(dirs: string[]): Set<number> {
  const pids = new Set<number>();
  for (const d of dirs) {
    let text = '';
    try {
      text = readFileSync(join(d, 'cgroup.procs'), 'utf8');
    } catch {
      continue; // not made yet, or gone
    }
    for (const n of text.split('\n')) if (n) pids.add(Number(n));
  }
  return pids;
}

/** Removes the desktop's cgroups once empty, and the per-data-dir v1 parent when it was the last one. */
export async function removeCgroups(dirs: string[], mechanism: LimitMechanism | undefined): Promise<void> {
  for (const d of dirs) {
    for (let i = 0; ; i++) {
      const err = await rmdir(d).then(
        () => null,
        (e: NodeJS.ErrnoException) => e,
      );
      if (!err || err.code === 'ENOENT') break;
      // EBUSY: a killed process is not yet out of the cgroup; it leaves as it is reaped.
      if (err.code !== 'EBUSY' || i >= 50) throw new Error(`cannot remove cgroup ${d}: ${err.message}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (mechanism === 'cgroup1') await rmdir(join(d, '..')).catch(() => undefined); // not empty: others use it
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
