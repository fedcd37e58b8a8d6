// Who is on the other end of a loopback TCP connection, from Linux /proc: the forward (forward.ts)
// accepts one connection and must give it to guacd, not to a local process that raced guacd to
// the port. The peer's socket is found in /proc/net/tcp(6) by its ports, then its inode among the
// open files of the supervised guacd and its children (guacd forks one process per connection).
// An external guacd (--guacd HOST:PORT) has no pid here: README "RDP and SSH" says what to do.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export type PeerVerdict = { ok: true } | { ok: false; why: string; pid: number | null };

const PROC = '/proc';
/** Bounds on the refusal-path scan for the intruder's pid (a log detail, not a decision). */
const MAX_SCAN_PIDS = 4096;

/**
 * The inode of the socket whose local port is `localPort` and remote port `remotePort`, from the
 * text of /proc/net/tcp or tcp6 (ports are hex; addresses are not needed: both ends are loopback).
 */
export function socketInode(table: string, localPort: number, remotePort: number): number | null {
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const lp = parseInt(f[1]!.slice(f[1]!.lastIndexOf(':') + 1), 16);
    const rp = parseInt(f[2]!.slice(f[2]!.lastIndexOf(':') + 1), 16);
    if (lp === localPort && rp === remotePort) {
      const inode = Number(f[9]);
      return Number.isInteger(inode) && inode > 0 ? inode : null;
    }
  }
  return null;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

/** The inode of the peer's socket of a connection we accepted (peer port → our port). */
export function peerInode(peerPort: number, ourPort: number): number | null {
  return socketInode(readOr(`${PROC}/net/tcp`), peerPort, ourPort) ?? socketInode(readOr(`${PROC}/net/tcp6`), peerPort, ourPort);
}

/** `pid` and its descendants (from each thread's `children` list). */
export function withDescendants(pid: number): number[] {
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0 && out.length < MAX_SCAN_PIDS) {
    const p = todo.pop()!;
    out.push(p);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`${PROC}/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks)
      for (const c of readOr(`${PROC}/${p}/task/${t}/children`).split(/\s+/)) if (/^\d+$/.test(c)) todo.push(Number(c));
  }
  return out;
}

/** Whether process `pid` holds the socket `inode` open. */
export function holdsSocket(pid: number, inode: number): boolean {
  const want = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = readdirSync(`${PROC}/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`${PROC}/${pid}/fd/${fd}`) === want) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/** Any process holding the socket (for the warning about a refused peer), or null. */
function ownerOf(inode: number): number | null {
  let n = 0;
  for (const e of readdirSync(PROC)) {
    if (!/^\d+$/.test(e)) continue;
    if (++n > MAX_SCAN_PIDS) break;
    if (holdsSocket(Number(e), inode)) return Number(e);
  }
  return null;
}

/**
 * Whether the connection from loopback port `peerPort` to our `ourPort` belongs to process `pid`
 * (guacd) or one of its descendants. Fails closed: a socket not found is refused.
 */
export function checkPeerProcess(pid: number, peerPort: number, ourPort: number): PeerVerdict {
  const inode = peerInode(peerPort, ourPort);
  if (inode === null) return { ok: false, why: 'its socket is not in /proc/net/tcp', pid: null };
  for (const p of withDescendants(pid)) if (holdsSocket(p, inode)) return { ok: true };
  return { ok: false, why: 'it is not guacd or one of its processes', pid: ownerOf(inode) };
}

/**
 * The forward options that keep its one connection for guacd: with a supervised guacd (its pid
 * known), only guacd or its processes may take it; with an external one nothing can be checked.
 */
export function guacdOnly(pidOf: () => number | null | undefined, onRefused: () => void) {
  if (typeof pidOf() !== 'number') return {};
  return {
    checkPeer: (socket: { remotePort?: number | undefined }, ourPort: number): PeerVerdict => {
      const pid = pidOf();
      if (typeof pid !== 'number') return { ok: false, why: 'guacd is not running', pid: null };
      return checkPeerProcess(pid, socket.remotePort ?? 0, ourPort);
    },
    onRefused,
  };
}
