// Helpdesk (role helpdesk or admin): live sessions with thumbnails, and shadowing with the owner's
// consent (API.md Helpdesk). The owner answers through /shadows/:id/approve|deny; the requester
// gets tickets only in the approved mode. Every route checks roles and ownership on the server.
import { Router } from 'express';
import { z } from 'zod';
import { clientAddress, principalOf, requireRole } from '../auth-middleware.ts';
import type { Broker } from '../../broker/broker.ts';
import { shadowView, type Shadows } from '../../broker/shadows.ts';
import type { Tickets } from '../../broker/tickets.ts';
import type { Store } from '../../store/types.ts';
import { ALL_ROWS } from '../../store/types.ts';
import { conflict, forbidden, notFound, DomainError } from '../../errors.ts';
import { parse } from '../validate.ts';

const idParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id');
const shadowBody = z.object({ mode: z.enum(['view', 'control']), reason: z.string().trim().min(3, 'must say why (at least 3 characters)').max(500) }).strict();

export interface HelpdeskDeps {
  store: Store;
  broker: Broker;
  shadows: Shadows;
  tickets: Tickets;
  thumbnail: (sessionId: string) => Promise<Buffer>;
}

export function createHelpdeskRouter(deps: HelpdeskDeps): Router {
  const { store, broker, shadows } = deps;
  const r = Router();
  const staff = requireRole('helpdesk');

  r.get('/helpdesk/sessions', staff, async (_req, res) => {
    const sessions = await store.listSessions({ state: ['ready'], limit: ALL_ROWS });
    const [users, pools, hosts] = await Promise.all([store.listUsers(), store.listPools(), store.listHosts()]);
    const user = new Map(users.map((u) => [u.id, u]));
    const pool = new Map(pools.map((p) => [p.id, p.name]));
    const host = new Map(hosts.map((h) => [h.id, h.name]));
    res.json(sessions.map((s) => ({
      ...broker.view(s),
      username: user.get(s.userId)?.username ?? null,
      displayName: user.get(s.userId)?.displayName ?? null,
      poolName: pool.get(s.poolId) ?? null,
      hostName: s.hostId ? (host.get(s.hostId) ?? null) : null,
      thumbnailUrl: `/api/v1/helpdesk/sessions/${s.id}/thumbnail`,
      shadows: shadows.activeFor(s.id).map(shadowView),
    })));
  });

  r.get('/helpdesk/sessions/:id/thumbnail', staff, async (req, res) => {
    const id = parse(idParam, req.params.id, 'session id');
    const png = await deps.thumbnail(id);
    res.set({ 'Content-Type': 'image/png', 'Cache-Control': 'private, max-age=2' }).send(png);
  });

  r.post('/sessions/:id/shadow', staff, async (req, res) => {
    const { user } = principalOf(res);
    const body = parse(shadowBody, req.body);
    const s = await store.getSession(parse(idParam, req.params.id, 'session id'));
    if (!s) throw notFound('session');
    const pool = await store.getPool(s.poolId);
    if (!pool) throw notFound('pool');
    const shadow = await shadows.request(user, s, pool, body.mode, body.reason, clientAddress(req));
    res.status(201).json({ shadow: shadowView(shadow) });
  });

  r.get('/sessions/:id/shadows', async (req, res) => {
    const s = await broker.visible(principalOf(res).user, parse(idParam, req.params.id, 'session id'));
    res.json(shadows.activeFor(s.id).map((x) => ({ shadow: shadowView(x) })));
  });

  r.get('/shadows/:id', (req, res) => {
    res.json({ shadow: shadowView(shadows.get(principalOf(res).user, parse(idParam, req.params.id, 'shadow id'))) });
  });

  for (const answer of ['approve', 'deny'] as const) {
    r.post(`/shadows/:id/${answer}`, async (req, res) => {
      const s = await shadows.decide(principalOf(res).user, parse(idParam, req.params.id, 'shadow id'), answer, clientAddress(req));
      res.json({ shadow: shadowView(s) });
    });
  }

  r.post('/shadows/:id/end', async (req, res) => {
    const s = await shadows.end(principalOf(res).user, parse(idParam, req.params.id, 'shadow id'), clientAddress(req));
    res.json({ shadow: shadowView(s) });
  });

  r.post('/shadows/:id/tickets', staff, async (req, res) => {
    const { user } = principalOf(res);
    const s = shadows.get(user, parse(idParam, req.params.id, 'shadow id'));
    if (s.requesterId !== user.id) throw forbidden('Only the helpdesk user who asked may open this shadow.');
    if (s.state === 'pending') throw new DomainError('conflict', 'shadow_pending', 'The person has not answered yet.');
    if (s.state !== 'approved') throw conflict('shadow_not_approved', `This shadow request is ${s.state}.`);
    const t = await deps.tickets.issue(user.id, s.sessionId, s.mode);
    await broker.auditTicket(user, s.sessionId, s.mode, clientAddress(req), s.id);
    res.status(201).json({ ticket: t.ticket, url: `/ws/vnc?ticket=${t.ticket}`, protocol: 'vnc', mode: s.mode, expiresAt: new Date(t.expiresAt).toISOString() });
  });

  return r;
}
