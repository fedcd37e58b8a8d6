// The processes bench/rdp.ts starts besides the gateway child: guacd and a `bin/deskport agent`,
// each the leader of its own process group (guacd forks a child per connection; the agent's
// desktops are detached groups recorded in its state dir), plus the plain loopback TCP bridge to a
// desktop's xrdp socket that Guacamole's own stack uses. Every group dies on a normal end, on
// failure and on SIGINT/SIGTERM (a synchronous 'exit' hook: children.ts exits on those signals).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { REPO_DIR } from './children.ts';
import { freePort } from './stack.ts';
import { sleep } from './stats.ts';

const groups = new Set<ChildProcess>();
const desktopDirs = new Set<string>();

/** SIGKILL to every desktop process group recorded in `<stateDir>/desktops/*\/state.json`. */
export function killDesktopGroups(stateDir: string): number {
  const dir = join(stateDir, 'desktops');
  let n = 0;
  for (const id of existsSync(dir) ? readdirSync(dir) : []) {
    try {
      const st = JSON.parse(readFileSync(join(dir, id, 'state.json'), 'utf8')) as { spawned: { pid: number }[] };
      for (const p of st.spawned) {
        try {
          process.kill(-p.pid, 'SIGKILL');
          n++;
        } catch {
          /* gone already */
        }
      }
    } catch {
      /* no state */
    }
  }
  return n;
}

function killGroupNow(c: ChildProcess): void {
  if (c.exitCode !== null || c.signalCode !== null || !c.pid) return;
  try {
    process.kill(-c.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Desktops below this dir are killed if the run ends before their sessions were ended. */
export function watchDesktops(stateDir: string): void {
  desktopDirs.add(stateDir);
}

process.on('exit', () => {
  for (const c of groups) killGroupNow(c);
  for (const d of desktopDirs) killDesktopGroups(d);
});

/** SIGTERM to the group, SIGKILL after `ms`; resolves when the leader has exited. */
export async function stopGroup(c: ChildProcess, ms = 5_000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null || !c.pid) return void groups.delete(c);
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  try {
    process.kill(-c.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  const t = setTimeout(() => killGroupNow(c), ms);
  await exited;
  clearTimeout(t);
  killGroupNow(c); // the leader is gone; its forked children may not be
  groups.delete(c);
}

function spawnGroup(cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv): ChildProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  const c = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd: REPO_DIR });
  closeSync(fd);
  groups.add(c);
  return c;
}

export const GUACD_BIN = '/root/.cache/deskport/guacd/current/sbin/guacd';

export async function startGuacd(logs: string, bin = GUACD_BIN): Promise<{ port: number; proc: ChildProcess }> {
  if (!existsSync(bin)) throw new Error(`guacd is not built: run infra/guacd.sh (looked for ${bin})`);
  const port = await freePort();
  const proc = spawnGroup(
    bin,
    ['-f', '-b', '127.0.0.1', '-l', String(port), '-L', process.env.BENCH_GUACD_LEVEL ?? 'info'],
    join(logs, 'guacd.log'),
    {
      ...process.env,
      // guacd dlopens libguac-client-rdp.so by name from its own prefix.
      LD_LIBRARY_PATH: join(dirname(bin), '..', 'lib'),
    },
  );
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`guacd did not start; see ${logs}/guacd.log`);
    await sleep(50);
  }
  return { port, proc };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** `bin/deskport agent` (process driver) enrolled with a one-time token; resolves with its host id. */
export async function startAgentProcess(o: {
  gatewayUrl: string;
  token: string;
  stateDir: string;
  logs: string;
}): Promise<{ hostId: string; proc: ChildProcess }> {
  watchDesktops(o.stateDir);
  const log = join(o.logs, 'agent.log');
  const from = existsSync(log) ? statSync(log).size : 0; // the log is appended to across runs
  const args = ['agent', '--gateway', o.gatewayUrl, '--enroll', o.token, '--name', 'bench-agent', '--state', o.stateDir];
  const proc = spawnGroup(join(REPO_DIR, 'bin/deskport'), [...args, '--max-desktops', '2', '--targets', '127.0.0.1/32'], log, {
    ...process.env,
    DESKPORT_LOG_LEVEL: 'warn',
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = existsSync(log) ? /as host (\S+)/.exec(readFileSync(log, 'utf8').slice(from)) : null;
    if (m) return { hostId: m[1]!, proc };
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`the agent did not connect; see ${log}`);
    await sleep(100);
  }
}

/** A plain loopback TCP listener piping each connection to a unix socket (the desktop's xrdp). */
export async function tcpBridge(path: string): Promise<{ port: number; close(): void }> {
  const open = new Set<Socket>();
  const server = createServer({ noDelay: true }, (a) => {
    const b = connect(path);
    open.add(a).add(b);
    for (const s of [a, b]) {
      s.on('error', () => (a.destroy(), b.destroy()));
      s.on('close', () => (open.delete(s), a.destroy(), b.destroy()));
    }
    a.pipe(b);
    b.pipe(a);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const s of open) s.destroy();
      server.close();
    },
  };
}

/** What the process driver recorded about one desktop (its xrdp/Xvnc socket and process groups). */
export function desktopState(dataDir: string, desktopId: string): { socket: string | null; pids: number[]; home: string } {
  const st = JSON.parse(readFileSync(join(dataDir, 'desktops', desktopId, 'state.json'), 'utf8')) as {
    socket?: string | null;
    home: string;
    spawned: { pid: number }[];
  };
  return { socket: st.socket ?? null, pids: st.spawned.map((p) => p.pid), home: st.home };
}
