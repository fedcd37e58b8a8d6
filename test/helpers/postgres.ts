// A private PostgreSQL cluster for tests (Debian's postgresql-15): initdb in a temp dir, trust auth,
// listening on a free 127.0.0.1 port and a unix socket in that dir only, durability off. stop() is
// safe to call twice; a watchdog stops the server and removes the dir if the test process dies.
//
// initdb and pg_ctl refuse to run as root. When tests run as root (CI does), every PostgreSQL
// binary runs as `nobody` through runuser and the temp dir is chowned to it; otherwise as ourselves.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './xvnc.ts';

export interface PostgresCluster {
  /** postgres://deskport@127.0.0.1:PORT/postgres (trust auth: no password). */
  url: string;
  port: number;
  dataDir: string;
  /** Creates a fresh empty database (random name if omitted) and returns its postgres:// URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server (immediate), removes its files. Safe to call twice. */
  stop(): Promise<void>;
  /** pg_ctl stop -m fast, then start again on the same port: for outage tests. */
  restart(): Promise<void>;
  /** The outage alone: stop the server (fast), keeping its files, until up(). */
  down(): Promise<void>;
  /** Start it again on the same port after down(). */
  up(): Promise<void>;
}

const SUPERUSER = 'deskport';
const PREFERRED_VERSION = '15';
const UNPRIVILEGED = { name: 'nobody', uid: 65534, gid: 65534 };
const DB_NAME = /^[a-z0-9_]+$/;
const run = promisify(execFile);

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = findBinDir();
  const asRoot = process.getuid?.() === 0;
  // [command, ...args] for a PostgreSQL binary, as `nobody` when we are root.
  const cmd = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', UNPRIVILEGED.name, '--', join(bin, tool), ...args]] : [join(bin, tool), args];
  const dir = mkdtempSync(join(tmpdir(), 'deskport-pg-'));
  if (asRoot) chownSync(dir, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const pgCtl = (...args: string[]) => run(...cmd('pg_ctl', ['-D', dataDir, ...args]));
  const logTail = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-3000).trim() : '(no log)');

  let port = 0;
  let stopped: Promise<void> | null = null;
  let watchdog: ChildProcess | null = null;
  const stopNow = () => {
    try {
      execFileSync(...cmd('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
    } catch {
      killPostmasterGroup(dataDir);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Best effort for a test file that ends without stop(); the watchdog covers a killed process.
  process.once('exit', stopNow);
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      process.off('exit', stopNow);
      await pgCtl('-m', 'immediate', 'stop').catch(() => killPostmasterGroup(dataDir));
      rmSync(dir, { recursive: true, force: true });
      if (watchdog?.pid !== undefined && watchdog.exitCode === null) process.kill(watchdog.pid, 'SIGTERM');
    })());
  const start = async () => {
    const options = [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      `-k '${dir}'`,
      '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
      '-c max_connections=200 -c shared_buffers=32MB',
    ].join(' ');
    try {
      await pgCtl('-l', logFile, '-o', options, '-w', '-t', '30', 'start');
    } catch (err) {
      throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}: ${(err as Error).message}\n${logTail()}`);
    }
  };

  try {
    try {
      await run(...cmd('initdb', ['-D', dataDir, '--auth=trust', `--username=${SUPERUSER}`, '--encoding=UTF8', '--locale=C', '-N']));
    } catch (err) {
      const hint = asRoot ? ` (running as ${UNPRIVILEGED.name}: it must be able to reach ${dir})` : '';
      throw new Error(`initdb failed${hint}: ${(err as { stderr?: string }).stderr || (err as Error).message}`);
    }
    watchdog = startWatchdog(dir, cmd('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']));
    // A free port may be taken between probing and the server binding it; try a few times.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await start();
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const down = async () => {
    if (stopped) throw new Error('down() after stop()');
    await pgCtl('-m', 'fast', '-w', 'stop');
  };
  const up = async () => {
    if (stopped) throw new Error('up() after stop()');
    await start();
  };
  const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    dataDir,
    async createDatabase(name = `t_${randomBytes(6).toString('hex')}`) {
      if (!DB_NAME.test(name)) throw new Error(`database name "${name}" must match ${DB_NAME}`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
    },
    stop,
    restart: async () => {
      await down();
      await up();
    },
    down,
    up,
  };
}

/** /usr/lib/postgresql/<version>/bin holding initdb: 15 if present, else the newest. */
function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const version = versions.includes(PREFERRED_VERSION) ? PREFERRED_VERSION : versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!version)
    throw new Error(
      `PostgreSQL server binaries not found in ${root}/*/bin: apt-get install postgresql-15 (infra/setup.sh --with-test-tools does)`,
    );
  return join(root, version, 'bin');
}

/**
 * A shell that waits for EOF on a pipe only this process holds, then stops the server and removes
 * the dir: the kernel closes the pipe however we die (even SIGKILL). Detached, so a Ctrl-C to our
 * process group does not kill it before it has cleaned up; unref'd, so it never keeps us alive.
 */
function startWatchdog(dir: string, [command, args]: [string, string[]]): ChildProcess {
  const script = 'dir=$1; shift; read -r _; "$@" >/dev/null 2>&1; rm -rf -- "$dir"';
  const child = spawn('sh', ['-c', script, 'sh', dir, command, ...args], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.unref();
  (child.stdin as Socket | null)?.unref();
  return child;
}

/** Fallback when pg_ctl cannot stop the server: the postmaster leads its own process group (pg_ctl setsid()s it). */
function killPostmasterGroup(dataDir: string): void {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 1) process.kill(-pid, 'SIGKILL');
  } catch {
    // No pid file or no such group: nothing is running.
  }
}
