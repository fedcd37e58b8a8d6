// Benchmark helper processes: each fixture (fake VNC server, gateway, agent) runs in its own Node
// process so its CPU and memory are its own and it does not share an event loop with the client
// that measures it. Children talk over IPC (a `ready` message, then request/reply), log to a file,
// are recorded in a PID file, and are stopped by PID: SIGTERM first (so --cpu-prof profiles get
// written), SIGKILL after a timeout.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = dirname(BENCH_DIR);

export interface Child<Ready = Record<string, unknown>> {
  proc: ChildProcess;
  pid: number;
  ready: Promise<Ready>;
  request<T = unknown>(msg: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  stop(timeoutMs?: number): Promise<void>;
}

let pidFile: string | undefined;
const live = new Set<ChildProcess>();

/** Where PIDs of started processes are appended (one per line), so a crashed run can be cleaned by hand. */
export function setPidFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  pidFile = file;
}

function remember(p: ChildProcess, what: string): void {
  live.add(p);
  p.once('exit', () => live.delete(p));
  if (pidFile && p.pid) appendFileSync(pidFile, `${p.pid} ${what}\n`);
}

export interface ForkOptions {
  args?: string[];
  env?: Record<string, string>;
  logFile: string;
  /** Directory for a V8 CPU profile of this child (written at exit). */
  cpuProfDir?: string;
  readyTimeoutMs?: number;
  /** Allow the parent to ask for a full GC (`gc` request) before memory readings. */
  exposeGc?: boolean;
}

/** Runs bench/lib/<script> under tsx with IPC. */
export function forkChild<Ready = Record<string, unknown>>(script: string, o: ForkOptions): Child<Ready> {
  mkdirSync(dirname(o.logFile), { recursive: true });
  const fd = openSync(o.logFile, 'a');
  const execArgv = [
    '--import',
    'tsx',
    ...(o.exposeGc ? ['--expose-gc'] : []),
    ...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : []),
  ];
  const proc = fork(join(BENCH_DIR, 'lib', script), o.args ?? [], {
    execArgv,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', fd, fd, 'ipc'],
    cwd: REPO_DIR,
  });
  closeSync(fd);
  remember(proc, script);
  let seq = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const ready = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready in time; see ${o.logFile}`)), o.readyTimeoutMs ?? 60_000);
    proc.on('message', (m: { type?: string; re?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m as Ready);
      } else if (m.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${script} failed to start: ${m.error}`));
      } else if (typeof m.re === 'number') {
        const w = waiting.get(m.re);
        waiting.delete(m.re);
        if (m.ok) w?.resolve(m.result);
        else w?.reject(new Error(m.error ?? 'child request failed'));
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}); see ${o.logFile}`));
      for (const w of waiting.values()) w.reject(new Error(`${script} exited`));
      waiting.clear();
    });
  });
  ready.catch(() => undefined);
  return {
    proc,
    pid: proc.pid!,
    ready,
    request<T>(msg: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
      const id = ++seq;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => (waiting.delete(id), reject(new Error(`${script}: no reply to ${String(msg.type)}`))), timeoutMs);
        waiting.set(id, { resolve: (v) => (clearTimeout(timer), resolve(v as T)), reject: (e) => (clearTimeout(timer), reject(e)) });
        proc.send({ ...msg, id });
      });
    },
    stop: (timeoutMs) => stopProcess(proc, timeoutMs),
  };
}

/** Starts a non-Node program (websockify), logging to a file. */
export function spawnLogged(cmd: string, args: string[], logFile: string): ChildProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  const p = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  remember(p, `${cmd} ${args.join(' ')}`);
  return p;
}

/** SIGTERM by PID, then SIGKILL if it is still there after the timeout. */
export async function stopProcess(p: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null || !p.pid) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.exitCode === null && p.signalCode === null && p.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Last resort on an aborted run: SIGKILL every child this process started (by PID). */
export function killAllChildren(): void {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killAllChildren();
    process.exit(130);
  });
}
process.once('exit', killAllChildren);
