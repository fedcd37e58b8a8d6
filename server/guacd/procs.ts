// Finds guacd's connection processes by their command line. guacd forks one process per connection
// and moves it into its own process group (setpgid), so killing guacd's group misses them; they
// share guacd's argv, which names the port this supervisor picked, so the argv identifies them.
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live processes whose argv is exactly `argv` (Linux /proc; none elsewhere). */
export function pidsWithArgv(argv: readonly string[]): number[] {
  const want = argv.join('\0') + '\0';
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'latin1') === want && !zombie(e)) found.push(Number(e));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function zombie(pid: string): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}

/** Sends `signal` to each pid, ignoring the ones already gone. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
}
