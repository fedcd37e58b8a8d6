// The real `bin/deskport agent` against a real gateway when it is refused: a used or unknown
// enrollment token and a deleted host end it with exit code 2 and one line saying what to do; a
// gateway that is not there is retried with growing delays; SIGTERM stops it cleanly. Each agent
// runs in its own process group, killed whole after the test (also on failure).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';

const BIN = join(process.cwd(), 'bin/deskport');
let t: TestGateway;
let admin: Api;
const running: RunningAgent[] = [];
const dirs: string[] = [];

interface RunningAgent {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves with the first match of `re` in stdout (the agent's JSON log and its banner). */
  waitOut(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  logs(): { level: number; msg: string; time: number; [k: string]: unknown }[];
}

/** One agent process, leader of its own process group so a failing test can kill all of it. */
function runAgent(gateway: string, opts: { token?: string; stateDir?: string } = {}): RunningAgent {
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'deskport-refusal-'));
  if (!opts.stateDir) dirs.push(stateDir);
  const args = [
    'agent',
    '--gateway',
    gateway,
    '--name',
    'refusal-test',
    '--state',
    stateDir,
    ...(opts.token ? ['--enroll', opts.token] : []),
  ];
  const child = spawn(BIN, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DESKPORT_LOG_LEVEL: 'warn' },
  });
  const a: RunningAgent = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((r) => child.once('exit', (code, signal) => r({ code, signal, at: Date.now() }))),
    waitOut(re, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(a.stdout);
          if (!m) return false;
          clearTimeout(timer);
          child.stdout!.off('data', check);
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => reject(new Error(`no ${re} from the agent in ${ms} ms: ${a.stdout}${a.stderr}`)), ms);
        if (!check()) child.stdout!.on('data', check);
      });
    },
    logs: () =>
      a.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as ReturnType<RunningAgent['logs']>[number]),
  };
  child.stdout!.on('data', (d: Buffer) => (a.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (a.stderr += d.toString()));
  running.push(a);
  return a;
}

async function token(): Promise<string> {
  const r = await admin.post('/api/v1/admin/hosts/enrollments');
  expect(r.status).toBe(201);
  return (r.body as { token: string }).token;
}

