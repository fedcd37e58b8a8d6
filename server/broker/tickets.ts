// One-time display tickets: 256 random bits handed to the browser, stored only as a hash, bound to
// one user, one session and one mode (and, for a helpdesk join, one shadow), valid for at most 30 s, consumed atomically at the upgrade.
import type { Clock } from '../clock.ts';
import type { Store, Ticket, TicketMode } from '../store/types.ts';
import { secretToken, sha256 } from '../util/random.ts';

export const TICKET_PATTERN = /^dpk_[A-Za-z0-9_-]{43}$/;
export const MAX_TICKET_TTL_S = 30;

export interface Tickets {
  /**
   * `webSessionId`: the browser's web session asking (passthrough machines use its sign-in); none for API
   * tokens. `shadowId`: the helpdesk shadow the ticket opens, so its display is that shadow's.
   */
  issue(
    userId: string,
    sessionId: string,
    mode: TicketMode,
    bind?: { webSessionId?: string | null; shadowId?: string },
  ): Promise<{ ticket: string; expiresAt: number }>;
  /** The ticket's binding when it is well-formed, known, unused and unexpired; else null. Works once. */
  consume(ticket: string): Promise<Ticket | null>;
}

export function createTickets(deps: { store: Store; clock: Clock; ttlS: number }): Tickets {
  const ttlMs = Math.min(deps.ttlS, MAX_TICKET_TTL_S) * 1000;
  return {
    async issue(userId, sessionId, mode, bind = {}) {
      const ticket = secretToken('dpk_');
      const now = deps.clock.now();
      const expiresAt = now + ttlMs;
      await deps.store.createTicket({
        hash: sha256(ticket),
        userId,
        sessionId,
        mode,
        expiresAt,
        usedAt: null,
        createdAt: now,
        ...(bind.webSessionId ? { webSessionId: bind.webSessionId } : {}),
        ...(bind.shadowId ? { shadowId: bind.shadowId } : {}),
      });
      return { ticket, expiresAt };
    },
    async consume(ticket) {
      if (!TICKET_PATTERN.test(ticket)) return null;
      return deps.store.consumeTicket(sha256(ticket), deps.clock.now());
    },
  };
}
