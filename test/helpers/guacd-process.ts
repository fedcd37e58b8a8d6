// Starts a real guacd (built by infra/guacd.sh) on a loopback port for integration tests, in its own
// process group so that killing it takes its per-connection children too, and gives the gateway a
// Guacd for it. Until the gateway supervises guacd itself (issue 12, i12-guacd), tests start it here.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import type { Guacd } from '../../server/guacd/guacd.ts';
import { freePort } from './xvnc.ts';

export const GUACD_BIN = process.env.DESKPORT_GUACD ?? '/root/.cache/deskport/guacd/current/sbin/guacd';

export interface GuacdProcess {
  /** The last 4 KB guacd logged (for a failing test's message). */
  log(): string;
  port: number;
  guacd: Guacd;
  /** SIGKILL to the whole group, as a crash would; resolves when guacd has exited. */
  kill(): Promise<void>;
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export async function startGuacd(): Promise<GuacdProcess> {
  if (!existsSync(GUACD_BIN)) throw new Error(`guacd is not built: run infra/guacd.sh (looked for ${GUACD_BIN})`);
  const port = await freePort();
  const child: ChildProcess = spawn(GUACD_BIN, ['-f', '-b', '127.0.0.1', '-l', String(port), '-L', 'info'], {
    detached: true,
    // guacd dlopens its protocol plugins (libguac-client-rdp.so) by name: without its prefix's lib
    // directory on the search path it answers every `select rdp` with nothing ("not installed").
    env: { ...process.env, LD_LIBRARY_PATH: join(dirname(GUACD_BIN), '..', 'lib') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (!alive || Date.now() > deadline) throw new Error(`guacd did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const guacd: Guacd = {
    endpoint: () => (alive ? { host: '127.0.0.1', port } : null),
    status: () =>
      alive
        ? // The pid lets the gateway check that its forwards are taken by this guacd (server/display/peer-check.ts).
          { state: 'up', mode: 'external', problem: null, pid: child.pid ?? null }
        : { state: 'down', mode: 'external', problem: 'guacd (test) is not running' },
    close: async () => undefined,
  };
  return {
    port,
    guacd,
    log: () => log,
    async kill() {
      if (!alive || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await exited;
    },
  };
}

/** A Guacd for the gateway that follows whichever guacd process the test runs now (none after a kill). */
export function followGuacd(current: () => GuacdProcess | undefined): Guacd {
  return {
    endpoint: () => current()?.guacd.endpoint() ?? null,
    status: () => current()?.guacd.status() ?? { state: 'absent', mode: null, problem: 'RDP needs guacd: none is running (test)' },
    close: async () => undefined,
  };
}
