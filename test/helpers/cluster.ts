// Several hosts for system tests: real `bin/deskport agent` processes, each with its own name and
// state dir, enrolled with one-time tokens against a real gateway. Killed by PID (also -9 for
// chaos tests) and restarted with the same state, like a host rebooting its agent.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeContainersOfStateDir } from '../../agents/docker/testing.ts';
import { removeAllVms } from '../../agents/qemu/testing.ts';
import type { Api } from './gateway.ts';

const BIN = join(process.cwd(), 'bin/deskport');

export interface TestAgent {
  name: string;
  stateDir: string;
  hostId: string;
  child: ChildProcess;
  /** Starts the agent process again with the same state (no token needed). */
  restart(url: string): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kills the agent and every desktop it started (process groups recorded in its state). */
  cleanup(): Promise<void>;
}

function spawnAgent(
  url: string,
  name: string,
  stateDir: string,
  driver: string,
  maxDesktops: number,
  token?: string,
): { child: ChildProcess; hostId: Promise<string> } {
  const args = [
    'agent',
    '--gateway',
    url,
    '--name',
    name,
    '--state',
    stateDir,
    '--driver',
    driver,
    '--max-desktops',
    String(maxDesktops),
    ...(token ? ['--enroll', token] : []),
  ];
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DESKPORT_LOG_LEVEL: 'warn' } });
  let out = '';
  const hostId = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent ${name} did not connect: ${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /as host (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`agent ${name} exited ${code}: ${out}`)));
  });
  hostId.catch(() => undefined);
  return { child, hostId };
}

export async function startAgent(
  api: Api,
  url: string,
  name: string,
  o: { driver?: string; maxDesktops?: number } = {},
): Promise<TestAgent> {
  const token = ((await api.post('/api/v1/admin/hosts/enrollments')).body as { token: string }).token;
  const stateDir = mkdtempSync(join(tmpdir(), `deskport-agent-${name}-`));
  const driver = o.driver ?? 'process';
  const max = o.maxDesktops ?? 4;
  const first = spawnAgent(url, name, stateDir, driver, max, token);
  const a: TestAgent = {
    name,
    stateDir,
    hostId: await first.hostId,
    child: first.child,
    async restart(gatewayUrl) {
      const next = spawnAgent(gatewayUrl, name, stateDir, driver, max);
      a.child = next.child;
      if ((await next.hostId) !== a.hostId) throw new Error('the agent came back as another host');
    },
    async kill(signal = 'SIGTERM') {
      if (a.child.exitCode !== null || a.child.signalCode !== null) return;
      const exited = new Promise((r) => a.child.once('exit', r));
      a.child.kill(signal);
      await exited;
    },
    async cleanup() {
      await a.kill('SIGKILL');
      killLeftoverDesktops(stateDir);
      // A container the gateway started after the test's last look (a refilled warm spare) dies too.
      if (driver === 'docker') await removeContainersOfStateDir(stateDir);
      // Every QEMU the agent recorded, by its process group (the agent is gone; VMs outlive it).
      if (driver === 'qemu') await removeAllVms(stateDir);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return a;
}

/** Safety net after a failed test: kills desktop process groups recorded in an agent's state dir. */
export function killLeftoverDesktops(stateDir: string): void {
  const dir = join(stateDir, 'desktops');
  for (const id of existsSync(dir) ? readdirSync(dir) : []) {
    try {
      const st = JSON.parse(readFileSync(join(dir, id, 'state.json'), 'utf8')) as { spawned: { pid: number }[] };
      for (const p of st.spawned) {
        try {
          process.kill(-p.pid, 'SIGKILL');
        } catch {
          /* gone already */
        }
      }
    } catch {
      /* no state */
    }
  }
}
