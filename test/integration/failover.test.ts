// Three `bin/deskport gateway` processes on one PostgreSQL 15 behind haproxy (infra/haproxy.cfg),
// (issue 15), and one agent with the real process driver
// that reaches them through haproxy and then keeps a connection to each. The gateway serving a
// display is killed with SIGKILL: the viewer opens again through haproxy on another gateway, the
// session and its desktop are untouched, the host stays online, and a used ticket opens nothing on
// any gateway. The time from the kill to drawing again is printed (bench/ reports it). Then every
// gateway is restarted in turn (SIGTERM, a new process on the same port) under two people's open
// displays, and PostgreSQL is stopped and started under them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../agents/agent.ts';
import { ADMIN_PASSWORD, launchDesktop, signIn, ticket, type Api } from '../helpers/gateway.ts';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';
import {
  connectedEverywhere,
  displaysOn,
  startAgentVia,
  startGatewayProcess,
  startHaproxy,
  stopAll,
  type GatewayProcess,
} from '../helpers/several-gateways.ts';
import { until } from '../helpers/until.ts';
import { freePort } from '../helpers/xvnc.ts';
import type { GroupProcess } from '../helpers/agent-process.ts';

let pgc: PostgresCluster;
let store: string;
let hostId: string;
const gateways: GatewayProcess[] = [];
let lb: (GroupProcess & { url: string }) | undefined;
let agent: Agent | undefined;
let agentDir: string;
const viewers: RfbViewer[] = [];
const VAULT_KEY = randomBytes(32).toString('base64');

beforeAll(async () => {
  pgc = await startPostgres();
  store = await pgc.createDatabase('failover');
  // One after the other: the first one creates the admin and the default pool.
  for (let i = 0; i < 3; i++) gateways.push(await startGatewayProcess(store, VAULT_KEY, await freePort()));
  lb = await startHaproxy(gateways.map((g) => new URL(g.url).host));
  agentDir = mkdtempSync(join(tmpdir(), 'deskport-agent-'));
}, 120_000);

afterAll(async () => {
  for (const v of viewers) v.close();
  // Every step runs even when an earlier one (or beforeAll) failed: nothing may be left running.
  await stopAll({ lbUrl: lb?.url, agent, lb, gateways, agentDir });
  await pgc?.stop();
}, 90_000);

async function drawing(api: Api, sessionId: string): Promise<{ v: RfbViewer; path: string }> {
  const path = await ticket(api, sessionId);
  const v = await RfbViewer.open(lb!.url, path);
  viewers.push(v);
  await v.handshake();
  await v.waitForWindows();
  return { v, path };
}

/** Gateway i replaced by a new process on the same port (SIGTERM first, as a restart does); resolves once it holds the agent. */
async function restart(i: number): Promise<void> {
  const old = gateways[i]!;
  await old.term();
  gateways[i] = await startGatewayProcess(store, VAULT_KEY, Number(new URL(old.url).port));
  await connectedEverywhere([await signIn(gateways[i].url, 'admin', ADMIN_PASSWORD)], hostId);
}

/** A person's open display, opened again through haproxy whenever it closes (as the viewer page does). */
interface Watched {
  api: Api;
  sessionId: string;
  v: RfbViewer;
  readyAt: string;
}

let reopened = 0;
async function keepDrawing(w: Watched): Promise<void> {
  if (!w.v.closeInfo) return;
  reopened++;
  w.v = (await until('the display open again through haproxy', () => drawing(w.api, w.sessionId).catch(() => null), 30_000, 50)).v;
}

async function defaultPool(api: Api): Promise<string> {
  return ((await api.get('/api/v1/pools')).body as { id: string; name: string }[]).find((p) => p.name === 'Linux desktop (local)')!.id;
}

async function sessionOf(api: Api, id: string): Promise<{ state: string; hostId: string; readyAt: string }> {
  return ((await api.get(`/api/v1/sessions/${id}`)).body as { session: { state: string; hostId: string; readyAt: string } }).session;
}

