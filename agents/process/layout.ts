// Where a process desktop lives on disk, and its state file: the record a restarted agent re-adopts
// desktops from. State, logs and the VNC password stay root-only (0700 dirs, 0600 files).
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const procRef = z.object({ pid: z.number().int().positive(), start: z.number().int().nonnegative() });

const limitsRecord = z.object({
  mechanism: z.enum(['cgroup2', 'cgroup1', 'rlimit']),
  pids: z.number().int().positive(),
  memoryBytes: z.number().int().positive().nullable(),
  cpu: z.number().positive().nullable(),
  /** The desktop's cgroup directories (removed on destroy); [] for rlimits. */
  cgroups: z.array(z.string()),
});

const stateSchema = z.object({
  version: z.literal(1),
  desktopId: z.string(),
  display: z.number().int(),
  /** Only in records written before desktops moved to a unix socket: the TCP port that desktop's
   *  Xvnc still listens on. A re-adopted old desktop is reached there until it is destroyed. */
  port: z.number().int().optional(),
  /** Host path of the unix socket the desktop is served on (no TCP listener): Xvnc's RFB, or xrdp's RDP. */
  socket: z.string().optional(),
  /** What the desktop serves; absent in records written before RDP desktops existed (VNC). */
  protocol: z.enum(['vnc', 'rdp']).optional(),
  uid: z.number().int(),
  gid: z.number().int(),
  startedAt: z.number(),
  persistence: z.enum(['pooled', 'personal']),
  homeKey: z.string().nullable(),
  home: z.string(),
  sandbox: z.enum(['bwrap', 'none']),
  sessionNetwork: z.enum(['none', 'host']),
  /** Session leaders we spawned (bwrap or the program itself); every process they start shares the sid. */
  spawned: z.array(procRef),
  /** The X server itself (Xvnc, or Xorg with xorgxrdp for RDP): the desktop runs while it does. Null until it answered. */
  xvnc: procRef.nullable(),
  /** RDP desktops: the listening xrdp process; the desktop is reachable while it runs. */
  xrdp: procRef.nullable().optional(),
  /** Absent in records of desktops started before limits existed (they run without). */
  limits: limitsRecord.optional(),
});

export type DesktopState = z.infer<typeof stateSchema>;

export interface Layout {
  root: string;
  desktopsDir: string;
  desktopDir(id: string): string;
  stateFile(id: string): string;
  logFile(id: string, name: string): string;
  /** Host-side directory bound at /tmp inside the desktop (X socket, X authority). */
  tmpDir(id: string): string;
  /** Host-side directory of the desktop's display socket (Xvnc's RFB or xrdp's RDP), bound into that
   *  server's sandbox only. Short and of fixed length whatever the id: a unix socket path is capped at 107 bytes. */
  vncDir(id: string): string;
  homeDir(persistence: 'pooled' | 'personal', key: string): string;
}

export function layout(dataDir: string): Layout {
  const desktopsDir = join(dataDir, 'desktops');
  const desktopDir = (id: string): string => join(desktopsDir, id);
  return {
    root: dataDir,
    desktopsDir,
    desktopDir,
    stateFile: (id) => join(desktopDir(id), 'state.json'),
    logFile: (id, name) => join(desktopDir(id), `${name}.log`),
    tmpDir: (id) => join(desktopDir(id), 'tmp'),
    vncDir: (id) => join(dataDir, 'vnc', createHash('sha256').update(id).digest('hex').slice(0, 16)),
    homeDir: (persistence, key) => join(dataDir, 'homes', persistence, persistence === 'personal' ? homeDirName(key) : key),
  };
}

/** A file name for a homeKey that never collides: safe keys stay readable, others become a hash
 *  behind a prefix containing '.', which no safe key contains. */
export function homeDirName(homeKey: string): string {
  if (/^[A-Za-z0-9_-]{1,100}$/.test(homeKey)) return homeKey;
  return `k.${createHash('sha256').update(homeKey).digest('hex').slice(0, 40)}`;
}

export async function writeState(l: Layout, state: DesktopState): Promise<void> {
  const file = l.stateFile(state.desktopId);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
  await rename(tmp, file); // atomic: a reader never sees half a state file
}

export async function readState(l: Layout, id: string): Promise<DesktopState | null> {
  let raw: string;
  try {
    raw = await readFile(l.stateFile(id), 'utf8');
  } catch {
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null; // torn or foreign: not a desktop this driver can manage
  }
  const parsed = stateSchema.safeParse(json);
  return parsed.success && parsed.data.desktopId === id ? parsed.data : null;
}

export async function readAllStates(l: Layout): Promise<DesktopState[]> {
  let ids: string[];
  try {
    ids = await readdir(l.desktopsDir);
  } catch {
    return [];
  }
  const states = await Promise.all(ids.map((id) => readState(l, id).catch(() => null)));
  return states.filter((s): s is DesktopState => s !== null);
}

/** Creates the driver's directories, root-owned, mode 0711: others cannot list them but a desktop's
 *  uid can pass through to its own home and tmp (bwrap resolves bind sources by path, as that uid;
 *  measured: `--bind-fd` also fails with EACCES below a 0700 directory). Every file below is closed
 *  to others by its own mode; an existing data dir only gains o+x, if it lacks it. */
export async function prepareRoot(l: Layout): Promise<void> {
  await mkdir(l.root, { recursive: true, mode: 0o711 });
  const st = await stat(l.root);
  if ((st.mode & 0o001) === 0) await chmod(l.root, (st.mode & 0o7777) | 0o001); // 0700 -> 0701
  for (const dir of [
    l.desktopsDir,
    join(l.root, 'vnc'),
    join(l.root, 'homes'),
    join(l.root, 'homes', 'pooled'),
    join(l.root, 'homes', 'personal'),
  ]) {
    await mkdir(dir, { recursive: true, mode: 0o711 });
    await chmod(dir, 0o711);
  }
}
