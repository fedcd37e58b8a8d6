// Runs guacd as a supervised part of the gateway: `guacd -f -b 127.0.0.1 -l <free port>` in its own
// process group, up once it answers `select rdp` with `args`, its log lines in the gateway's log,
// restarted with contract/backoff.ts's schedule when it ends, and stopped with everything it forked
// on close(). Each start takes a fresh port: connection processes of a crashed guacd keep its
// listening socket open for a few seconds, so the old port would accept and never answer.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { nextDelay } from '../../contract/backoff.ts';
import type { Logger } from '../log.ts';
import type { Guacd, GuacdStatus } from './guacd.ts';
import { handshakeRdp } from './handshake.ts';
import { statusListeners } from './listeners.ts';
import { logGuacdLine } from './log-lines.ts';
import { problems } from './messages.ts';
import { pidsWithArgv, signalAll } from './procs.ts';

export interface SupervisorOptions {
  bin: string;
  /** Directory of guacd's protocol plugins, put on LD_LIBRARY_PATH (locate.ts says why). */
  libDir?: string | null;
  log: Logger;
  /** guacd's own log level (-L). */
  level?: 'error' | 'warning' | 'info' | 'debug' | 'trace';
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Up this long, a guacd that ends starts again after the shortest delay (backoff reset). */
  stableMs?: number;
  /** A started guacd that has not answered the handshake by then is stopped and started again. */
  readyTimeoutMs?: number;
  /** close(): SIGTERM, then SIGKILL after this long. */
  killTimeoutMs?: number;
  /**
   * Where the running guacd's pid and argv are kept (the gateway's data dir). guacd has its own
   * process group, so a gateway killed with SIGKILL leaves it running: the next start stops it.
   */
  stateFile?: string;
}

export interface SupervisedGuacd extends Guacd {
  onChange(fn: (s: GuacdStatus) => void): () => void;
}

