// Helpdesk (role helpdesk or admin): live sessions with thumbnails, and shadowing with the owner's
// consent (API.md Helpdesk, contract/api/desktops.ts). The owner answers through
// /shadows/:id/approve|deny; the requester gets tickets only in the approved mode (server/broker/helpdesk.ts).
import { Router } from 'express';
import { ShadowBody, type HelpdeskSession, type ShadowView, type TicketAnswer } from '../../../contract/api/desktops.ts';
import { ShadowApproveBody } from '../../../contract/api/audio.ts';
import { Id } from '../../../contract/ids.ts';
import { clientAddress, principalOf, requireRole } from '../auth-middleware.ts';
import type { Broker } from '../../broker/broker.ts';
import { createHelpdesk } from '../../broker/helpdesk.ts';
import { shadowView, type Shadows } from '../../broker/shadows.ts';
import type { Tickets } from '../../broker/tickets.ts';
import type { DisplayUrl } from '../../display/display-url.ts';
import type { Store } from '../../store/types.ts';
import { parse } from '../validate.ts';

export interface HelpdeskDeps {
  store: Store;
  broker: Broker;
  shadows: Shadows;
  tickets: Tickets;
  thumbnail: (sessionId: string) => Promise<Buffer>;
  displayUrl: DisplayUrl;
}

export function createHelpdeskRouter(deps: HelpdeskDeps): Router {
  const { broker, shadows } = deps;
  // Built here from the gateway's parts so that the gateway's wiring stays as it is.
  const helpdesk = createHelpdesk(deps);
  const r = Router();
  const staff = requireRole('helpdesk');
  const shadowAnswer = (s: Parameters<typeof shadowView>[0]): { shadow: ShadowView } => ({ shadow: shadowView(s) });

  r.get('/helpdesk/sessions', staff, async (_req, res) => {
    const list: HelpdeskSession[] = await helpdesk.liveSessions();
    res.json(list);
  });

  r.get('/helpdesk/sessions/:id/thumbnail', staff, async (req, res) => {
    const png = await deps.thumbnail(parse(Id, req.params.id, 'session id'));
    res.set({ 'Content-Type': 'image/png', 'Cache-Control': 'private, max-age=2' }).send(png);
  });

  r.post('/sessions/:id/shadow', staff, async (req, res) => {
    const body = parse(ShadowBody, req.body);
    const shadow = await helpdesk.requestShadow(
      principalOf(res).user,
      parse(Id, req.params.id, 'session id'),
      body.mode,
      body.reason,
      clientAddress(req),
    );
    res.status(201).json(shadowAnswer(shadow));
  });

  r.get('/sessions/:id/shadows', async (req, res) => {
    const s = await broker.visible(principalOf(res).user, parse(Id, req.params.id, 'session id'));
    res.json((await shadows.activeFor(s.id)).map(shadowAnswer));
  });

  r.get('/shadows/:id', async (req, res) => {
    res.json(shadowAnswer(await shadows.get(principalOf(res).user, parse(Id, req.params.id, 'shadow id'))));
  });

  for (const answer of ['approve', 'deny'] as const) {
    r.post(`/shadows/:id/${answer}`, async (req, res) => {
      // Approving may also share the desktop's sound ({sound: true}); it is off unless said.
      const sound = answer === 'approve' ? parse(ShadowApproveBody, req.body ?? {}).sound === true : false;
      const id = parse(Id, req.params.id, 'shadow id');
      res.json(shadowAnswer(await shadows.decide(principalOf(res).user, id, answer, clientAddress(req), { sound })));
    });
  }

  r.post('/shadows/:id/end', async (req, res) => {
    res.json(shadowAnswer(await shadows.end(principalOf(res).user, parse(Id, req.params.id, 'shadow id'), clientAddress(req))));
  });

  r.post('/shadows/:id/tickets', staff, async (req, res) => {
    const id = parse(Id, req.params.id, 'shadow id');
    const t = await helpdesk.shadowTicket(principalOf(res).user, id, clientAddress(req));
    const answer: TicketAnswer = {
      ticket: t.ticket,
      ...(await deps.displayUrl(t.sessionId, t.ticket)),
      mode: t.mode,
      expiresAt: new Date(t.expiresAt).toISOString(),
    };
    res.status(201).json(answer);
  });

  return r;
}
