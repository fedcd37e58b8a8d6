// Three `bin/deskport gateway` processes on one PostgreSQL 15 behind haproxy (infra/haproxy.cfg),
// in the unfinished several-gateways mode (issue 15), and one agent with the real process driver
// that reaches them through haproxy and then keeps a connection to each. The gateway serving a
// display is killed with SIGKILL: the viewer opens again through haproxy on another gateway, the
// session and its desktop are untouched, the host stays online, and a used ticket opens nothing on
// any gateway. The time from the kill to drawing again is printed (bench/ reports it).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../agents/agent.ts';
import { ADMIN_PASSWORD, launchDesktop, signIn, ticket, type Api } from '../helpers/gateway.ts';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';
import { connectedEverywhere, startAgentVia, startGatewayProcess, startHaproxy, type GatewayProcess } from '../helpers/several-gateways.ts';
import { until } from '../helpers/until.ts';
import { freePort } from '../helpers/xvnc.ts';
import type { GroupProcess } from '../helpers/agent-process.ts';

let pgc: PostgresCluster;
const gateways: GatewayProcess[] = [];
let lb: (GroupProcess & { url: string }) | undefined;
let agent: Agent | undefined;
let agentDir: string;
const viewers: RfbViewer[] = [];
const VAULT_KEY = randomBytes(32).toString('base64');

beforeAll(async () => {
  pgc = await startPostgres();
  const store = await pgc.createDatabase('failover');
  // One after the other: the first one creates the admin and the default pool.
  for (let i = 0; i < 3; i++) gateways.push(await startGatewayProcess(store, VAULT_KEY, await freePort()));
  lb = await startHaproxy(gateways.map((g) => new URL(g.url).host));
  agentDir = mkdtempSync(join(tmpdir(), 'deskport-agent-'));
}, 120_000);

afterAll(async () => {
  for (const v of viewers) v.close();
  // Sessions end through a live gateway, so their desktops are destroyed by the agent. Every step
  // runs even when an earlier one (or beforeAll) failed: nothing may be left running.
  const admin = lb ? await signIn(lb.url, 'admin', ADMIN_PASSWORD).catch(() => null) : null;
  const live = admin ? ((await admin.get('/api/v1/admin/sessions?state=starting,ready,lost')).body as { id: string }[]) : [];
  for (const s of live ?? []) await admin?.del(`/api/v1/admin/sessions/${s.id}`).catch(() => undefined);
  await agent?.stop().catch(() => undefined);
  await lb?.stop();
  for (const g of gateways) await g.stop();
  if (agentDir) rmSync(agentDir, { recursive: true, force: true });
  await pgc?.stop();
}, 90_000);

/** The `deskport_viewers` gauge of one gateway (its own displays). */
async function displaysOn(g: GatewayProcess): Promise<number> {
  const text = await (await fetch(`${g.url}/metrics`)).text();
  return Number(/^deskport_viewers (\d+)/m.exec(text)?.[1] ?? 'NaN');
}

async function drawing(api: Api, sessionId: string): Promise<{ v: RfbViewer; path: string }> {
  const path = await ticket(api, sessionId);
  const v = await RfbViewer.open(lb!.url, path);
  viewers.push(v);
  await v.handshake();
  await v.waitForWindows();
  return { v, path };
}

describe('several gateways behind haproxy', () => {
  it('a gateway killed under a viewer: the viewer draws again through another, nothing else changes', async () => {
    const admin = await signIn(lb!.url, 'admin', ADMIN_PASSWORD);
    const started = await startAgentVia(lb!.url, admin, agentDir);
    agent = started.agent;
    const { hostId } = started;
    await connectedEverywhere(await Promise.all(gateways.map((g) => signIn(g.url, 'admin', ADMIN_PASSWORD))), hostId);

    const s = await launchDesktop(admin, lb!.url);
    const first = await drawing(admin, s.id);
    const counts = await Promise.all(gateways.map(displaysOn));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    const victim = gateways[counts.indexOf(1)]!;

    const killedAt = performance.now();
    await victim.stop(); // SIGKILL to its process group
    await until('the display of the killed gateway closed', () => first.v.closeInfo, 10_000);
    // The page's way back: a new ticket and a new display, both through haproxy.
    const again = await until('a display through another gateway', () => drawing(admin, s.id).catch(() => null), 30_000, 50);
    const ms = performance.now() - killedAt;
    console.info(`failover: SIGKILL of the serving gateway → drawing again through haproxy: ${ms.toFixed(0)} ms`);
    expect(again.v.width).toBeGreaterThan(0);

    const after = ((await admin.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string; hostId: string } }).session;
    expect(after).toMatchObject({ state: 'ready', hostId });
    const host = ((await admin.get('/api/v1/admin/hosts')).body as { id: string; state: string }[]).find((h) => h.id === hostId);
    expect(host?.state).toBe('online');
    // Used tickets open nothing, on any gateway still up.
    for (const g of gateways.filter((x) => x !== victim))
      for (const used of [first.path, again.path]) await expect(RfbViewer.open(g.url, used)).rejects.toMatchObject({ status: 401 });
  }, 180_000);
});
