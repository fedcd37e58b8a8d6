// Administration of pools, hosts and live sessions (role admin). Users and groups live in
// admin-users.ts. Every change is audited with the admin as actor.
import { Router } from 'express';
import { z } from 'zod';
import type { Audit } from '../../audit.ts';
import type { AccessChanges } from '../../auth/deps.ts';
import { clientAddress, principalOf } from '../auth-middleware.ts';
import type { Broker } from '../../broker/broker.ts';
import type { Clock } from '../../clock.ts';
import type { Host, Pool, SessionState, Store } from '../../store/types.ts';
import { newId, secretToken, sha256 } from '../../util/random.ts';
import { conflict, notFound, invalid } from '../../errors.ts';
import { parse } from '../validate.ts';

const poolFields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().max(500),
  driver: z.enum(['process', 'docker', 'qemu', 'static']),
  protocol: z.enum(['vnc', 'rdp']),
  image: z.string().max(256).nullable(),
  cpu: z.number().positive().max(256).nullable(),
  memoryMb: z.number().int().min(64).max(1 << 22).nullable(),
  minWarm: z.number().int().min(0).max(1000),
  maxDesktops: z.number().int().min(1).max(100_000),
  maxPerUser: z.number().int().min(1).max(100),
  idleTimeoutS: z.number().int().min(0).max(30 * 86400),
  graceS: z.number().int().min(0).max(30 * 86400),
  maxLifetimeS: z.number().int().min(0).max(365 * 86400),
  persistence: z.enum(['pooled', 'personal']),
  placement: z.enum(['breadth', 'depth']),
  groups: z.array(z.string().max(64)).max(100),
  shadowWithoutConsent: z.boolean(),
};
export const POOL_DEFAULTS = { description: '', image: null, cpu: null, memoryMb: null, minWarm: 0, maxDesktops: 50, maxPerUser: 3, idleTimeoutS: 3600, graceS: 600, maxLifetimeS: 12 * 3600, persistence: 'pooled', placement: 'breadth', groups: [], shadowWithoutConsent: false } as const;
const createPool = z.object({ ...poolFields, ...Object.fromEntries(Object.entries(poolFields).filter(([k]) => k in POOL_DEFAULTS).map(([k, v]) => [k, v.optional()])) }).strict();
const patchPool = z.object(poolFields).partial().strict();
const idParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id');
const STATES = ['starting', 'ready', 'ending', 'ended', 'failed', 'lost'] as const;
const sessionQuery = z.object({
  state: z.string().max(100).optional().transform((s) => (s ? s.split(',') : undefined)).pipe(z.array(z.enum(STATES)).optional()),
  userId: idParam.optional(), poolId: idParam.optional(), hostId: idParam.optional(),
});

export function hostView(h: Host) {
  const { credentialHash: _omit, ...rest } = h;
  return { ...rest, lastHeartbeatAt: h.lastHeartbeatAt ? new Date(h.lastHeartbeatAt).toISOString() : null, createdAt: new Date(h.createdAt).toISOString() };
}

export interface AdminRouterDeps {
  store: Store;
  broker: Broker;
  audit: Audit;
  access: AccessChanges;
  clock: Clock;
  connected: (hostId: string) => boolean;
  /** Cuts a deleted host's agent off now (control connection and display streams). */
  removeHost: (hostId: string, reason: string) => { control: boolean; streams: number };
  history: () => unknown;
}

