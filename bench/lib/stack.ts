// Starts the processes a relay benchmark needs, each on loopback: the fake VNC server, a Deskport
// gateway (embedded agent, or with its agent in its own process), and Debian's websockify in
// front of the same fake server. Also the bits of the HTTP API the benchmarks use.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forkChild, spawnLogged, stopProcess, type Child } from './children.ts';
import type { GatewayReady } from './gateway-main.ts';
import { sleep } from './stats.ts';

export const ADMIN_PASSWORD = 'bench-admin-password';

export interface RunDir {
  dir: string;
  logs: string;
  cleanup(): void;
}

/** A temp dir for one benchmark's data and logs (logs survive in bench/results/logs). */
export function runDir(name: string, logsRoot: string): RunDir {
  const dir = mkdtempSync(join(tmpdir(), `deskport-bench-${name}-`));
  const logs = join(logsRoot, name);
  mkdirSync(logs, { recursive: true });
  return { dir, logs, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface FakeVncChild extends Child<{ plainPort: number; driverPort: number }> {
  plainPort: number;
  driverPort: number;
}

export async function startFakeVncChild(logs: string): Promise<FakeVncChild> {
  const c = forkChild<{ plainPort: number; driverPort: number }>('fake-vnc-main.ts', { logFile: join(logs, 'fake-vnc.log') });
  const r = await c.ready;
  return Object.assign(c, { plainPort: r.plainPort, driverPort: r.driverPort });
}

export interface DeskportChild {
  url: string;
  tokens: string[];
  gateway: Child<GatewayReady>;
  agent?: Child;
  /** PIDs whose CPU and memory count as "the gateway" (plus the agent's, reported apart). */
  gatewayPid: number;
  agentPid?: number;
  stop(): Promise<void>;
}

export async function startDeskport(o: {
  run: RunDir;
  vncPort: number;
  agent: 'embedded' | 'separate' | 'none';
  users?: number;
  dataDir?: string;
  capacity?: number;
  name?: string;
  cpuProfDir?: string;
  logLevel?: string;
  noDelay?: boolean;
  /** DESKPORT_STORE of the gateway: sqlite (the default, in dataDir) or a postgres:// URL. */
  store?: string;
}): Promise<DeskportChild> {
  const name = o.name ?? `gateway-${o.agent}`;
  const dataDir = o.dataDir ?? join(o.run.dir, name);
  const gateway = forkChild<GatewayReady>('gateway-main.ts', {
    logFile: join(o.run.logs, `${name}.log`),
    exposeGc: true,
    ...(o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {}),
    env: {
      BENCH_GATEWAY: JSON.stringify({
        dataDir,
        agent: o.agent,
        vncPort: o.vncPort,
        adminPassword: ADMIN_PASSWORD,
        users: o.users ?? 0,
        localCapacity: o.capacity ?? 8,
        logLevel: o.logLevel ?? 'info',
        noDelay: o.noDelay ?? false,
        store: o.store ?? 'sqlite',
      }),
    },
  });
  const g = await gateway.ready;
  let agent: Child | undefined;
  if (o.agent === 'separate') {
    agent = forkChild('agent-main.ts', {
      logFile: join(o.run.logs, `${name}-agent.log`),
      exposeGc: true,
      ...(o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {}),
      env: {
        BENCH_AGENT: JSON.stringify({
          gatewayUrl: g.url,
          enrollToken: g.enrollToken,
          stateDir: join(dataDir, 'remote-agent'),
          vncPort: o.vncPort,
          capacity: o.capacity ?? 8,
          noDelay: o.noDelay ?? false,
        }),
      },
    });
    await agent.ready;
  }
  return {
    url: g.url,
    tokens: g.tokens,
    gateway,
    ...(agent ? { agent, agentPid: agent.pid } : {}),
    gatewayPid: gateway.pid,
    async stop() {
      if (agent) await agent.stop();
      await gateway.stop();
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Websockify {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Debian's websockify in its default mode (one forked process per connection), no TLS. */
export async function startWebsockify(run: RunDir, targetPort: number): Promise<Websockify> {
  const port = await freePort();
  const p = spawnLogged('websockify', [`127.0.0.1:${port}`, `127.0.0.1:${targetPort}`], join(run.logs, 'websockify.log'));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (p.exitCode !== null) throw new Error(`websockify exited (${p.exitCode}); see ${run.logs}/websockify.log`);
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('websockify did not listen in time');
    await sleep(100);
  }
  return { url: `ws://127.0.0.1:${port}/`, pid: p.pid!, stop: () => stopProcess(p) };
}

/** A minimal API client: cookie (signed-in admin) or Bearer token. */
export interface Api {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

export function bearer(url: string, token: string): Api {
  return {
    async call(method, path, body) {
      const r = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, origin: url, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await r.text();
      return { status: r.status, body: text ? (JSON.parse(text) as unknown) : null };
    },
  };
}

export async function signInAdmin(url: string): Promise<Api> {
  const r = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`admin sign-in failed: ${r.status}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  return {
    async call(method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { cookie, origin: url, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
    },
  };
}

/** Launches the default pool for this API's user and waits for `ready`; retries while no host has joined yet. */
export async function launchDefault(api: Api, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const pools = (await api.call('GET', '/api/v1/pools')).body as { id: string; name: string }[];
  const pool = pools.find((p) => p.name === 'Linux desktop (local)');
  if (!pool) throw new Error('default pool missing');
  for (;;) {
    const r = await api.call('POST', '/api/v1/sessions', { poolId: pool.id });
    if (r.status === 200 || r.status === 201) {
      let s = (r.body as { session: { id: string; state: string } }).session;
      while (s.state === 'starting' && Date.now() < deadline) {
        await sleep(20);
        s = ((await api.call('GET', `/api/v1/sessions/${s.id}`)).body as { session: typeof s }).session;
      }
      if (s.state !== 'ready') throw new Error(`session ${s.id} is ${s.state}`);
      return s.id;
    }
    if (Date.now() > deadline) throw new Error(`launch failed: ${r.status} ${JSON.stringify(r.body)}`);
    await sleep(100);
  }
}

/** A fresh one-time display URL (ws://…/ws/vnc?ticket=…) for the session. */
export async function ticketUrl(api: Api, base: string, sessionId: string, mode: 'control' | 'view' = 'control'): Promise<string> {
  const r = await api.call('POST', `/api/v1/sessions/${sessionId}/tickets`, { mode });
  if (r.status !== 201) throw new Error(`ticket failed: ${r.status} ${JSON.stringify(r.body)}`);
  return base.replace(/^http/, 'ws') + (r.body as { url: string }).url;
}
