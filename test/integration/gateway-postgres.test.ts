// The whole gateway on PostgreSQL 15 (a private cluster started by the test) with its embedded
// agent and a real Xvnc desktop: nothing lands in the data directory's SQLite file, a second
// gateway joins the same database and leaves again, and while PostgreSQL is down the API
// answers 503 store_unavailable, the open display keeps drawing, and the gateway recovers by itself.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, launchDesktop, signIn, startTestGateway, ticket, type Api, type TestGateway } from '../helpers/gateway.ts';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';

let cluster: PostgresCluster;
let url: string;
let t: TestGateway;
let api: Api;
const env = () => ({ DESKPORT_STORE: url, DESKPORT_VAULT_KEY: VAULT_KEY });
const VAULT_KEY = randomBytes(32).toString('base64');
const viewers: RfbViewer[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
  url = await cluster.createDatabase('gateway');
  t = await startTestGateway({ env: env() });
  api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
}, 90_000);

afterAll(async () => {
  for (const v of viewers) v.close();
  await t?.cleanup();
  await cluster?.stop();
}, 60_000);

async function sql<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, params)).rows;
  } finally {
    await c.end();
  }
}

describe('a gateway on PostgreSQL', () => {
  it('runs a desktop with its users, sessions and audit in PostgreSQL and no SQLite file', async () => {
    const s = await launchDesktop(api, t.url);
    const v = await RfbViewer.open(t.url, await ticket(api, s.id));
    viewers.push(v);
    await v.handshake();
    expect(v.width).toBeGreaterThanOrEqual(800);
    await v.waitForWindows();
    expect(existsSync(join(t.dataDir, 'deskport.db'))).toBe(false);
    expect(await sql<{ state: string }>('SELECT state FROM sessions WHERE id = $1', [s.id])).toEqual([{ state: 'ready' }]);
    expect((await sql<{ username: string }>('SELECT username FROM users')).map((u) => u.username)).toContain('admin');
    const actions = (await sql<{ action: string }>('SELECT action FROM audit WHERE target = $1', [s.id])).map((a) => a.action);
    expect(actions).toContain('session.launch');
  }, 90_000);

  it('lets a second gateway join the same database: it serves the same people and sessions, and leaves without touching them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'deskport-test-'));
    const sessions = async (a: Api) =>
      ((await a.get('/api/v1/admin/sessions')).body as { id: string; state: string }[]).map((s) => `${s.id} ${s.state}`);
    const before = await sessions(api);
    expect(before.some((s) => s.endsWith(' ready'))).toBe(true);
    const second = await startTestGateway({ dataDir, env: env(), embeddedAgent: false });
    try {
      const there = await signIn(second.url, 'admin', ADMIN_PASSWORD);
      expect(await sessions(there)).toEqual(before);
      // Both gateways are in the registry that agents follow.
      const rows = await sql<{ id: string }>('SELECT id FROM gateways');
      expect(rows.length).toBe(2);
    } finally {
      await second.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(await sessions(api)).toEqual(before); // the first one's are untouched
    expect(await sql('SELECT id FROM gateways')).toHaveLength(1); // the second one said goodbye
  }, 60_000);

  it('answers 503 while PostgreSQL is down, keeps the open display drawing, and recovers by itself', async () => {
    const v = viewers[0]!;
    await cluster.down();
    try {
      const r = await api.get('/api/v1/sessions');
      expect(r.status).toBe(503);
      expect((r.body as { error: { code: string } }).error.code).toBe('store_unavailable');
      expect((await fetch(`${t.url}/readyz`)).status).toBe(503);
      const launch = await api.post('/api/v1/sessions', { poolId: 'anything' });
      expect(launch.status).toBe(503);
      // The display needs no database: a full update still comes back from the desktop.
      expect((await v.capture()).distinctColours).toBeGreaterThan(2);
    } finally {
      await cluster.up();
    }
    await expect.poll(async () => (await api.get('/api/v1/sessions')).status, { timeout: 15_000, interval: 250 }).toBe(200);
    await expect.poll(async () => (await fetch(`${t.url}/readyz`)).status, { timeout: 15_000, interval: 250 }).toBe(200);
    expect((await v.capture()).distinctColours).toBeGreaterThan(2);
  }, 90_000);
});
