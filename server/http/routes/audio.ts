// Sound tickets (contract/api/audio.ts): the session's owner, or a helpdesk requester on a shadow the
// owner approved with "also share sound". Both audited as `audio.ticket`; the socket is /ws/audio.
import { Router } from 'express';
import type { AudioTicketAnswer } from '../../../contract/api/audio.ts';
import { Id } from '../../../contract/ids.ts';
import type { Audit } from '../../audit.ts';
import type { AudioAccess } from '../../audio/access.ts';
import type { AudioTickets } from '../../audio/tickets.ts';
import { clientAddress, principalOf, requireRole } from '../auth-middleware.ts';
import { parse } from '../validate.ts';

export interface AudioRouteDeps {
  access: AudioAccess;
  tickets: AudioTickets;
  audit: Audit;
}

export function createAudioRouter(deps: AudioRouteDeps): Router {
  const r = Router();
  const answer = (t: { ticket: string; expiresAt: number }): AudioTicketAnswer => ({
    ticket: t.ticket,
    url: `/ws/audio?ticket=${t.ticket}`,
    expiresAt: new Date(t.expiresAt).toISOString(),
  });

  r.post('/sessions/:id/audio-tickets', async (req, res) => {
    const { user } = principalOf(res);
    const { session } = await deps.access.forOwner(user, parse(Id, req.params.id, 'session id'));
    const t = await deps.tickets.issue({ userId: user.id, sessionId: session.id });
    await deps.audit.record({
      actor: user.username,
      action: 'audio.ticket',
      target: session.id,
      result: 'ok',
      ip: clientAddress(req),
      details: {},
    });
    res.status(201).json(answer(t));
  });

  r.post('/shadows/:id/audio-tickets', requireRole('helpdesk'), async (req, res) => {
    const { user } = principalOf(res);
    const { session, shadow } = await deps.access.forShadow(user, parse(Id, req.params.id, 'shadow id'));
    const t = await deps.tickets.issue({ userId: user.id, sessionId: session.id, shadowId: shadow.id });
    await deps.audit.record({
      actor: user.username,
      action: 'audio.ticket',
      target: session.id,
      result: 'ok',
      ip: clientAddress(req),
      details: { shadowId: shadow.id },
    });
    res.status(201).json(answer(t));
  });

  return r;
}
