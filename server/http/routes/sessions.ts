// Desktops for the signed-in user: entitled pools, launch/resume, progress events (SSE), display
// tickets and ending. API.md "Desktops for the signed-in user", contract/api/desktops.ts.
import { Router } from 'express';
import type { z } from 'zod/mini';
import { LaunchBody, TicketBody, type SESSION_EVENTS, type SessionAnswer, type TicketAnswer } from '../../../contract/api/desktops.ts';
import { FINAL_SESSION_STATES, Id } from '../../../contract/ids.ts';
import { clientAddress, principalOf } from '../auth-middleware.ts';
import type { Broker } from '../../broker/broker.ts';
import { policyOf } from '../../broker/policy.ts';
import type { SessionEvents } from '../../broker/session-events.ts';
import type { Session, Store } from '../../store/types.ts';
import type { DisplayUrl } from '../../display/display-url.ts';
import { DomainError } from '../../errors.ts';
import { parse } from '../validate.ts';

const SSE_KEEPALIVE_MS = 15_000;
const isFinal = (state: Session['state']) => (FINAL_SESSION_STATES as readonly string[]).includes(state);

export function createSessionRouter(deps: { store: Store; broker: Broker; events: SessionEvents; displayUrl: DisplayUrl }): Router {
  const { broker } = deps;
  const r = Router();
  const answer = (s: Session): SessionAnswer => ({ session: broker.view(s) });
  const sessionId = (raw: unknown) => parse(Id, raw, 'session id');

  r.get('/pools', async (_req, res) => {
    res.json(await broker.poolsFor(principalOf(res).user));
  });

  r.post('/sessions', async (req, res) => {
    const { user, session: web } = principalOf(res);
    const body = parse(LaunchBody, req.body);
    const { session, created } =
      body.machineId !== undefined
        ? await broker.connect(user, body.machineId, clientAddress(req), web?.id)
        : await broker.launch(user, body.poolId!, clientAddress(req));
    res.status(created ? 201 : 200).json(answer(session));
  });

  r.get('/sessions', async (_req, res) => {
    res.json((await broker.sessionsOf(principalOf(res).user)).map(answer));
  });

  r.get('/sessions/:id', async (req, res) => {
    const s = await broker.visible(principalOf(res).user, sessionId(req.params.id));
    res.json({ session: { ...broker.view(s), policy: await policyOf(deps.store, s) } } satisfies SessionAnswer);
  });

  r.get('/sessions/:id/events', async (req, res) => {
    const { user } = principalOf(res);
    const s = await broker.visible(user, sessionId(req.params.id));
    if (res.writableEnded || req.socket.destroyed) return; // the client left while we looked it up
    const send = <K extends keyof typeof SESSION_EVENTS>(event: K, data: z.output<(typeof SESSION_EVENTS)[K]>) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    // Headers go out on first use, so that a refused stream can still answer 429 in the error shape.
    const open = () => {
      if (res.headersSent) return;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      send('state', answer(s));
    };
    if (isFinal(s.state)) {
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
      send('error', { message: 'replaced by a newer stream of yours' });
      res.end();
    };
    // Events may have been missed: end the stream without a word; the browser reconnects and reads the session.
    const restart = () => {
      stop();
      res.end();
    };
    const watcher = { userId: user.id, owner: s.userId === user.id, onEvicted: evicted, onRestart: restart };
    const sub = deps.events.subscribe(s.id, watcher, (e) => {
      open();
      if (e.kind === 'progress') return void send('progress', { step: e.step, message: e.message, at: e.at });
      if (e.kind === 'shadow') return void send('shadow', { shadow: e.shadow });
      send('state', { session: e.session });
      // Nothing more will happen to a finished session: close the stream instead of idling.
      if (isFinal(e.session.state)) {
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
    const { user, session: web } = principalOf(res);
    const { mode } = parse(TicketBody, req.body ?? {});
    const t = await broker.issueTicket(user, sessionId(req.params.id), mode, clientAddress(req), web?.id);
    const body: TicketAnswer = {
      ticket: t.ticket,
      ...(await deps.displayUrl(sessionId(req.params.id), t.ticket)),
      mode,
      expiresAt: new Date(t.expiresAt).toISOString(),
    };
    res.status(201).json(body);
  });

  r.delete('/sessions/:id', async (req, res) => {
    const { user } = principalOf(res);
    await broker.endOwn(user, sessionId(req.params.id), clientAddress(req));
    res.status(204).end();
  });

  return r;
}
