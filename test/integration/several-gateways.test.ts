// Two gateways on one PostgreSQL 15 (issue 15) and one agent
// with the real process driver, which reaches the first gateway and then keeps a connection to
// each. A desktop launched through one gateway is shown through either; a gateway stopping leaves
// the host online and the session ready, and the displays it served open again on the other; a
// new gateway starting marks nothing unreachable, and the agent connects to it too.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../agents/agent.ts';
import { ADMIN_PASSWORD, launchDesktop, signIn, startTestGateway, ticket, type Api, type TestGateway } from '../helpers/gateway.ts';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';
import { connectedEverywhere, startAgentVia } from '../helpers/several-gateways.ts';
import { until } from '../helpers/until.ts';
import { freePort } from '../helpers/xvnc.ts';
import { removeAllDesktops } from '../../agents/process/testing.ts';

let pgc: PostgresCluster;
let a: TestGateway;
let b: TestGateway;
let c: TestGateway | undefined;
let url: string;
let agent: Agent | undefined;
let agentDir: string;
const viewers: RfbViewer[] = [];
const VAULT_KEY = randomBytes(32).toString('base64');

async function gateway(store: string, port: number): Promise<TestGateway> {
  return startTestGateway({
    listen: `127.0.0.1:${port}`,
    embeddedAgent: false,
    env: {
      DESKPORT_STORE: store,
      DESKPORT_VAULT_KEY: VAULT_KEY,
      DESKPORT_ADVERTISE_URL: `http://127.0.0.1:${port}`,
    },
  });
}

interface HostRow {
  id: string;
  state: string;
  connected: boolean;
}
const hostsOf = async (api: Api) => (await api.get('/api/v1/admin/hosts')).body as HostRow[];

async function drawing(base: string, api: Api, sessionId: string): Promise<RfbViewer> {
  const v = await RfbViewer.open(base, await ticket(api, sessionId));
  viewers.push(v);
  await v.handshake();
  await v.waitForWindows();
  return v;
}

beforeAll(async () => {
  pgc = await startPostgres();
  url = await pgc.createDatabase('several');
  const [pa, pb] = [await freePort(), await freePort()];
  a = await gateway(url, pa);
  b = await gateway(url, pb);
  agentDir = mkdtempSync(join(tmpdir(), 'deskport-agent-'));
}, 120_000);

afterAll(async () => {
  for (const v of viewers) v.close();
  // Sessions end through a gateway that still holds the agent, so their desktops are destroyed.
  await b?.cleanup();
  await c?.cleanup();
  await a?.cleanup();
  await agent?.stop();
  // Whatever a failed step left running (the sessions could not be ended through a gateway).
  if (agentDir) await removeAllDesktops(agentDir);
  await pgc?.stop();
}, 90_000);

describe('two gateways on one PostgreSQL', () => {
  it('an agent that reached one gateway keeps a connection to both; a desktop launched through one is shown through either', async () => {
    const adminA = await signIn(a.url, 'admin', ADMIN_PASSWORD);
    const started = await startAgentVia(a.url, adminA, agentDir);
    agent = started.agent;
    const { hostId } = started;
    const adminB = await signIn(b.url, 'admin', ADMIN_PASSWORD);
    await connectedEverywhere([adminA, adminB], hostId);

    const s = await launchDesktop(adminB, b.url);
    expect(s.hostId).toBe(hostId);
    const onA = await drawing(a.url, adminA, s.id);
    const onB = await drawing(b.url, adminB, s.id);
    // Each gateway counts the other's display too.
    await until(
      'both displays counted',
      async () => ((await adminA.get(`/api/v1/sessions/${s.id}`)).body as { session: { viewers: number } }).session.viewers === 2,
    );
    onA.close();
    onB.close();
  }, 120_000);

  it('a download ticket asked for on one gateway is sent by the other and followed on the first', async () => {
    const adminA = await signIn(a.url, 'admin', ADMIN_PASSWORD);
    const adminB = await signIn(b.url, 'admin', ADMIN_PASSWORD);
    const s = ((await adminA.get('/api/v1/sessions')).body as { session: { id: string } }[])[0]!.session;
    const data = randomBytes(200_000);
    const up = await fetch(`${a.url}/api/v1/sessions/${s.id}/files/content?path=Downloads&name=shared.bin`, {
      method: 'PUT',
      headers: { cookie: adminA.cookie, origin: a.url, 'content-type': 'application/octet-stream' },
      body: data,
    });
    expect(up.status, await up.text()).toBe(201);
    const tk = await adminA.post(`/api/v1/sessions/${s.id}/files/downloads`, { path: 'Downloads/shared.bin' });
    expect(tk.status, JSON.stringify(tk.body)).toBe(201);
    const { url: path, statusUrl } = tk.body as { url: string; statusUrl: string };
    const got = await fetch(`${b.url}${path}`, { headers: { cookie: adminB.cookie } });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
    expect((await fetch(`${a.url}${path}`, { headers: { cookie: adminA.cookie } })).status).toBe(410); // used, on any gateway
    const sha = createHash('sha256').update(data).digest('hex');
    await until('the status on the first gateway says done', async () => {
      const st = (await adminA.get(statusUrl)).body as { state: string; sent: number; sha256?: string };
      return st.state === 'done' && st.sent === data.length && st.sha256 === sha;
    });
  }, 60_000);

  it('a gateway stopping leaves the host online and the session ready; its display opens again on the other; a new gateway marks nothing unreachable', async () => {
    const adminA = await signIn(a.url, 'admin', ADMIN_PASSWORD);
    const adminB = await signIn(b.url, 'admin', ADMIN_PASSWORD);
    const s = ((await adminB.get('/api/v1/sessions')).body as { session: { id: string; state: string } }[])[0]!.session;
    const v = await drawing(a.url, adminA, s.id);
    await a.stop();
    await until('the display on the stopped gateway closed', () => v.closeInfo, 5_000);
    const [host] = await hostsOf(adminB);
    expect(host).toMatchObject({ state: 'online', connected: true });
    expect(((await adminB.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string } }).session.state).toBe('ready');
    await drawing(b.url, adminB, s.id);

    // A new gateway starts (another address, so the agent cannot be back on it before the check): it
    // marks nothing unreachable. Then the agent learns of it from B's list and connects to it too.
    c = await gateway(url, await freePort());
    expect((await hostsOf(adminB))[0]?.state).toBe('online');
    expect(((await adminB.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string } }).session.state).toBe('ready');
    const adminC = await signIn(c.url, 'admin', ADMIN_PASSWORD);
    await until('the agent connected to the new gateway', async () => (await hostsOf(adminC))[0]?.connected === true);
    await drawing(c.url, adminC, s.id);
  }, 120_000);
});
