// The agent hub and a real agent runtime over loopback WebSockets, with a SCRIPTED FAKE driver
// (no desktops): enrollment, the kept credential, requests and replies, desktop events,
// replacement of a stale connection, reconnection, refusals, and cutting off a removed host.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startAgent, type Agent } from '../../agents/agent.ts';
import { createFakeDriver, type FakeDriver } from '../../agents/fake/driver.ts';
import type { DesktopDriver } from '../../agents/driver.ts';
import { CloseCode, type DesktopStateEvent, type Hello } from '../../contract/agent-v1.ts';
import { createAudit } from '../../server/audit.ts';
import { systemClock } from '../../server/clock.ts';
import { createAgentHub, type AgentHub } from '../../server/hub/agent-hub.ts';
import { silentLogger } from '../../server/log.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Host, Store } from '../../server/store/types.ts';
import { secretToken, sha256 } from '../../server/util/random.ts';

let store: Store;
let hub: AgentHub;
let server: Server;
let url: string;
let stateDir: string;
let driver: FakeDriver;
const agents: Agent[] = [];
const seen: { connected: Hello[]; disconnected: string[]; states: DesktopStateEvent[] } = { connected: [], disconnected: [], states: [] };

async function listen(): Promise<void> {
  server = createServer((_q, r) => r.end());
  server.on('upgrade', (req, socket, head) => {
    if (!hub.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

function makeHub(): AgentHub {
  const h = createAgentHub({ store, clock: systemClock, log: silentLogger(), audit: createAudit(store, silentLogger()) });
  h.setEvents({
    hostConnected: async (_host: Host, hello: Hello) => void seen.connected.push(hello),
    hostDisconnected: async (id: string) => void seen.disconnected.push(id),
    desktopState: async (_id: string, e: DesktopStateEvent) => void seen.states.push(e),
  });
  return h;
}

async function enrollmentToken(): Promise<string> {
  const token = secretToken('dpe_');
  await store.createEnrollmentToken({ hash: sha256(token), createdAt: Date.now(), expiresAt: Date.now() + 60_000, usedAt: null });
  return token;
}

function agent(enrollToken?: string, drivers: DesktopDriver[] = [driver]): Agent {
  const a = startAgent({
    gatewayUrl: url,
    stateDir,
    name: 'host-a',
    drivers,
    log: silentLogger(),
    capacity: { desktops: 4, cpu: 2, memoryMb: 1024 },
    monitorIntervalMs: 50,
    ...(enrollToken ? { enrollToken } : {}),
  });
  agents.push(a);
  return a;
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeEach(async () => {
  store = openSqliteStore({ file: ':memory:' });
  stateDir = mkdtempSync(join(tmpdir(), 'deskport-agent-'));
  driver = createFakeDriver();
  seen.connected = [];
  seen.disconnected = [];
  seen.states = [];
  hub = makeHub();
  await listen();
});
afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop();
  await hub.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await store.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('agent hub with a real agent', () => {
  it('enrolls once, keeps the credential 0600, and needs no token afterwards', async () => {
    const { hostId } = await agent(await enrollmentToken()).ready;
    const file = join(stateDir, 'agent-credential.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const cred = JSON.parse(readFileSync(file, 'utf8')) as { hostId: string; credential: string };
    expect(cred.hostId).toBe(hostId);
    expect((await store.getHost(hostId))!.credentialHash).toBe(sha256(cred.credential));
    await agents.pop()!.stop();
    const again = await agent().ready;
    expect(again.hostId).toBe(hostId);
    expect(await store.listHosts()).toHaveLength(1);
  });

  it('relays requests and replies, and reports desktops that stop on their own', async () => {
    const { hostId } = await agent(await enrollmentToken()).ready;
    const conn = hub.connection(hostId)!;
    await conn.request({
      type: 'desktop.create',
      driver: 'process',
      spec: { desktopId: 'd-1', secret: 'secret12', persistence: 'pooled' },
    });
    expect(await conn.request({ type: 'desktop.inspect', desktopId: 'd-1' })).toMatchObject({ state: 'running' });
    await expect(
      conn.request({ type: 'desktop.create', driver: 'docker', spec: { desktopId: 'd-2', secret: 'secret12', persistence: 'pooled' } }),
    ).rejects.toMatchObject({ code: 'unsupported_driver' });
    // A network only qemu builds: refused before any desktop starts.
    await expect(
      conn.request({
        type: 'desktop.create',
        driver: 'process',
        spec: { desktopId: 'd-3', secret: 'secret12', persistence: 'pooled', network: 'restricted' },
      }),
    ).rejects.toMatchObject({ code: 'unsupported_network', message: expect.stringMatching(/process driver has no restricted network/) });
    expect(await conn.request({ type: 'desktop.inspect', desktopId: 'd-3' })).toMatchObject({ state: 'gone' });
    driver.crash('d-1');
    await until(() => seen.states.length > 0);
    expect(seen.states[0]).toMatchObject({ desktopId: 'd-1', state: 'stopped' });
  });

  it('reports its inventory at hello and reconnects by itself after the gateway comes back', async () => {
    const { hostId } = await agent(await enrollmentToken()).ready;
    await hub
      .connection(hostId)!
      .request({ type: 'desktop.create', driver: 'process', spec: { desktopId: 'd-9', secret: 'secret12', persistence: 'pooled' } });
    await hub.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    const port = new URL(url).port;
    hub = makeHub();
    server = createServer();
    server.on('upgrade', (req, socket, head) => void hub.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => server.listen(Number(port), '127.0.0.1', r));
    await until(() => hub.connection(hostId) !== undefined, 10_000);
    expect(seen.connected.at(-1)!.inventory.map((i) => i.desktopId)).toEqual(['d-9']);
  });

  it('a newer connection of the same host replaces the older one', async () => {
    const { hostId } = await agent(await enrollmentToken()).ready;
    await agents.pop()!.stop(); // a live agent would dial back in and replace the test's connections
    const cred = (JSON.parse(readFileSync(join(stateDir, 'agent-credential.json'), 'utf8')) as { credential: string }).credential;
    await until(() => hub.connection(hostId) === undefined);
    const older = await welcomed(cred);
    const drops = seen.disconnected.length;
    const olderClosed = new Promise<{ code: number; reason: string }>((r) =>
      older.once('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    const newer = await welcomed(cred);
    expect(await olderClosed).toEqual({ code: CloseCode.Replaced, reason: 'replaced by a newer connection' });
    // The older socket's close must not drop the host: requests now go to the newer connection.
    expect(seen.disconnected).toHaveLength(drops);
    newer.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as { id?: string; type: string };
      if (m.type === 'desktop.inspect')
        newer.send(JSON.stringify({ re: m.id, ok: true, result: { state: 'running', answeredBy: 'newer' } }));
    });
    expect(await hub.connection(hostId)!.request({ type: 'desktop.inspect', desktopId: 'd-1' })).toEqual({
      state: 'running',
      answeredBy: 'newer',
    });
    newer.close();
  });

  it('refuses unknown credentials, used tokens and unknown stream dial-backs before any WebSocket exists', async () => {
    const status = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${url.replace('http', 'ws')}${path}`, { headers });
        ws.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
      });
    expect(await status('/agent/v1/connect', { authorization: 'Bearer nope' })).toBe(401);
    const token = await enrollmentToken();
    await agent(token).ready;
    expect(await status('/agent/v1/connect', { 'x-deskport-enroll': token })).toBe(401);
    expect(await status('/agent/v1/streams/s-123', { 'x-deskport-stream-key': 'k'.repeat(43) })).toBe(401);
  });
});

/** A raw agent connection with the host credential that said hello and was welcomed. */
async function welcomed(credential: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/agent/v1/connect`, { headers: { authorization: `Bearer ${credential}` } });
  await new Promise((r) => ws.once('open', r));
  const welcome = new Promise<void>((resolve) => ws.once('message', () => resolve()));
  ws.send(
    JSON.stringify({
      type: 'hello',
      protocol: 'deskport.agent.v1',
      agentVersion: 't',
      name: 'host-a',
      drivers: ['process'],
      capacity: { desktops: 1, cpu: 1, memoryMb: 1 },
      inventory: [],
    }),
  );
  await welcome;
  return ws;
}

/** The refused upgrade's status and error code, as an agent sees them. */
function refusal(headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/agent/v1/connect`, { headers });
    ws.once('unexpected-response', (_q, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { error: { code: string } }).error.code }));
    });
    ws.once('open', () => (ws.close(), resolve({ status: 101 })));
  });
}

describe('permanent refusals', () => {
  it('names each refused token or credential with its own code', async () => {
    const used = await enrollmentToken();
    await agent(used).ready;
    expect(await refusal({ 'x-deskport-enroll': used })).toEqual({ status: 401, code: 'enrollment_token_used' });
    const old = secretToken('dpe_');
    await store.createEnrollmentToken({
      hash: sha256(old),
      createdAt: Date.now() - 7200_000,
      expiresAt: Date.now() - 3600_000,
      usedAt: null,
    });
    expect(await refusal({ 'x-deskport-enroll': old })).toEqual({ status: 401, code: 'enrollment_token_expired' });
    expect(await refusal({ 'x-deskport-enroll': secretToken('dpe_') })).toEqual({ status: 401, code: 'enrollment_token_unknown' });
    expect(await refusal({ 'x-deskport-enroll': 'x'.repeat(500) })).toEqual({ status: 401, code: 'enrollment_token_unknown' });
    expect(await refusal({ authorization: `Bearer ${secretToken('dph_')}` })).toEqual({ status: 401, code: 'host_credential_unknown' });
    expect(await refusal({})).toEqual({ status: 401, code: 'agent_credentials_missing' });
  });

  it('an agent with a used token stops dialling and says so', async () => {
    const token = await enrollmentToken();
    await agent(token).ready;
    await agents.pop()!.stop();
    rmSync(join(stateDir, 'agent-credential.json'));
    const r = await agent(token).refused;
    expect(r.code).toBe('enrollment_token_used');
    expect(r.message).toBe('the gateway refused the enrollment token (already used): get a new one from Admin → Hosts → Add a host');
  });

  it('a host deleted between its credential check and its hello is closed with 4403, not welcomed', async () => {
    const { hostId } = await agent(await enrollmentToken()).ready;
    await agents.pop()!.stop();
    const cred = (JSON.parse(readFileSync(join(stateDir, 'agent-credential.json'), 'utf8')) as { credential: string }).credential;
    const ws = new WebSocket(`${url.replace('http', 'ws')}/agent/v1/connect`, { headers: { authorization: `Bearer ${cred}` } });
    await new Promise((r) => ws.once('open', r));
    expect(await store.deleteHost(hostId)).toBe(true);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: 'deskport.agent.v1',
        agentVersion: 't',
        name: 'host-a',
        drivers: ['process'],
        capacity: { desktops: 1, cpu: 1, memoryMb: 1 },
        inventory: [],
      }),
    );
    expect(await closed).toBe(4403);
    expect(hub.connection(hostId)).toBeUndefined();
  });

  it('removing a host closes its control connection and its display streams at once, and its agent stops', async () => {
    // A "desktop" that is a TCP server, so a real stream runs agent ↔ gateway.
    const desktopSide: Socket[] = [];
    const vnc = createTcpServer((s) => void desktopSide.push(s));
    await new Promise<void>((r) => vnc.listen(0, '127.0.0.1', r));
    const port = (vnc.address() as { port: number }).port;
    const streaming: DesktopDriver = { ...driver, name: 'process', openStream: async () => connect(port, '127.0.0.1') };
    try {
      const a = agent(await enrollmentToken(), [streaming]);
      const { hostId } = await a.ready;
      await hub
        .connection(hostId)!
        .request({ type: 'desktop.create', driver: 'process', spec: { desktopId: 'd-1', secret: 'secret12', persistence: 'pooled' } });
      const stream = await hub.openStream(hostId, 'd-1');
      await until(() => desktopSide.length === 1);
      const streamClosed = new Promise<number>((r) => stream.once('close', (code) => r(code)));
      const desktopClosed = new Promise<void>((r) => desktopSide[0]!.once('close', () => r()));

      const t0 = Date.now();
      expect(hub.removeHost(hostId, 'host host-a was deleted by an administrator')).toEqual({ control: true, streams: 1 });
      expect(hub.connection(hostId)).toBeUndefined();
      expect(seen.disconnected).toContain(hostId);
      expect(await streamClosed).toBe(4403);
      const r = await a.refused;
      expect(r.code).toBe('host_removed');
      expect(r.message).toContain('(host host-a was deleted by an administrator)');
      await desktopClosed; // the agent's end of the stream let go of the desktop socket too
      expect(Date.now() - t0).toBeLessThan(1000);
      await expect(hub.openStream(hostId, 'd-1')).rejects.toThrow(/not connected/);
    } finally {
      for (const s of desktopSide) s.destroy();
      await new Promise((r) => vnc.close(r));
    }
  });
});