const HOST = '127.0.0.1';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function superviseGuacd(o: SupervisorOptions): SupervisedGuacd {
  const log = o.log.child({ component: 'guacd' });
  const base = o.backoffBaseMs ?? 500;
  const cap = o.backoffCapMs ?? 30_000;
  const stableMs = o.stableMs ?? 60_000;
  const readyTimeoutMs = o.readyTimeoutMs ?? 15_000;
  const killTimeoutMs = o.killTimeoutMs ?? 5000;
  const listeners = statusListeners(log);

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;
  let up = false;
  let upSince = 0;
  let attempt = 0;
  let starts = 0;
  let problem: string | null = problems.starting();
  let closing: Promise<void> | null = null;
  let restartTimer: NodeJS.Timeout | undefined;
  /** Every argv this supervisor started guacd with: close() sweeps their connection processes. */
  const argvs: string[][] = [];

  const status = (): GuacdStatus => ({
    state: up ? 'up' : 'down',
    mode: 'supervised',
    problem: up ? null : problem,
    restarts: Math.max(0, starts - 1),
    pid: child?.pid ?? null,
  });
  const changed = () => listeners.emit(status());

  /** Stops a guacd an earlier gateway (killed without its close()) left running, named in stateFile. */
  function sweepEarlier(): void {
    if (!o.stateFile) return;
    let earlier: { pid: number; argv: string[] };
    try {
      earlier = JSON.parse(readFileSync(o.stateFile, 'utf8')) as { pid: number; argv: string[] };
    } catch {
      return;
    }
    if (!Array.isArray(earlier.argv) || !earlier.argv.every((a) => typeof a === 'string')) return;
    const left = pidsWithArgv(earlier.argv);
    if (!left.length) return;
    log.warn({ pids: left }, 'stopping the guacd an earlier gateway left running');
    signalAll(left, 'SIGKILL');
  }

  async function start(): Promise<void> {
    if (closing) return;
    port = await freePort();
    if (closing) return;
    const argv = [o.bin, '-f', '-b', HOST, '-l', String(port), '-L', o.level ?? 'info'];
    argvs.push(argv);
    // `env` execs guacd in place (same pid, same argv), with the plugin directory on the library path.
    const p = spawn('env', [...(o.libDir ? [`LD_LIBRARY_PATH=${o.libDir}`] : []), ...argv], {
      detached: true, // its own process group, so close() can signal the group
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = p;
    starts++;
    if (o.stateFile && p.pid !== undefined) {
      try {
        writeFileSync(o.stateFile, JSON.stringify({ pid: p.pid, argv }), { mode: 0o600 });
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'cannot write the guacd state file');
      }
    }
    const startedAt = Date.now();
    createInterface({ input: p.stdout! }).on('line', (l) => logGuacdLine(log, l, 'info'));
    createInterface({ input: p.stderr! }).on('line', (l) => {
      logGuacdLine(log, l, 'warn');
      if (/Listening on host/.test(l)) void check();
    });
    exited = new Promise((resolve) => {
      p.once('exit', (code, signal) => {
        onExit(p, argv, code, signal, startedAt);
        resolve();
      });
      // spawn failures (ENOENT of `env`) come as 'error' without 'exit'
      p.once('error', (err) => {
        log.error({ err: err.message }, 'guacd could not be started');
        if (p.exitCode === null && p.signalCode === null && p.pid === undefined) {
          onExit(p, argv, null, null, startedAt);
          resolve();
        }
      });
    });
    log.info({ pid: p.pid, port, bin: o.bin }, 'guacd started');
    changed();

    let checking = false;
    const readyTimer = setTimeout(() => {
      if (child !== p || up) return;
      log.error({ pid: p.pid, timeoutS: readyTimeoutMs / 1000 }, 'guacd did not answer in time; stopping it to start again');
      problem = `RDP needs guacd: it did not answer within ${readyTimeoutMs / 1000} s of starting`;
      kill(p, 'SIGKILL');
    }, readyTimeoutMs);
    // guacd says "Listening on host …" when its socket is open; the poll covers versions that word it otherwise.
    const poll = setInterval(() => void check(), 250);
    p.once('exit', () => {
      clearTimeout(readyTimer);
      clearInterval(poll);
    });
    async function check(): Promise<void> {
      if (checking || up || child !== p || closing) return;
      checking = true;
      const r = await handshakeRdp(HOST, port, 3000);
      checking = false;
      if (child !== p || closing || up) return;
      if (r.ok) {
        clearTimeout(readyTimer);
        clearInterval(poll);
        up = true;
        upSince = Date.now();
        problem = null;
        log.info({ pid: p.pid, port, protocolVersion: r.version, ms: upSince - startedAt }, 'guacd is up');
        changed();
      } else if (r.reason !== 'connection refused') {
        clearInterval(poll);
        clearTimeout(readyTimer);
        log.error({ pid: p.pid, reason: r.reason }, 'guacd does not answer the RDP handshake; stopping it to start again');
        problem = `RDP needs guacd: ${o.bin} started, but ${r.reason}`;
        kill(p, 'SIGKILL');
      }
    }
  }

  function onExit(p: ChildProcess, argv: string[], code: number | null, signal: NodeJS.Signals | null, startedAt: number): void {
    if (child !== p) return;
    const wasUp = up;
    up = false;
    child = null;
    // Its connection processes lose their parent and end by themselves; hurry them (they hold the old port).
    signalAll(pidsWithArgv(argv), 'SIGTERM');
    if (closing) return;
    if (wasUp && Date.now() - upSince >= stableMs) attempt = 0;
    const delay = nextDelay(attempt++, base, cap);
    const why = signal ? `was ended by ${signal}` : `exited with code ${code ?? 'unknown'}`;
    if (wasUp || !problem || problem === problems.starting()) problem = problems.restarting(why, Math.ceil(delay / 1000));
    log.warn(
      {
        pid: p.pid,
        code,
        signal,
        upS: wasUp ? Math.round((Date.now() - upSince) / 1000) : 0,
        lifeMs: Date.now() - startedAt,
        restartInMs: delay,
      },
      'guacd ended',
    );
    restartTimer = setTimeout(() => void start().catch(onStartError), delay);
    changed();
  }

  function onStartError(err: Error): void {
    log.error({ err: err.message }, 'guacd could not be started');
    if (closing) return;
    const delay = nextDelay(attempt++, base, cap);
    problem = problems.restarting(`could not be started (${err.message})`, Math.ceil(delay / 1000));
    restartTimer = setTimeout(() => void start().catch(onStartError), delay);
    changed();
  }

  function kill(p: ChildProcess, signal: NodeJS.Signals): void {
    if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
    try {
      process.kill(-p.pid, signal);
    } catch {
      // the group is gone already
    }
  }

  async function stop(): Promise<void> {
    clearTimeout(restartTimer);
    const p = child;
    if (p) {
      // guacd's SIGTERM handler stops each connection process and waits for it, then exits.
      kill(p, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), killTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        log.warn({ pid: p.pid }, 'guacd did not stop on SIGTERM; killing it');
        kill(p, 'SIGKILL');
        await exited;
      }
      if (p.pid !== undefined) {
        try {
          process.kill(-p.pid, 'SIGKILL'); // anything left in its group
        } catch {
          // empty: the usual case
        }
      }
    }
    // Connection processes live in their own groups: find them by argv, end them, wait until gone.
    const deadline = Date.now() + killTimeoutMs;
    for (;;) {
      const left = argvs.flatMap((a) => pidsWithArgv(a));
      if (!left.length) break;
      if (Date.now() > deadline) {
        log.error({ pids: left }, 'guacd connection processes did not end');
        break;
      }
      signalAll(left, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 50));
    }
    if (o.stateFile) rmSync(o.stateFile, { force: true });
    up = false;
    problem = 'RDP needs guacd: the gateway is stopping.';
    log.info('guacd stopped');
    changed();
  }

  sweepEarlier();
  void start().catch(onStartError);

  return {
    endpoint: () => (up ? { host: HOST, port } : null),
    status,
    onChange: (fn) => listeners.add(fn),
    close() {
      closing ??= stop();
      return closing;
    },
  };
}
