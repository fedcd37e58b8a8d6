// Reads /proc to find, verify and signal a desktop's processes. Every pid we act on is matched by
// its start time (and uid), so a recycled pid is never mistaken for ours or signalled.
import { readdir, readFile } from 'node:fs/promises';

export interface ProcInfo {
  pid: number;
  state: string; // one letter from /proc/<pid>/stat; 'Z' is a zombie
  ppid: number;
  pgid: number;
  sid: number;
  start: number; // clock ticks since boot: with the pid, identifies one process for its whole life
  uid: number; // real uid
}

/** A process we started, as recorded in the state file. */
export interface ProcRef {
  pid: number;
  start: number;
}

export async function readProc(pid: number): Promise<ProcInfo | null> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
    // The command name sits in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const uidLine = /^Uid:\s+(\d+)/m.exec(status);
    if (fields.length < 20 || !uidLine) return null;
    return {
      pid,
      state: fields[0] ?? '?',
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      sid: Number(fields[3]),
      start: Number(fields[19]),
      uid: Number(uidLine[1]),
    };
  } catch {
    return null; // exited between readdir and read, or never existed
  }
}

export async function readCmdline(pid: number): Promise<string[]> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const argv = raw.split('\0');
    if (argv.at(-1) === '') argv.pop();
    return argv;
  } catch {
    return [];
  }
}

/** Every live (non-zombie) process on the host. */
export async function listProcs(): Promise<ProcInfo[]> {
  const names = await readdir('/proc');
  const infos = await Promise.all(names.filter((n) => /^\d+$/.test(n)).map((n) => readProc(Number(n))));
  return infos.filter((p): p is ProcInfo => p !== null && p.state !== 'Z');
}

/** The process a ProcRef names, if it is still that same process and not a zombie. */
export async function stillRunning(ref: ProcRef): Promise<ProcInfo | null> {
  const info = await readProc(ref.pid);
  return info && info.start === ref.start && info.state !== 'Z' ? info : null;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export interface StopPlan {
  /** Picks this desktop's processes from a fresh process list. */
  select: (procs: ProcInfo[]) => ProcInfo[];
  graceMs: number;
}

/** SIGTERM the selected processes, wait up to graceMs, SIGKILL the rest, and wait until none is left.
 *  Returns how many processes still stood after SIGKILL (0 when the desktop is fully gone). */
export async function stopProcesses(plan: StopPlan): Promise<number> {
  const waitGone = async (ms: number): Promise<ProcInfo[]> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = plan.select(await listProcs());
      if (left.length === 0 || Date.now() >= deadline) return left;
      await sleep(40);
    }
  };
  for (const p of plan.select(await listProcs())) signal(p.pid, 'SIGTERM');
  let left = await waitGone(plan.graceMs);
  // SIGKILL to a sandbox's pid-1 also kills everything inside its pid namespace.
  for (const p of left) signal(p.pid, 'SIGKILL');
  left = await waitGone(2_000);
  for (const p of left) signal(p.pid, 'SIGKILL');
  return left.length;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
