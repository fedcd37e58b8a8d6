// Runs `bin/deskport agent` as a separate process, the way production reaches existing machines: enrolled
// with a one-time token from the admin API, limited to the given target networks, in its own process
// group (stop() kills the group). Also starts X clients (xterm) on a test display the same way.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Api } from './gateway.ts';

const BIN = join(process.cwd(), 'bin/deskport');

export interface GroupProcess {
  child: ChildProcess;
  /** SIGKILL to the process group; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export function group(child: ChildProcess): GroupProcess {
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        return; // gone meanwhile
      }
      await gone;
    },
  };
}

/** Spawns a process group leader and resolves when `ready` matches its output (or rejects with that output). */
export function startUntil(
  cmd: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv,
): Promise<GroupProcess & { match: RegExpExecArray }> {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  const g = group(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void g.stop().then(() => reject(new Error(`${cmd} not ready in 30 s: ${out}`))), 30_000);
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-8000);
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ ...g, match: m });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}): ${out}`));
    });
  });
}

/** Enrolls and starts an agent process for the gateway at `url`; resolves with its host id once it is connected. */
export async function startAgentProcess(
  url: string,
  admin: Api,
  o: { stateDir: string; name: string; targets: string },
): Promise<GroupProcess & { hostId: string }> {
  const token = ((await admin.post('/api/v1/admin/hosts/enrollments')).body as { token: string }).token;
  const p = await startUntil(
    BIN,
    ['agent', '--gateway', url, '--name', o.name, '--state', o.stateDir, '--targets', o.targets, '--enroll', token],
    /as host (\S+)/,
    { ...process.env, DESKPORT_LOG_LEVEL: 'warn' },
  );
  return { ...p, hostId: p.match[1]! };
}

/** An X client (e.g. xterm) on display `:n`, in its own process group, working in `cwd`. */
export function startOnDisplay(display: number, cmd: string, args: string[], cwd: string): GroupProcess {
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore', cwd, env: { ...process.env, DISPLAY: `:${display}` } });
  return group(child);
}
