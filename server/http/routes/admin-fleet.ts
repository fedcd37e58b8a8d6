// Administration of pools, hosts and live sessions (role admin). Users and groups live in
// admin-users.ts. Thin: parse with the contract (contract/api/admin.ts), call the pool and host
// services (broker/pools.ts, broker/host-admin.ts) or the broker, render.
import { Router } from 'express';
import {
  AdminSessionQuery,
  AUDIT_CSV_HEADER,
  AuditQuery,
  HOST_ACTIONS,
  PoolCreate,
  PoolPatch,
  type AdminSession,
  type HostView,
  type MetricsHistory,
} from '../../../contract/api/admin.ts';
import { Id } from '../../../contract/ids.ts';
import type { Audit } from '../../audit.ts';
import type { AccessChanges } from '../../auth/deps.ts';
import { clientAddress, principalOf } from '../auth-middleware.ts';
import type { Broker } from '../../broker/broker.ts';
import { createHostAdmin } from '../../broker/host-admin.ts';
import { createPoolAdmin } from '../../broker/pools.ts';
import type { Guacd } from '../../guacd/guacd.ts';
import type { Clock } from '../../clock.ts';
import type { Host, Store } from '../../store/types.ts';
import { parse } from '../validate.ts';
import type { DiskUsageReport } from '../../../contract/agent-v1.ts';

export function hostView(h: Host, connected: boolean): HostView {
  const { credentialHash: _omit, ...rest } = h;
  return {
    ...rest,
    lastHeartbeatAt: h.lastHeartbeatAt ? new Date(h.lastHeartbeatAt).toISOString() : null,
    createdAt: new Date(h.createdAt).toISOString(),
    connected,
  };
}

export interface AdminRouterDeps {
  store: Store;
  broker: Broker;
  audit: Audit;
  access: AccessChanges;
  clock: Clock;
  connected: (hostId: string) => boolean;
  /** A connected host's last disk report (agents with disk-keeping drivers), else undefined. */
  diskUsage: (hostId: string) => DiskUsageReport | undefined;
  /** Cuts a deleted host's agent off now (control connection and display streams). */
  removeHost: (hostId: string, reason: string) => { control: boolean; streams: number };
  history: () => Promise<MetricsHistory>;
  /** RDP pools are listed with `unavailable` while guacd is absent or down. */
  guacd?: Guacd;
}

export function createAdminRouter(deps: AdminRouterDeps): Router {
  const { store, audit } = deps;
  const pools = createPoolAdmin(deps);
  const hosts = createHostAdmin(deps);
  const r = Router();
  const actor = (res: Parameters<typeof principalOf>[0]) => principalOf(res).user.username;
  const who = (req: Parameters<typeof clientAddress>[0], res: Parameters<typeof principalOf>[0]) => ({
    actor: actor(res),
    ip: clientAddress(req),
  });

  r.get('/sessions', async (req, res) => {
    const q = parse(AdminSessionQuery, req.query, 'query');
    const sessions = await store.listSessions({
      ...(q.state ? { state: q.state } : {}),
      ...(q.userId ? { userId: q.userId } : {}),
      ...(q.poolId ? { poolId: q.poolId } : {}),
      ...(q.hostId ? { hostId: q.hostId } : {}),
    });
    const [users, poolList, hostList] = await Promise.all([store.listUsers(), store.listPools(), store.listHosts()]);
    const uname = new Map(users.map((u) => [u.id, u.username]));
    const pname = new Map(poolList.map((p) => [p.id, p.name]));
    const hname = new Map(hostList.map((h) => [h.id, h.name]));
    // Per desktop, from each host's last disk report (read once per host, not per session).
    const diskOf = new Map<string, number>();
    for (const h of hostList) for (const d of deps.diskUsage(h.id)?.desktops ?? []) diskOf.set(d.desktopId, d.bytes);
    res.json(
      sessions.map((s): AdminSession => {
        const diskBytes = s.desktopId ? diskOf.get(s.desktopId) : undefined;
        return {
          ...deps.broker.view(s),
          desktopId: s.desktopId,
          username: uname.get(s.userId) ?? null,
          poolName: s.poolId ? (pname.get(s.poolId) ?? null) : null,
          hostName: s.hostId ? (hname.get(s.hostId) ?? null) : null,
          ...(diskBytes !== undefined ? { diskBytes } : {}),
        };
      }),
    );
  });
  r.delete('/sessions/:id', async (req, res) => {
    const id = parse(Id, req.params.id, 'session id');
    await deps.broker.end(id, { username: actor(res), ip: clientAddress(req) }, 'admin');
    res.status(204).end();
  });

  r.get('/pools', async (_req, res) => res.json(await pools.list()));
  r.get('/pools/:id', async (req, res) => res.json(await pools.get(parse(Id, req.params.id, 'pool id'))));
  r.post('/pools', async (req, res) => res.status(201).json(await pools.create(parse(PoolCreate, req.body), who(req, res))));
  r.patch('/pools/:id', async (req, res) => {
    const id = parse(Id, req.params.id, 'pool id');
    res.json(await pools.update(id, parse(PoolPatch, req.body), who(req, res)));
  });
  r.delete('/pools/:id', async (req, res) => {
    await pools.remove(parse(Id, req.params.id, 'pool id'), who(req, res));
    res.status(204).end();
  });

  r.get('/hosts', async (_req, res) => {
    res.json(
      (await hosts.list()).map(({ host, desktops, spares }) => {
        const disk = deps.diskUsage(host.id);
        return {
          ...hostView(host, deps.connected(host.id)),
          desktops,
          spares,
          ...(disk ? { disk: { bytes: disk.bytes, desktops: disk.desktops.length } } : {}),
        };
      }),
    );
  });
  r.post('/hosts/enrollments', async (req, res) => {
    const { token, expiresAt } = await hosts.createEnrollment(who(req, res));
    res.status(201).json({ token, expiresAt: new Date(expiresAt).toISOString() });
  });
  for (const action of HOST_ACTIONS) {
    r.post(`/hosts/:id/${action}`, async (req, res) => {
      const id = parse(Id, req.params.id, 'host id');
      const updated = await hosts.act(id, action, who(req, res));
      res.json(hostView(updated, deps.connected(id)));
    });
  }
  r.delete('/hosts/:id', async (req, res) => {
    await hosts.remove(parse(Id, req.params.id, 'host id'), who(req, res));
    res.status(204).end();
  });

  r.get('/audit', async (req, res) => {
    const q = parse(AuditQuery, req.query, 'query');
    const since = q.since ? Date.parse(q.since) : undefined;
    const rows = (
      await store.listAudit({
        ...(since && !Number.isNaN(since) ? { since } : {}),
        ...(q.actor ? { actor: q.actor } : {}),
        ...(q.action ? { action: q.action } : {}),
        limit: q.limit ?? (q.format === 'csv' ? 1000 : 100),
      })
    ).map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
    if (q.format !== 'csv') return void res.json(rows);
    await audit.record({
      actor: actor(res),
      action: 'audit.export',
      target: null,
      result: 'ok',
      ip: clientAddress(req),
      details: { rows: rows.length },
    });
    res.set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="deskport-audit.csv"' });
    res.send(
      toCsv(
        [...AUDIT_CSV_HEADER],
        rows.map((e) => [e.id, e.at, e.actor, e.action, e.target, e.result, e.ip, JSON.stringify(e.details)]),
      ),
    );
  });

  r.get('/metrics/history', async (_req, res) => void res.json(await deps.history()));
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
