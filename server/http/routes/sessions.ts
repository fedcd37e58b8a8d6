// Desktops for the signed-in user: entitled pools, launch/resume, progress events (SSE), display
// tickets and ending. API.md "Desktops for the signed-in user".
import { Router } from 'express';
import { z } from 'zod';
import { clientAddress, principalOf } from '../auth-middleware.ts';
import { entitled, type Broker } from '../../broker/broker.ts';
import type { SessionEvents } from '../../broker/session-events.ts';
import type { Store } from '../../store/types.ts';
import { notFound, DomainError } from '../../errors.ts';
import { parse } from '../validate.ts';

const launchBody = z.object({ poolId: z.string().min(1).max(64) }).strict();
const ticketBody = z.object({ mode: z.enum(['control', 'view']).default('control') }).strict();
const idParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id');
const SSE_KEEPALIVE_MS = 15_000;

export function createSessionRouter(deps: { store: Store; broker: Broker; events: SessionEvents }): Router {
  const { store, broker } = deps;
  const r = Router();

  r.get('/pools', async (_req, res) => {
    const { user } = principalOf(res);
    const pools = (await store.listPools()).filter((p) => entitled(user, p));
    res.json(pools.map((p) => ({ id: p.id, name: p.name, description: p.description, protocol: p.protocol, driver: p.driver, persistence: p.persistence, graceS: p.graceS, idleTimeoutS: p.idleTimeoutS, maxLifetimeS: p.maxLifetimeS })));
  });

  r.post('/sessions', async (req, res) => {
    const { user } = principalOf(res);
    const { poolId } = parse(launchBody, req.body);
    const { session, created } = await broker.launch(user, poolId, clientAddress(req));
    res.status(created ? 201 : 200).json({ session: broker.view(session) });
  });

  r.get('/sessions', async (_req, res) => {
    const { user } = principalOf(res);
    const sessions = await store.listSessions({ userId: user.id, limit: 100 });
    res.json(sessions.map((s) => ({ session: broker.view(s) })));
  });

  r.get('/sessions/:id', async (req, res) => {
    const s = await broker.visible(principalOf(res).user, parse(idParam, req.params.id, 'session id'));
    res.json({ session: broker.view(s) });
  });

  r.get('/sessions/:id/events', async (req, res) => {
    const { user } = principalOf(res);
    const s = await broker.visible(user, parse(idParam, req.params.id, 'session id'));
    if (res.writableEnded || req.socket.destroyed) return; // the client left while we looked it up
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    // Headers go out on first use, so that a refused stream can still answer 429 in the error shape.
    const open = () => {
      if (res.headersSent) return;
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      send('state', { session: broker.view(s) });
    };
    if (s.state === 'ended' || s.state === 'failed') {
      open();
      return void res.end();
    }
    let keepalive: NodeJS.Timeout | undefined;
    let unsubscribe: (() => void) | null = null;
    const stop = () => {
      clearInterval(keepalive);
      unsubscribe?.();
      unsubscribe = null;
    };
    const evicted = () => {
      stop();
      res.end(`event: error\ndata: ${JSON.stringify({ message: 'replaced by a newer stream of yours' })}\n\n`);
    };
    const sub = deps.events.subscribe(s.id, { userId: user.id, owner: s.userId === user.id, onEvicted: evicted }, (e) => {
      open();
      if (e.kind === 'progress') return void send('progress', { step: e.step, message: e.message, at: e.at });
      if (e.kind === 'shadow') return void send('shadow', { shadow: e.shadow });
      send('state', { session: e.session });
      // Nothing more will happen to a finished session: close the stream instead of idling.
      if (e.session.state === 'ended' || e.session.state === 'failed') {
        stop();
        res.end();
      }
    });
    if (!sub.ok) throw new DomainError('throttled', 'too_many_streams', sub.reason);
    unsubscribe = sub.unsubscribe;
    res.on('close', stop);
    open();
    keepalive = setInterval(() => res.write(': keepalive\n\n'), SSE_KEEPALIVE_MS);
  });

  r.post('/sessions/:id/tickets', async (req, res) => {
    const { user } = principalOf(res);
    const { mode } = parse(ticketBody, req.body ?? {});
    const id = parse(idParam, req.params.id, 'session id');
    const t = await broker.issueTicket(user, id, mode, clientAddress(req));
    res.status(201).json({ ticket: t.ticket, url: `/ws/vnc?ticket=${t.ticket}`, protocol: 'vnc', mode, expiresAt: new Date(t.expiresAt).toISOString() });
  });

  r.delete('/sessions/:id', async (req, res) => {
    const { user } = principalOf(res);
    const s = await broker.visible(user, parse(idParam, req.params.id, 'session id'));
    if (s.userId !== user.id) throw notFound('session'); // staff end others' sessions through /admin
    await broker.end(s.id, { username: user.username, ip: clientAddress(req) }, 'user');
    res.status(204).end();
  });

  return r;
}
