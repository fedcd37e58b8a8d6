// The chain every desktop program is started through, ahead of bwrap or the program itself: enter
// the desktop's cgroups, take its rlimits and niceness, leave the host network (Xvnc without bwrap),
// drop to the desktop's uid. Each step execs the next, in one process, so the program and all it
// ever forks start inside every fence. (Writing the pid into a cgroup after spawn would race the
// program's first fork; the move has to happen as root, before the uid drop, hence a shell step.)

/** Absolute paths of the helpers (util-linux and coreutils, present on every Debian). */
export interface LaunchBins {
  sh: string;
  prlimit: string;
  nice: string;
  unshare: string;
  setpriv: string;
}

export interface Fences {
  /** cgroup.procs files the process writes its own pid into, first of all. */
  cgroupProcs: string[];
  /** RLIMIT_NPROC (per uid: only meaningful with a uid per desktop) and RLIMIT_AS (per process). */
  nproc: number | null;
  asBytes: number | null;
  niceness: number;
  /** Drop to this uid/gid, no supplementary groups (the driver runs as root). */
  ids: { uid: number; gid: number } | null;
  /** An empty network namespace of its own (needs root; bwrap does this itself with --unshare-net). */
  ownNetwork: boolean;
}

// Positional: the cgroup.procs files up to '--', then the command. $$ is the shell, which then
// becomes the command (exec): the pid written is the program's own.
const JOIN = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

export function launchPrefix(b: LaunchBins, f: Fences): string[] {
  const p: string[] = [];
  if (f.cgroupProcs.length > 0) p.push(b.sh, '-c', JOIN, 'deskport-join', ...f.cgroupProcs, '--');
  const rl = [...(f.nproc === null ? [] : [`--nproc=${f.nproc}`]), ...(f.asBytes === null ? [] : [`--as=${f.asBytes}`])];
  if (rl.length > 0) p.push(b.prlimit, ...rl, '--');
  if (f.niceness !== 0) p.push(b.nice, '-n', String(f.niceness), '--');
  if (f.ownNetwork) p.push(b.unshare, '--net', '--');
  if (f.ids) p.push(b.setpriv, `--reuid=${f.ids.uid}`, `--regid=${f.ids.gid}`, '--clear-groups', '--');
  return p;
}
