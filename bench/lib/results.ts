// Where benchmark results go: bench/results/<name>.json (raw figures, read by report.ts to write
// bench/REPORT.md) and bench/results/logs/<name>/ (fixture logs). Also the machine description.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, REPO_DIR, setPidFile } from './children.ts';

// BENCH_RESULTS_DIR / BENCH_PROFILES_DIR: a patched scratch copy (bench/experiment.sh) writes into
// the main tree's directories, so one report shows both.
export const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? join(BENCH_DIR, 'results');
export const LOGS_DIR = join(RESULTS_DIR, 'logs');
export const PROFILES_DIR = process.env.BENCH_PROFILES_DIR ?? join(BENCH_DIR, 'profiles');

/** `relay` or, with `--tag x`, `relay.x`: several runs of one benchmark side by side. */
export function resultName(base: string, argv = process.argv.slice(2)): string {
  const i = argv.indexOf('--tag');
  const tag = i >= 0 ? argv[i + 1] : undefined;
  if (tag !== undefined && !/^[a-z0-9-]{1,40}$/.test(tag)) throw new Error('--tag must match [a-z0-9-]{1,40}');
  return tag ? `${base}.${tag}` : base;
}

export function initRun(name: string): void {
  mkdirSync(LOGS_DIR, { recursive: true });
  setPidFile(join(LOGS_DIR, `${name}.pids`));
}

function quiet(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], cwd: REPO_DIR }).trim();
  } catch {
    return '';
  }
}

export interface Machine {
  cpuModel: string;
  nproc: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  debian: string;
  websockify: string;
  commit: string;
}

export function machine(): Machine {
  let debian = '';
  try {
    debian = readFileSync('/etc/debian_version', 'utf8').trim();
  } catch {
    /* not Debian */
  }
  const commit = quiet('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = quiet('git', ['status', '--porcelain']) ? ' (with uncommitted changes)' : '';
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    nproc: Number(quiet('nproc', [])) || cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: release(),
    debian,
    websockify: quiet('dpkg-query', ['-W', '-f=${Version}', 'websockify']) || 'not installed',
    commit: commit + dirty,
  };
}

export interface ResultFile<T> {
  name: string;
  startedAt: string;
  seconds: number;
  machine: Machine;
  options: Record<string, unknown>;
  notes: string[];
  data: T;
}

export function writeResult<T>(name: string, startedAt: Date, options: Record<string, unknown>, notes: string[], data: T): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  const r: ResultFile<T> = {
    name,
    startedAt: startedAt.toISOString(),
    seconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    machine: machine(),
    options,
    notes,
    data,
  };
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  return file;
}

export function readResult<T>(name: string): ResultFile<T> | null {
  try {
    return JSON.parse(readFileSync(join(RESULTS_DIR, `${name}.json`), 'utf8')) as ResultFile<T>;
  } catch {
    return null;
  }
}

/** `--key value` and `--flag` arguments. */
export function args(argv = process.argv.slice(2)): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      m.set(a.slice(2), next);
      i++;
    } else m.set(a.slice(2), 'true');
  }
  return m;
}