export function createAdminRouter(deps: AdminRouterDeps): Router {
  const { store, audit, clock } = deps;
  const r = Router();
  const actor = (res: Parameters<typeof principalOf>[0]) => principalOf(res).user.username;

  r.get('/sessions', async (req, res) => {
    const q = parse(sessionQuery, req.query, 'query');
    const sessions = await store.listSessions({ ...(q.state ? { state: q.state as SessionState[] } : {}), ...(q.userId ? { userId: q.userId } : {}), ...(q.poolId ? { poolId: q.poolId } : {}), ...(q.hostId ? { hostId: q.hostId } : {}) });
    const [users, pools, hosts] = await Promise.all([store.listUsers(), store.listPools(), store.listHosts()]);
    const uname = new Map(users.map((u) => [u.id, u.username]));
    const pname = new Map(pools.map((p) => [p.id, p.name]));
    const hname = new Map(hosts.map((h) => [h.id, h.name]));
    res.json(sessions.map((s) => ({ ...deps.broker.view(s), desktopId: s.desktopId, username: uname.get(s.userId) ?? null, poolName: pname.get(s.poolId) ?? null, hostName: s.hostId ? (hname.get(s.hostId) ?? null) : null })));
  });
  r.delete('/sessions/:id', async (req, res) => {
    const id = parse(idParam, req.params.id, 'session id');
    await deps.broker.end(id, { username: actor(res), ip: clientAddress(req) }, 'admin');
    res.status(204).end();
  });

  r.get('/pools', async (_req, res) => res.json(await store.listPools()));
  r.get('/pools/:id', async (req, res) => {
    const p = await store.getPool(parse(idParam, req.params.id, 'pool id'));
    if (!p) throw notFound('pool');
    res.json(p);
  });
  /** Entitled groups must exist: a typo would silently make a pool usable by nobody. */
  async function checkGroups(ids: readonly string[] | undefined): Promise<void> {
    if (!ids?.length) return;
    const known = new Set((await store.listGroups()).map((g) => g.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) throw invalid(`Please check the groups: no group has the id ${unknown.join(', ')}.`, [{ field: 'groups', problem: `unknown group id ${unknown.join(', ')}` }]);
  }

  r.post('/pools', async (req, res) => {
    const body = parse(createPool, req.body);
    await checkGroups(body.groups);
    if (await store.getPoolByName(body.name)) throw conflict('name_taken', `A pool named “${body.name}” exists already.`);
    const pool = await store.createPool({ ...POOL_DEFAULTS, ...body, groups: [...(body.groups ?? [])], id: newId('p'), createdAt: clock.now() } as Pool);
    await audit.record({ actor: actor(res), action: 'pool.create', target: pool.id, result: 'ok', ip: clientAddress(req), details: { name: pool.name } });
    res.status(201).json(pool);
  });
  r.patch('/pools/:id', async (req, res) => {
    const id = parse(idParam, req.params.id, 'pool id');
    const patch = parse(patchPool, req.body);
    await checkGroups(patch.groups);
    if (patch.name !== undefined) {
      const other = await store.getPoolByName(patch.name);
      if (other && other.id !== id) throw conflict('name_taken', `A pool named “${patch.name}” exists already.`);
    }
    const pool = await store.updatePool(id, patch);
    if (!pool) throw notFound('pool');
    await audit.record({ actor: actor(res), action: 'pool.update', target: id, result: 'ok', ip: clientAddress(req), details: { fields: Object.keys(patch) } });
    // Fewer entitled groups: people left outside lose their desktops in this pool now (broker/access.ts).
    if (patch.groups !== undefined) await deps.access.poolChanged(id, { actor: actor(res), ip: clientAddress(req), cause: 'pool.update' });
    res.json(pool);
  });
  r.delete('/pools/:id', async (req, res) => {
    const id = parse(idParam, req.params.id, 'pool id');
    if ((await store.countLiveSessions({ poolId: id })) > 0) throw conflict('pool_in_use', 'The pool has live sessions; end them first.');
    if (!(await store.deletePool(id))) throw notFound('pool');
    await audit.record({ actor: actor(res), action: 'pool.delete', target: id, result: 'ok', ip: clientAddress(req), details: {} });
    res.status(204).end();
  });

  r.get('/hosts', async (_req, res) => {
    const hosts = await store.listHosts();
    const load = await store.countDesktopsByHost(['creating', 'running', 'stopping']);
    res.json(hosts.map((h) => ({ ...hostView(h), connected: deps.connected(h.id), ...(load.get(h.id) ?? { desktops: 0, spares: 0 }) })));
  });
  r.post('/hosts/enrollments', async (req, res) => {
    const token = secretToken('dpe_');
    const expiresAt = clock.now() + 3600_000;
    await store.createEnrollmentToken({ hash: sha256(token), createdAt: clock.now(), expiresAt, usedAt: null });
    await audit.record({ actor: actor(res), action: 'host.enrollment_token', target: null, result: 'ok', ip: clientAddress(req), details: {} });
    res.status(201).json({ token, expiresAt: new Date(expiresAt).toISOString() });
  });
  for (const [verb, state] of [['drain', 'draining'], ['cordon', 'cordoned'], ['uncordon', 'online']] as const) {
    r.post(`/hosts/:id/${verb}`, async (req, res) => {
      const id = parse(idParam, req.params.id, 'host id');
      const h = await store.getHost(id);
      if (!h) throw notFound('host');
      const next = state === 'online' && !deps.connected(id) ? 'unreachable' : state;
      const updated = await store.updateHost(id, { state: next });
      await audit.record({ actor: actor(res), action: `host.${verb}`, target: id, result: 'ok', ip: clientAddress(req), details: {} });
      res.json({ ...hostView(updated!), connected: deps.connected(id) });
    });
  }
  // Deleting a host revokes it: its credential goes with the record, and its agent is cut off now
  // (a close the agent takes as final, docs/agent-protocol.md). A host that runs desktops is
  // refused, so a deleted host has no live sessions; any it had would go `lost` as for a host
  // that dropped its connection, and end after the pool's grace.
  r.delete('/hosts/:id', async (req, res) => {
    const id = parse(idParam, req.params.id, 'host id');
    if ((await store.countDesktops({ hostId: id, state: ['creating', 'running', 'stopping'] })) > 0) throw conflict('host_in_use', 'The host still runs desktops; drain it first.');
    const host = await store.getHost(id);
    if (!host || !(await store.deleteHost(id))) throw notFound('host');
    const cut = deps.removeHost(id, `host ${host.name} was deleted by an administrator`);
    await audit.record({ actor: actor(res), action: 'host.delete', target: id, result: 'ok', ip: clientAddress(req), details: { name: host.name, disconnected: cut.control, streamsClosed: cut.streams } });
    res.status(204).end();
  });

  r.get('/audit', async (req, res) => {
    const q = parse(z.object({ since: z.string().optional(), actor: z.string().max(128).optional(), action: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(1000).optional(), format: z.enum(['json', 'csv']).optional() }), req.query, 'query');
    const since = q.since ? Date.parse(q.since) : undefined;
    const rows = (await store.listAudit({ ...(since && !Number.isNaN(since) ? { since } : {}), ...(q.actor ? { actor: q.actor } : {}), ...(q.action ? { action: q.action } : {}), limit: q.limit ?? (q.format === 'csv' ? 1000 : 100) }))
      .map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
    if (q.format !== 'csv') return void res.json(rows);
    await audit.record({ actor: actor(res), action: 'audit.export', target: null, result: 'ok', ip: clientAddress(req), details: { rows: rows.length } });
    res.set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="deskport-audit.csv"' });
    res.send(toCsv(['id', 'at', 'actor', 'action', 'target', 'result', 'ip', 'details'], rows.map((e) => [e.id, e.at, e.actor, e.action, e.target, e.result, e.ip, JSON.stringify(e.details)])));
  });

  r.get('/metrics/history', (_req, res) => void res.json(deps.history()));
  return r;
}

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function toCsv(header: string[], rows: unknown[][]): string {
  const cell = (v: unknown): string => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
