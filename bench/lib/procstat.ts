// CPU time and memory of processes read from /proc, so each process's figures are its own: the
// gateway's, the agent's, or the sum over websockify's process tree (it forks one process per
// connection). CPU is utime+stime in seconds; memory is RSS, plus PSS for trees (forked children
// share pages, which RSS would count once per process).
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond: number | undefined;
function hz(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime and stime (clock ticks) from a /proc/<pid>/stat line. The command name (field 2) may hold
 *  spaces and parentheses, so fields are counted from its last ')'. */
export function statTicks(stat: string): { utime: number; stime: number } {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('not a /proc/<pid>/stat line');
  return { utime, stime };
}

/** utime+stime of one process in seconds, or 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const t = statTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return (t.utime + t.stime) / hz();
  } catch {
    return 0;
  }
}

/** Resident set in bytes (VmRSS), or 0 when gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Proportional set in bytes (shared pages split between sharers), or 0 when gone. */
export function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The process and all its descendants. */
export function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    try {
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim();
        if (kids) for (const k of kids.split(' ')) out.push(Number(k));
      }
    } catch {
      /* gone */
    }
  }
  return out;
}

export interface Usage {
  cpuS: number;
  rss: number;
  pss: number;
  processes: number;
}

/** CPU seconds and memory summed over each root's process tree. */
export function usage(roots: number[]): Usage {
  const u: Usage = { cpuS: 0, rss: 0, pss: 0, processes: 0 };
  for (const root of roots) {
    for (const p of tree(root)) {
      u.cpuS += cpuSeconds(p);
      u.rss += rssBytes(p);
      u.pss += pssBytes(p);
      u.processes++;
    }
  }
  return u;
}

/** Samples memory every `everyMs` until stopped; reports mean and peak RSS/PSS and CPU use over the window. */
export function watch(roots: number[], everyMs = 500) {
  const t0 = performance.now();
  const first = usage(roots);
  let peakRss = first.rss;
  let peakPss = first.pss;
  let sumRss = 0;
  let sumPss = 0;
  let n = 0;
  const timer = setInterval(() => {
    const u = usage(roots);
    peakRss = Math.max(peakRss, u.rss);
    peakPss = Math.max(peakPss, u.pss);
    sumRss += u.rss;
    sumPss += u.pss;
    n++;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const last = usage(roots);
      const seconds = (performance.now() - t0) / 1000;
      return {
        seconds,
        cpuS: last.cpuS - first.cpuS,
        /** Share of one core, in percent. */
        cpuPct: (100 * (last.cpuS - first.cpuS)) / seconds,
        rss: n ? sumRss / n : last.rss,
        pss: n ? sumPss / n : last.pss,
        peakRss: Math.max(peakRss, last.rss),
        peakPss: Math.max(peakPss, last.pss),
        processes: last.processes,
      };
    },
  };
}
export type Watched = ReturnType<ReturnType<typeof watch>['stop']>;

/**
 * CPU seconds the whole machine spent busy in processes (all cores), from /proc/stat. Interrupt and
 * softirq time is left out: it is charged to no process, and loopback networking (ours) lands there.
 */
export function machineBusySeconds(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , , , steal = 0] = f;
    return (user + nice + system + steal) / hz();
  } catch {
    return 0;
  }
}

export interface MachineLoad {
  /** Busy CPU of the whole machine, in % of one core (2 cores: up to 200). */
  busyPct: number;
  /** Of which this benchmark's own process tree (client, fixtures, gateway, websockify). */
  ownPct: number;
  /** Everything else running on the machine meanwhile: the benchmark cannot control it. */
  othersPct: number;
}

/** Machine-wide CPU over a window, split into this benchmark's process tree and the rest. */
export function machineWatch() {
  const t0 = performance.now();
  const busy0 = machineBusySeconds();
  const own0 = usage([process.pid]).cpuS;
  return {
    stop(): MachineLoad {
      const s = (performance.now() - t0) / 1000;
      const busy = (100 * (machineBusySeconds() - busy0)) / s;
      const own = (100 * (usage([process.pid]).cpuS - own0)) / s;
      return { busyPct: busy, ownPct: own, othersPct: Math.max(0, busy - own) };
    },
  };
}