describe('several gateways behind haproxy', () => {
  it('a gateway killed under a viewer: the viewer draws again through another, nothing else changes', async () => {
    const admin = await signIn(lb!.url, 'admin', ADMIN_PASSWORD);
    // Quick to dial haproxy again when every gateway it follows is gone (the last test): 2 s, not 60.
    const started = await startAgentVia(lb!.url, admin, agentDir, { monitorIntervalMs: 250, fallbackMs: 2_000 });
    agent = started.agent;
    hostId = started.hostId;
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

  it('a rolling restart of every gateway loses no session', async () => {
    const admin = await signIn(lb!.url, 'admin', ADMIN_PASSWORD);
    expect((await admin.post('/api/v1/admin/users', { username: 'rolling.person', password: 'a-long-password-1' })).status).toBe(201);
    const person = await signIn(lb!.url, 'rolling.person', 'a-long-password-1');
    // A short disconnect grace: a display that some gateway forgot would end its session quickly.
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${await defaultPool(admin)}`, { graceS: 5 })).status).toBe(200);
    const watched: Watched[] = [];
    for (const api of [admin, person]) {
      const s = await launchDesktop(api, lb!.url);
      watched.push({ api, sessionId: s.id, v: (await drawing(api, s.id)).v, readyAt: (await sessionOf(api, s.id)).readyAt });
    }

    for (let i = 0; i < gateways.length; i++) {
      await restart(i); // the first test's victim is dead already: it is simply started again
      for (const w of watched) await keepDrawing(w);
      // A launch during the restarts still works (the person's own session is resumed).
      const resumed = await person.post('/api/v1/sessions', { poolId: await defaultPool(person) });
      expect((resumed.body as { session: { id: string } }).session.id).toBe(watched[1]!.sessionId);
    }

    console.info(`rolling restart: ${reopened} display(s) opened again through haproxy`);
    // Past the pool's grace after the last restart.
    await new Promise((r) => setTimeout(r, 7_000));
    for (const w of watched) {
      expect(await sessionOf(w.api, w.sessionId)).toMatchObject({ state: 'ready', hostId, readyAt: w.readyAt });
      expect((await w.v.capture()).distinctColours).toBeGreaterThan(2);
    }
    const live = (await admin.get('/api/v1/admin/sessions?state=starting,ready,lost')).body as { id: string }[];
    expect(live.map((x) => x.id).sort()).toEqual(watched.map((w) => w.sessionId).sort());
    for (const g of gateways) await connectedEverywhere([await signIn(g.url, 'admin', ADMIN_PASSWORD)], hostId);
  }, 240_000);

  it('PostgreSQL stopped under several gateways: open displays draw, the API says 503 clearly, all recover by themselves', async () => {
    const admin = await signIn(lb!.url, 'admin', ADMIN_PASSWORD);
    const s = await launchDesktop(admin, lb!.url);
    const w: Watched = { api: admin, sessionId: s.id, v: (await drawing(admin, s.id)).v, readyAt: (await sessionOf(admin, s.id)).readyAt };
    const pool = await defaultPool(admin);

    await pgc.down();
    const downAt = Date.now();
    try {
      // Each gateway answers for itself, and haproxy once it has marked them all down.
      for (const g of gateways) expect((await fetch(`${g.url}/api/v1/sessions`, { headers: { cookie: admin.cookie } })).status).toBe(503);
      const launch = () =>
        fetch(`${lb!.url}/api/v1/sessions`, {
          method: 'POST',
          headers: { cookie: admin.cookie, 'content-type': 'application/json' },
          body: JSON.stringify({ poolId: pool }),
        });
      const refused = await until(
        'haproxy marked every gateway down',
        async () => {
          const r = await launch();
          const body = (await r.json()) as { error?: { code: string; message: string } };
          return r.status === 503 && body.error?.code === 'no_gateway_ready' ? { r, body } : null;
        },
        15_000,
        250,
      );
      expect(refused.body.error!.message).toMatch(/database may be unreachable.*try again/);
      expect(refused.r.headers.get('retry-after')).toBe('5');
      // The display needs no database: a full update still comes from the desktop.
      expect((await w.v.capture()).distinctColours).toBeGreaterThan(2);
      expect(w.v.closeInfo).toBeNull();
      // Longer than the agent timeout (15 s) and than the gateways' silence limit for each other (15 s).
      await new Promise((r) => setTimeout(r, Math.max(0, 20_000 - (Date.now() - downAt))));
      expect((await w.v.capture()).distinctColours).toBeGreaterThan(2);
    } finally {
      await pgc.up();
    }

    await until('the API through haproxy again', async () => (await admin.get('/api/v1/sessions')).status === 200, 30_000, 250);
    for (const g of gateways)
      await until('each gateway ready again', async () => (await fetch(`${g.url}/readyz`)).status === 200, 30_000, 250);
    expect(w.v.closeInfo).toBeNull();
    expect((await w.v.capture()).distinctColours).toBeGreaterThan(2);
    // Past the pool's 5 s grace: nothing decided after the outage that the session was left.
    await new Promise((r) => setTimeout(r, 7_000));
    expect(w.v.closeInfo).toBeNull();
    expect(await sessionOf(admin, s.id)).toMatchObject({ state: 'ready', hostId, readyAt: w.readyAt });
    // New work again: a second display of the same session opens through haproxy.
    expect((await drawing(admin, s.id)).v.width).toBeGreaterThan(0);
    for (const g of gateways) await connectedEverywhere([await signIn(g.url, 'admin', ADMIN_PASSWORD)], hostId);
  }, 180_000);

  it('every gateway moved to a new address while the agent was cut off: it comes back through haproxy', async () => {
    const before = await signIn(lb!.url, 'admin', ADMIN_PASSWORD);
    expect((await before.call('PATCH', `/api/v1/admin/pools/${await defaultPool(before)}`, { graceS: 300 })).status).toBe(200);
    const mine = (await before.get('/api/v1/sessions')).body as { session: { id: string; state: string; readyAt: string } }[];
    const live = mine.map((x) => x.session).filter((x) => x.state === 'ready');
    expect(live.length).toBeGreaterThan(0);
    const port = Number(new URL(lb!.url).port);
    await lb!.stop();
    for (const g of gateways) await g.term();
    for (let i = 0; i < gateways.length; i++) gateways[i] = await startGatewayProcess(store, VAULT_KEY, await freePort());
    lb = await startHaproxy(
      gateways.map((g) => new URL(g.url).host),
      port,
    );
    // The agent's links all dial addresses that are gone; after 2 s it dials haproxy again and follows the new list.
    const apis = await Promise.all(gateways.map((g) => signIn(g.url, 'admin', ADMIN_PASSWORD)));
    await until(
      'the agent connected to every new gateway',
      async () => {
        for (const api of apis) {
          const hosts = (await api.get('/api/v1/admin/hosts')).body as { id: string; connected: boolean; state: string }[];
          if (!hosts.some((h) => h.id === hostId && h.connected && h.state === 'online')) return false;
        }
        return true;
      },
      60_000,
      250,
    );
    const admin = await signIn(lb.url, 'admin', ADMIN_PASSWORD);
    for (const s of live) {
      expect(await sessionOf(admin, s.id)).toMatchObject({ state: 'ready', hostId, readyAt: s.readyAt });
      expect((await drawing(admin, s.id)).v.width).toBeGreaterThan(0);
    }
  }, 180_000);
});
