// The VM image cache on a host (~/.cache/deskport/vm-images): which builds it holds, which is the
// current recipe's, and which a VM still needs. A build stays while a disk sits on it: an overlay
// in an agent's state dir backed by one of its files (running or kept personal disks), or any
// process that has one of its files open. `image prune` removes the other, outdated builds.
import { execFile } from 'node:child_process';
import { readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';
import { defaultImageRoot, isVmKind, recipeHash, VM_KINDS, type VmKind } from './images.ts';

const run = promisify(execFile);
const BUILD_DIR = /^([a-z][a-z0-9-]*)-([0-9a-f]{16})$/;

export interface CachedVmImage {
  kind: VmKind;
  dir: string;
  /** The first 16 hex of its recipe hash. */
  hash: string;
  /** Built from the recipe in this checkout (what new desktops get). */
  current: boolean;
  /** Bytes its files take on the disk. */
  bytes: number;
  /** Overlays (VM disks) in the given state dirs that sit on it. */
  overlays: string[];
  /** Processes (QEMUs) with one of its files open. */
  openBy: number[];
}

async function allocatedIn(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const s = await stat(join(dir, name)).catch(() => null);
    if (s?.isFile()) total += s.blocks * 512;
  }
  return total;
}

/** Every VM disk under an agent's state dir: pooled overlays of recorded VMs and kept personal disks. */
async function overlaysIn(stateDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const id of await readdir(join(stateDir, 'qemu')).catch(() => [] as string[])) {
    const f = join(stateDir, 'qemu', id, 'overlay.qcow2');
    if (await stat(f).catch(() => null)) found.push(f);
  }
  for (const name of await readdir(join(stateDir, 'qemu-disks')).catch(() => [] as string[]))
    if (name.endsWith('.qcow2')) found.push(join(stateDir, 'qemu-disks', name));
  return found;
}

/** The file an overlay is backed by, as QEMU resolves it (-U: a running VM holds the overlay's lock). */
async function backingOf(overlay: string, qemuImg: string): Promise<string | null> {
  try {
    const info = JSON.parse((await run(qemuImg, ['info', '--output=json', '-U', overlay], { timeout: 30_000 })).stdout) as {
      'full-backing-filename'?: string;
      'backing-filename'?: string;
    };
    return info['full-backing-filename'] ?? info['backing-filename'] ?? null;
  } catch {
    return null;
  }
}

/** pid → the files it has open under `root` (only processes this user may inspect: all, as root). */
async function openUnder(root: string): Promise<Map<string, number[]>> {
  const byFile = new Map<string, number[]>();
  for (const pid of (await readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n))) {
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (target.startsWith(root + sep)) byFile.set(target, [...(byFile.get(target) ?? []), Number(pid)]);
    }
  }
  return byFile;
}

export async function listVmImages(o: { root?: string; stateDirs: string[]; qemuImg?: string }): Promise<CachedVmImage[]> {
  const root = o.root ?? defaultImageRoot();
  const current = new Map<string, string>();
  for (const kind of Object.keys(VM_KINDS) as VmKind[]) current.set(kind, (await recipeHash(kind)).slice(0, 16));
  const backings = new Map<string, string[]>();
  for (const stateDir of o.stateDirs)
    for (const overlay of await overlaysIn(stateDir)) {
      const b = await backingOf(overlay, o.qemuImg ?? 'qemu-img');
      if (b) backings.set(b, [...(backings.get(b) ?? []), overlay]);
    }
  const open = await openUnder(root);
  const images: CachedVmImage[] = [];
  for (const name of (await readdir(root).catch(() => [] as string[])).sort()) {
    const m = BUILD_DIR.exec(name);
    if (!m || !isVmKind(m[1]!)) continue;
    const dir = join(root, name);
    if (!(await readFile(join(dir, 'image.json'), 'utf8').catch(() => null))) continue; // a build still running, or a failed one
    const inside = (f: string) => f.startsWith(dir + sep);
    images.push({
      kind: m[1] as VmKind,
      dir,
      hash: m[2]!,
      current: current.get(m[1]!) === m[2],
      bytes: await allocatedIn(dir),
      overlays: [...backings].filter(([b]) => inside(b)).flatMap(([, list]) => list),
      openBy: [...new Set([...open].filter(([f]) => inside(f)).flatMap(([, pids]) => pids))],
    });
  }
  return images;
}

/** Removes outdated builds no disk sits on and no process has open; keeps the current ones. */
export async function pruneVmImages(o: {
  root?: string;
  stateDirs: string[];
  dryRun?: boolean;
  qemuImg?: string;
}): Promise<{ removed: CachedVmImage[]; kept: CachedVmImage[] }> {
  // A mistyped state dir would hide every kept personal disk and let their builds go: refuse it.
  for (const d of o.stateDirs)
    if (!(await stat(join(d, 'qemu-disks')).catch(() => null))?.isDirectory())
      throw new Error(`${d} holds no qemu agent state (no qemu-disks/ in it): give the --state of this host's qemu agent`);
  const all = await listVmImages(o);
  const removable = (i: CachedVmImage) => !i.current && i.overlays.length === 0 && i.openBy.length === 0;
  const removed = all.filter(removable);
  if (!o.dryRun)
    for (const i of removed) {
      await rm(i.dir, { recursive: true, force: true });
      await rm(`${i.dir}.lock`, { force: true });
    }
  return { removed, kept: all.filter((i) => !removable(i)) };
}
