// Test harness: a real gateway (in-process) with the embedded agent and the real process driver,
// SQLite in a temp data dir, listening on loopback; plus a signed-in API client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedAgent } from '../../agents/embedded.ts';
import { loadConfig } from '../../server/config.ts';
import { startGateway, type Gateway } from '../../server/gateway.ts';
import type { Guacd } from '../../server/guacd/guacd.ts';
import { createWriteStream } from 'node:fs';
import { createLogger, silentLogger } from '../../server/log.ts';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestGateway {
  gw: Gateway;
  url: string;
  dataDir: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the gateway and destroys every desktop it started, then removes the data dir. */
  cleanup(): Promise<void>;
}

export async function startTestGateway(
  opts: { dataDir?: string; env?: Record<string, string>; embeddedAgent?: boolean; guacd?: Guacd; listen?: string } = {},
): Promise<TestGateway> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'deskport-test-'));
  let listen = opts.listen ?? '127.0.0.1:0';
  const config = () => loadConfig({ listen, dataDir }, { DESKPORT_ADMIN_PASSWORD: ADMIN_PASSWORD, ...opts.env });
  // DESKPORT_TEST_LOG=FILE keeps the gateway's log of a test run for debugging.
  const logFile = process.env.DESKPORT_TEST_LOG;
  const log = logFile ? createLogger({ level: 'debug', destination: createWriteStream(logFile, { flags: 'a' }) }) : silentLogger();
  const start = () => {
    const c = config();
    const embedded = opts.embeddedAgent ?? true;
    return startGateway({
      config: c,
      log,
      sweepIntervalMs: 200,
      ...(opts.guacd ? { guacd: opts.guacd } : {}),
      ...(embedded ? { embeddedAgent: (o) => startEmbeddedAgent({ ...o, sessionNetwork: c.desktopNetwork }) } : {}),
    });
  };
  let gw = await start();
  let down = false;
  listen = new URL(gw.url).host; // a restart comes back on the same port, as a service would
  await waitReady(gw.url);
  const t: TestGateway = {
    gw,
    url: gw.url,
    dataDir,
    async restart() {
      if (!down) await gw.stop();
      down = false;
      // Same data dir and port: like an operator restarting the service.
      gw = await start();
      t.gw = gw;
      t.url = gw.url;
      await waitReady(gw.url);
    },
    async stop() {
      down = true;
      await gw.stop();
    },
    async cleanup() {
      const api = await signIn(t.url, 'admin', ADMIN_PASSWORD).catch(() => null);
      if (api) {
        const live = (await api.get('/api/v1/admin/sessions?state=starting,ready,ending,lost')).body as { id: string }[];
        for (const s of live ?? []) await api.del(`/api/v1/admin/sessions/${s.id}`);
      }
      if (!down) await gw.stop().catch(() => undefined);
      down = true;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

async function waitReady(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await fetch(`${url}/readyz`).catch(() => null);
    if (r?.ok) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('gateway not ready in time');
}

export interface Api {
  cookie: string;
  get(path: string): Promise<{ status: number; body: unknown }>;
  post(path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  del(path: string): Promise<{ status: number; body: unknown }>;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

export async function signIn(url: string, username: string, password: string): Promise<Api> {
  const r = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ username, password }),
  });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${await r.text()}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { cookie, origin: url, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  return { cookie, get: (p) => call('GET', p), post: (p, b) => call('POST', p, b ?? {}), del: (p) => call('DELETE', p), call };
}

export interface SessionJson {
  id: string;
  state: string;
  poolId: string;
  hostId?: string;
  error?: string;
}

/** Launches the default pool and waits until the session is ready. */
export async function launchDesktop(api: Api, url: string): Promise<SessionJson> {
  const pools = (await api.get('/api/v1/pools')).body as { id: string; name: string }[];
  const pool = pools.find((p) => p.name === 'Linux desktop (local)');
  if (!pool) throw new Error('default pool missing');
  return launchPool(api, pool.id, 30_000, url);
}

/** Launches (or resumes) a session in `poolId` and waits until it is ready; throws with the session otherwise. */
export async function launchPool(api: Api, poolId: string, timeoutMs = 45_000, url = ''): Promise<SessionJson> {
  const r = await api.post('/api/v1/sessions', { poolId });
  if (r.status !== 201 && r.status !== 200) throw new Error(`launch failed: ${r.status} ${JSON.stringify(r.body)}`);
  let s = (r.body as { session: SessionJson }).session;
  const deadline = Date.now() + timeoutMs;
  while (s.state === 'starting' && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 100));
    s = ((await api.get(`/api/v1/sessions/${s.id}`)).body as { session: SessionJson }).session;
  }
  if (s.state !== 'ready') throw new Error(`session did not become ready: ${JSON.stringify(s)} ${url}`);
  return s;
}

export async function ticket(api: Api, sessionId: string, mode: 'control' | 'view' = 'control'): Promise<string> {
  const r = await api.post(`/api/v1/sessions/${sessionId}/tickets`, { mode });
  if (r.status !== 201) throw new Error(`ticket failed: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { url: string }).url;
}

/** Ends every live session (starting, ready or lost) through the admin API: a test's cleanup. */
export async function endLiveSessions(admin: Api): Promise<void> {
  const live = (await admin.get('/api/v1/admin/sessions?state=starting,ready,lost')).body as { id: string }[] | undefined;
  for (const s of live ?? []) await admin.del(`/api/v1/admin/sessions/${s.id}`);
}