/** Exits within `ms`, or the test fails (the process group is killed after it either way). */
async function exitWithin(a: RunningAgent, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_r, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms: ${a.stdout}${a.stderr}`)), ms)),
  );
  try {
    return await Promise.race([a.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  t = await startTestGateway({ embeddedAgent: false });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
}, 60_000);

afterEach(async () => {
  for (const a of running.splice(0)) {
    if (a.child.exitCode !== null || a.child.signalCode !== null) continue;
    try {
      process.kill(-a.child.pid!, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
    await a.exited;
  }
});

afterAll(async () => {
  await t?.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}, 60_000);

describe('an agent the gateway refuses', () => {
  it('a used enrollment token: exit 2 within seconds, with one line saying to get a new token', async () => {
    const used = await token();
    const first = runAgent(t.url, { token: used });
    await first.waitOut(/as host (\S+)/);
    const second = runAgent(t.url, { token: used });
    const t0 = Date.now();
    const end = await exitWithin(second, 5_000);
    expect(end.code).toBe(2);
    expect(end.at - t0).toBeLessThan(5_000);
    expect(second.stderr).toBe(
      'deskport: the gateway refused the enrollment token (already used): get a new one from Admin → Hosts → Add a host\n',
    );
    expect(first.child.exitCode).toBeNull(); // the agent that enrolled with it is unaffected
  });

  it('an unknown enrollment token: exit 2, naming the cause', async () => {
    const a = runAgent(t.url, { token: 'dpe_not-a-token-this-gateway-issued' });
    expect((await exitWithin(a, 5_000)).code).toBe(2);
    expect(a.stderr).toBe(
      'deskport: the gateway refused the enrollment token (unknown to this gateway): check --gateway, or get a new one from Admin → Hosts → Add a host\n',
    );
  });

  it('no token and no kept credential: exit 2 before dialling', async () => {
    const a = runAgent(t.url);
    expect((await exitWithin(a, 5_000)).code).toBe(2);
    expect(a.stderr).toMatch(
      /^deskport: no enrollment token and no host credential in \S+agent-credential\.json: start the agent with --enroll TOKEN/,
    );
    expect(a.stderr.split('\n')).toHaveLength(2);
  });

  it('a deleted host: its control connection closes within a second, the agent exits 2, and a restart is refused too', async () => {
    const a = runAgent(t.url, { token: await token() });
    const hostId = (await a.waitOut(/as host (\S+)/))[1]!;
    const t0 = Date.now();
    expect((await admin.del(`/api/v1/admin/hosts/${hostId}`)).status).toBe(204);
    const end = await exitWithin(a, 3_000);
    expect(end.code).toBe(2);
    // The agent logged the close it got, with the gateway's code and reason, within a second.
    const closed = a.logs().find((l) => l.refusal === 'host_removed');
    expect(closed).toMatchObject({ code: 4403, reason: 'host refusal-test was deleted by an administrator' });
    expect(closed!.time - t0).toBeLessThan(1000);
    expect(a.stderr).toMatch(
      /^deskport: the gateway removed this host \(host refusal-test was deleted by an administrator\): delete \S+agent-credential\.json and start the agent again with --enroll and a new token from Admin → Hosts → Add a host\n$/,
    );
    const hosts = (await admin.get('/api/v1/admin/hosts')).body as { id: string }[];
    expect(hosts.map((h) => h.id)).not.toContain(hostId);
    const audit = (await admin.get('/api/v1/admin/audit?action=host.delete')).body as {
      target: string;
      details: Record<string, unknown>;
    }[];
    expect(audit.find((e) => e.target === hostId)?.details).toEqual({ name: 'refusal-test', disconnected: true, streamsClosed: 0 });

    // Started again with the same state (its kept credential): refused for good as well.
    const again = runAgent(t.url, { stateDir: a.child.spawnargs[a.child.spawnargs.indexOf('--state') + 1]! });
    expect((await exitWithin(again, 5_000)).code).toBe(2);
    expect(again.stderr).toMatch(
      /^deskport: the gateway refused this host's credential \(the host was removed from the gateway\): delete \S+agent-credential\.json/,
    );
  });
});

describe('an agent that cannot reach the gateway', () => {
  it('keeps retrying with growing, jittered delays, and stops cleanly on SIGTERM', async () => {
    // A port nothing listens on: taken from the kernel, then released.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const a = runAgent(`http://127.0.0.1:${port}`, { token: 'dpe_any' });
    await a.waitOut(/(disconnected from the gateway[^\n]*\n[^]*?){5}/, 20_000);
    expect(a.child.exitCode).toBeNull();
    const delays = a
      .logs()
      .filter((l) => l.msg === 'disconnected from the gateway')
      .map((l) => l.retryInMs as number);
    // Full jitter in the upper half of a doubling window: 0.5 s, 1 s, 2 s, 4 s, 8 s ceilings.
    for (const [i, d] of delays.slice(0, 5).entries()) {
      expect(d).toBeGreaterThanOrEqual(250 * 2 ** i);
      expect(d).toBeLessThanOrEqual(500 * 2 ** i);
    }
    a.child.kill('SIGTERM');
    expect((await exitWithin(a, 5_000)).code).toBe(0);
  });

  it('keeps retrying a gateway that answers 503', async () => {
    const busy = createHttpServer();
    busy.on('upgrade', (_req, socket) =>
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":{"code":"service_unavailable","message":"gateway store unavailable"}}',
      ),
    );
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const a = runAgent(`http://127.0.0.1:${(busy.address() as { port: number }).port}`, { token: 'dpe_any' });
      await a.waitOut(/(disconnected from the gateway[^\n]*\n[^]*?){3}/, 15_000);
      expect(a.child.exitCode).toBeNull();
      expect(
        a
          .logs()
          .filter((l) => l.msg === 'the gateway answered the connection with an error; retrying')
          .map((l) => l.status),
      ).toContain(503);
    } finally {
      busy.closeAllConnections();
      await new Promise((r) => busy.close(r));
    }
  });

  it('a connected agent also stops cleanly on SIGTERM (exit 0)', async () => {
    const a = runAgent(t.url, { token: await token() });
    await a.waitOut(/as host (\S+)/);
    a.child.kill('SIGTERM');
    expect((await exitWithin(a, 5_000)).code).toBe(0);
    expect(a.stderr).toBe('');
  });
});
