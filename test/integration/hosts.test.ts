// Two hosts, each a real `bin/deskport agent` process with the process driver, against a real
// gateway: placement (breadth, depth), drain, cordon, limits, no capacity, warm spares,
// entitlements, and an agent killed with -9 and restarted.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from '../helpers/cluster.ts';
import {
  ADMIN_PASSWORD,
  signIn,
  startTestGateway,
  ticket,
  type Api,
  type SessionJson,
  type TestGateway,
  endLiveSessions,
} from '../helpers/gateway.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';

let t: TestGateway;
let admin: Api;
let alpha: TestAgent;
let beta: TestAgent;
let poolId: string;
const users: Api[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  t = await startTestGateway({ embeddedAgent: false, env: { DESKPORT_AGENT_TIMEOUT_S: '2' } });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  [alpha, beta] = await Promise.all([
    startAgent(admin, t.url, 'alpha', { maxDesktops: 2 }),
    startAgent(admin, t.url, 'beta', { maxDesktops: 2 }),
  ]);
  poolId = ((await admin.get('/api/v1/admin/pools')).body as { id: string }[])[0]!.id;
  for (let i = 0; i < 5; i++) {
    const r = await admin.post('/api/v1/admin/users', { username: `user${i}`, password: `password-${i}-x`, roles: ['user'] });
    expect(r.status).toBe(201);
    users.push(await signIn(t.url, `user${i}`, `password-${i}-x`));
  }
}, 60_000);

afterEach(async () => {
  await admin.post(`/api/v1/admin/hosts/${alpha.hostId}/uncordon`);
  await admin.post(`/api/v1/admin/hosts/${beta.hostId}/uncordon`);
  await patchPool({ placement: 'breadth', minWarm: 0, maxPerUser: 3, groups: [] });
  const live = (await admin.get('/api/v1/admin/sessions?state=starting,ready,lost')).body as { id: string }[];
  for (const s of live) await admin.del(`/api/v1/admin/sessions/${s.id}`);
  await waitFor(
    async () => ((await admin.get('/api/v1/admin/hosts')).body as { connected: boolean }[]).filter((h) => h.connected).length === 2,
  );
});

afterAll(async () => {
  if (admin) {
    await endLiveSessions(admin);
    await patchPool({ minWarm: 0 }).catch(() => undefined);
    await sleep(1500); // let the sweep remove spares
  }
  await alpha?.cleanup();
  await beta?.cleanup();
  await t?.cleanup();
}, 60_000);

async function patchPool(patch: Record<string, unknown>, id = poolId) {
  const r = await admin.call('PATCH', `/api/v1/admin/pools/${id}`, patch);
  if (r.status !== 200) throw new Error(`pool patch failed: ${r.status} ${JSON.stringify(r.body)}`);
}

async function waitFor(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(100);
  }
}

async function launch(api: Api, pool = poolId): Promise<{ status: number; session: SessionJson; body: unknown }> {
  const r = await api.post('/api/v1/sessions', { poolId: pool });
  const session = (r.body as { session: SessionJson }).session;
  if (r.status !== 201 && r.status !== 200) return { status: r.status, session, body: r.body };
  let s = session;
  await waitFor(async () => {
    s = ((await api.get(`/api/v1/sessions/${s.id}`)).body as { session: SessionJson }).session;
    return s.state !== 'starting';
  });
  return { status: r.status, session: s, body: r.body };
}

const errorCode = (body: unknown) => (body as { error: { code: string } }).error.code;

describe('placement across two hosts', () => {
  it('breadth spreads desktops over hosts', async () => {
    const a = await launch(users[0]!);
    const b = await launch(users[1]!);
    expect([a.session.state, b.session.state]).toEqual(['ready', 'ready']);
    expect(new Set([a.session.hostId, b.session.hostId])).toEqual(new Set([alpha.hostId, beta.hostId]));
    const hosts = (await admin.get('/api/v1/admin/hosts')).body as { id: string; desktops: number; capacity: { desktops: number } }[];
    expect(hosts.map((h) => `${h.desktops}/${h.capacity.desktops}`)).toEqual(['1/2', '1/2']);
  });

  it('depth fills one host before the next', async () => {
    await patchPool({ placement: 'depth' });
    const a = await launch(users[0]!);
    const b = await launch(users[1]!);
    expect(a.session.hostId).toBe(b.session.hostId);
    const c = await launch(users[2]!);
    expect(c.session.hostId).not.toBe(a.session.hostId);
  });

  it('answers 503 no_capacity when every host is full', async () => {
    for (let i = 0; i < 4; i++) expect((await launch(users[i]!)).session.state).toBe('ready');
    const full = await launch(users[4]!);
    expect(full.status).toBe(503);
    expect(errorCode(full.body)).toBe('no_capacity');
  });

  it('a drained or cordoned host gets no new desktops, and its running ones stay', async () => {
    const first = await launch(users[0]!);
    const on = first.session.hostId === alpha.hostId ? alpha : beta;
    const other = on === alpha ? beta : alpha;
    expect((await admin.post(`/api/v1/admin/hosts/${on.hostId}/drain`)).status).toBe(200);
    const second = await launch(users[1]!);
    expect(second.session.hostId).toBe(other.hostId);
    expect((await admin.post(`/api/v1/admin/hosts/${other.hostId}/cordon`)).status).toBe(200);
    expect((await launch(users[2]!)).status).toBe(503);
    const still = ((await users[0]!.get(`/api/v1/sessions/${first.session.id}`)).body as { session: SessionJson }).session;
    expect(still.state).toBe('ready');
    expect((await admin.post(`/api/v1/admin/hosts/${on.hostId}/uncordon`)).status).toBe(200);
    expect((await launch(users[2]!)).session.hostId).toBe(on.hostId);
  });
});

