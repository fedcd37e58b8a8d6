import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiskUsageReport } from '../../../contract/agent-v1.ts';
import { HostListItem, HostView, MetricsHistory, Pool } from '../../../contract/api/admin.ts';
import { DEFAULT_SESSION_POLICY } from '../../../contract/api/policy.ts';
import { createAudit } from '../../audit.ts';
import type { Broker } from '../../broker/broker.ts';
import { ManualClock } from '../../clock.ts';
import { silentLogger } from '../../log.ts';
import { createMetricsHistory } from '../../metrics-history.ts';
import { openSqliteStore } from '../../store/sqlite.ts';
import { aHost, aPool, aSession, aUser } from '../../store/store.fixtures.ts';
import type { HostState, Store } from '../../store/types.ts';
import { errorHandler } from '../errors.ts';
import { createAdminRouter } from './admin-fleet.ts';

let store: Store;
let url: string;
let close: () => Promise<void>;
let history: ReturnType<typeof createMetricsHistory>;
const connected = new Set<string>();
const disks = new Map<string, DiskUsageReport>();

beforeEach(async () => {
  const clock = new ManualClock();
  store = openSqliteStore({ file: ':memory:', clock });
  const log = silentLogger();
  history = createMetricsHistory({ store, clock, hostsOnline: () => connected.size });
  const app = express();
  app.use(express.json());
  app.use((_req, res, next) => {
    res.locals.principal = { user: aUser({ username: 'root', roles: ['admin'] }), via: 'session' };
    next();
  });
  app.use(
    createAdminRouter({
      store,
      clock,
      audit: createAudit(store, log),
      broker: {} as Broker,
      access: { userChanged: async () => {}, poolChanged: async () => {} },
      connected: (id) => connected.has(id),
      diskUsage: (id) => disks.get(id),
      removeHost: () => ({ control: false, streams: 0 }),
      history: () => history.answer(),
    }),
  );
  app.use(errorHandler(log));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(async () => {
  connected.clear();
  disks.clear();
  await close();
  await store.close();
});

async function call(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const hostIn = (state: HostState, online = true) => store.createHost(aHost({ state })).then((h) => (online && connected.add(h.id), h));

describe('admin host state changes', () => {
  it('drains, cordons and uncordons a connected host, answering the host view', async () => {
    const h = await hostIn('online');
    for (const [action, state] of [
      ['drain', 'draining'],
      ['cordon', 'cordoned'],
      ['uncordon', 'online'],
      ['uncordon', 'online'],
    ] as const) {
      const r = await call(`/hosts/${h.id}/${action}`, 'POST');
      expect(r.status, action).toBe(200);
      expect(HostView.parse(r.body)).toMatchObject({ id: h.id, state, connected: true });
    }
    expect((await store.listAudit({ action: 'host.drain' })).map((e) => e.target)).toEqual([h.id]);
  });

  it('uncordons a host whose agent is away to unreachable', async () => {
    const h = await hostIn('cordoned', false);
    const r = await call(`/hosts/${h.id}/uncordon`, 'POST');
    expect(r.body).toMatchObject({ state: 'unreachable', connected: false });
  });

  it('refuses to drain or cordon an offline host: 409 host_offline, state and audit untouched', async () => {
    const h = await hostIn('offline', false);
    for (const action of ['drain', 'cordon', 'uncordon']) {
      const r = await call(`/hosts/${h.id}/${action}`, 'POST');
      expect(r.status, action).toBe(409);
      expect(r.body).toMatchObject({ error: { code: 'host_offline' } });
    }
    expect((await store.getHost(h.id))?.state).toBe('offline');
    expect(await store.listAudit({ action: 'host.drain' })).toEqual([]);
  });

  it("lists a host's disk from its agent's last report, and none for a host that reports none", async () => {
    const vm = await hostIn('online');
    const plain = await hostIn('online');
    disks.set(vm.id, {
      bytes: 3 * 2 ** 30,
      desktops: [
        { desktopId: 'd-1', bytes: 2 ** 30 },
        { desktopId: 'd-2', bytes: 2 ** 29 },
      ],
    });
    const list = ((await call('/hosts')).body as unknown[]).map((h) => HostListItem.parse(h));
    expect(list.find((h) => h.id === vm.id)?.disk).toEqual({ bytes: 3 * 2 ** 30, desktops: 2 });
    expect(list.find((h) => h.id === plain.id)).not.toHaveProperty('disk');
  });

  it('is 404 for an unknown host and 400 for a malformed id', async () => {
    expect((await call('/hosts/nope/drain', 'POST')).status).toBe(404);
    expect((await call('/hosts/no%20pe/drain', 'POST')).status).toBe(400);
  });
});

describe('admin pools', () => {
  it('creates a pool with the contract defaults and refuses a taken name', async () => {
    const r = await call('/pools', 'POST', { name: ' Office ', driver: 'docker', protocol: 'vnc', image: 'office:1' });
    expect(r.status).toBe(201);
    expect(Pool.parse(r.body)).toMatchObject({ name: 'Office', maxDesktops: 50, maxPerUser: 3, groups: [], image: 'office:1' });
    expect((await call('/pools', 'POST', { name: 'Office', driver: 'docker', protocol: 'vnc' })).body).toMatchObject({
      error: { code: 'name_taken' },
    });
    expect((await call('/pools', 'POST', { name: 'X', driver: 'docker', protocol: 'vnc', bogus: 1 })).status).toBe(400);
    expect((await call(`/pools/${(r.body as Pool).id}`, 'PATCH', { maxPerUser: 101 })).status).toBe(400);
  });

  it('completes a partial session policy on create, merges a patch field by field, and refuses values out of range', async () => {
    const r = await call('/pools', 'POST', { name: 'Rec', driver: 'process', protocol: 'vnc', policy: { recording: 'on' } });
    expect(r.status).toBe(201);
    const id = (r.body as Pool).id;
    expect(Pool.parse(r.body).policy).toEqual({ ...DEFAULT_SESSION_POLICY, recording: 'on' });
    const p = await call(`/pools/${id}`, 'PATCH', { policy: { fileUpload: false, clipboard: 'to_desktop' } });
    expect(p.status).toBe(200);
    expect(Pool.parse(p.body).policy).toEqual({ ...DEFAULT_SESSION_POLICY, recording: 'on', fileUpload: false, clipboard: 'to_desktop' });
    expect((await store.getPool(id))!.policy.clipboard).toBe('to_desktop');
    expect((await call(`/pools/${id}`, 'PATCH', { policy: { fileMaxMb: 0 } })).status).toBe(400);
    expect((await call(`/pools/${id}`, 'PATCH', { policy: { recording: 'always' } })).status).toBe(400);
    expect((await call(`/pools/${id}`, 'PATCH', { policy: { bogus: true } })).status).toBe(400);
    const [updated] = await store.listAudit({ action: 'pool.update' });
    expect(updated!.details).toMatchObject({ policy: { fileUpload: false, clipboard: 'to_desktop' } });
  });
});

describe('admin metrics history', () => {
  it('answers the live counts now, not the last sampled point', async () => {
    const user = await store.createUser(aUser());
    const pool = await store.createPool(aPool());
    await history.sample(); // a point with nothing running
    await store.createSession(aSession(user.id, pool.id, { state: 'ready' }));
    await store.createSession(aSession(user.id, pool.id, { state: 'starting' }));
    connected.add('h1');
    const r = MetricsHistory.parse((await call('/metrics/history')).body);
    expect(r.points.at(-1)?.sessions.ready).toBe(0);
    expect(r.now).toMatchObject({ sessions: { ready: 1, starting: 1, ending: 0, lost: 0 }, hostsOnline: 1 });
  });
});
