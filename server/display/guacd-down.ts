// /ws/rdp while guacd is down or absent: the upgrade is accepted and closed at once with 4504 and
// the reason, because a refused upgrade (HTTP 503) reaches a browser only as close 1006, which the
// viewer cannot tell from a network failure. The ticket is NOT consumed: the viewer's retry, with
// this ticket (within its 30 s) or a fresh one, opens the display once guacd is back.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { DisplayClose } from '../../contract/display.ts';
import { TICKET_PATTERN } from '../broker/tickets.ts';
import type { Guacd } from '../guacd/guacd.ts';
import type { Logger } from '../log.ts';
import { closeWs } from '../util/ws.ts';

/** Why /ws/rdp cannot serve right now (guacd absent or down), or null when guacd is there. */
export function guacdUnavailable(guacd: Guacd): string | null {
  if (guacd.endpoint()) return null;
  return guacd.status().problem ?? 'RDP needs guacd, which is not running right now; reconnecting in a moment may help.';
}

/**
 * Answers an upgrade with 4504 when guacd is unavailable and the ticket is one this gateway minted
 * (decrypted from the token, well-formed): the only check possible without consuming it. Anything
 * else is left to the usual redemption (which refuses junk with 401). True when it answered.
 */
export function answerGuacdDown(o: {
  wss: WebSocketServer;
  guacd: Guacd;
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  ticket: string | null;
  log: Logger;
}): boolean {
  const down = guacdUnavailable(o.guacd);
  if (!down || !o.ticket || !TICKET_PATTERN.test(o.ticket)) return false;
  o.log.warn({ reason: down }, 'display closed at once: guacd is not available');
  o.wss.handleUpgrade(o.req, o.socket, o.head, (browser) => closeWs(browser, DisplayClose.GuacdUnavailable, down));
  return true;
}