describe('limits and entitlements', () => {
  it('maxPerUser counts live sessions across pools', async () => {
    const second = (await admin.post('/api/v1/admin/pools', { name: 'Second', driver: 'process', protocol: 'vnc', maxPerUser: 1 }))
      .body as { id: string };
    await patchPool({ maxPerUser: 1 });
    expect((await launch(users[0]!)).session.state).toBe('ready');
    const r = await launch(users[0]!, second.id);
    expect(r.status).toBe(409);
    expect(errorCode(r.body)).toBe('limit_reached');
    expect((await admin.del(`/api/v1/admin/pools/${second.id}`)).status).toBe(204);
  });

  it('a pool entitled to a group is invisible and unlaunchable for others', async () => {
    const g = (await admin.post('/api/v1/admin/groups', { name: 'staff' })).body as { id: string };
    await patchPool({ groups: [g.id] });
    const pools = (await users[0]!.get('/api/v1/pools')).body as unknown[];
    expect(pools).toHaveLength(0);
    const r = await launch(users[0]!);
    expect(r.status).toBe(404);
    await patchPool({ groups: [] });
    expect((await admin.del(`/api/v1/admin/groups/${g.id}`)).status).toBe(204);
  });
});

describe('warm spares on real hosts', () => {
  it('a launch claims a running spare at once; a replacement follows', async () => {
    await patchPool({ minWarm: 1 });
    await waitFor(async () => (await countSpares()) === 1);
    const r = await users[0]!.post('/api/v1/sessions', { poolId });
    expect(r.status).toBe(201);
    expect((r.body as { session: SessionJson }).session.state).toBe('ready');
    await waitFor(async () => (await countSpares()) === 1);
  });
});

async function countSpares(): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(/^deskport_warm_spares\{state="running"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

describe('failures', () => {
  it('an agent killed with -9 loses its sessions; when it comes back they are ready again', async () => {
    const s = await launch(users[0]!);
    const agent = s.session.hostId === alpha.hostId ? alpha : beta;
    await agent.kill('SIGKILL');
    await waitFor(
      async () => ((await users[0]!.get(`/api/v1/sessions/${s.session.id}`)).body as { session: SessionJson }).session.state === 'lost',
    );
    const hosts = (await admin.get('/api/v1/admin/hosts')).body as { id: string; state: string }[];
    expect(hosts.find((h) => h.id === agent.hostId)?.state).toBe('unreachable');
    await agent.restart(t.url);
    await waitFor(
      async () => ((await users[0]!.get(`/api/v1/sessions/${s.session.id}`)).body as { session: SessionJson }).session.state === 'ready',
    );
    const v = await RfbViewer.open(t.url, await ticket(users[0]!, s.session.id));
    await v.handshake();
    expect((await v.capture()).distinctColours).toBeGreaterThan(2);
    v.close();
  });

  it('an agent that goes silent (stopped, socket open) is dropped after the heartbeat timeout, then recovers', async () => {
    const s = await launch(users[1]!);
    const agent = s.session.hostId === alpha.hostId ? alpha : beta;
    const state = async () => ((await users[1]!.get(`/api/v1/sessions/${s.session.id}`)).body as { session: SessionJson }).session.state;
    agent.child.kill('SIGSTOP');
    try {
      await sleep(800);
      expect(await state()).toBe('ready'); // a short pause is not a failure
      await waitFor(async () => (await state()) === 'lost', 10_000);
    } finally {
      agent.child.kill('SIGCONT');
    }
    await waitFor(async () => (await state()) === 'ready', 20_000);
  });
});
