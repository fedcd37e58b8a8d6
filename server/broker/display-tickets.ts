// Display tickets: issued to a session's owner (and audited), redeemed once at the display upgrade
// into what to connect to, or refused with who is at fault and a stable code. Shadow tickets ride on
// a shadow the owner approved (shadows.ts). DESIGN.md "Security model".
import type { Machine } from '../store/machine-types.ts';
import type { Desktop, Session, TicketMode, User } from '../store/types.ts';
import { conflict, forbidden, notFound } from '../errors.ts';
import { entitled, maySee } from './entitlement.ts';
import type { Machines } from './machines.ts';
import type { Shadows } from './shadows.ts';
import { TICKET_PATTERN, type Tickets } from './tickets.ts';
import type { BrokerCtx } from './transitions.ts';

/** Why a display ticket was refused: who is at fault (no valid ticket, or no right to the desktop now) and a stable code. */
export interface Refusal {
  ok: false;
  kind: 'unauthenticated' | 'forbidden';
  code: string;
  reason: string;
}
/** A pool session redeems to its desktop; a session on an existing machine to the machine (desktop null). */
export type Redemption =
  | ({
      ok: true;
      session: Session;
      mode: TicketMode;
      userId: string;
      shadowId?: string;
      /** A shadow's: the owner also shared the desktop's sound. */
      shadowSound?: boolean;
      webSessionId?: string;
    } & ({ desktop: Desktop; machine?: undefined } | { desktop: null; machine: Machine }))
  | Refusal;

export function createDisplayTickets(ctx: BrokerCtx, tickets: Tickets, shadows?: Shadows, machines?: Machines) {
  const { store } = ctx;
  return {
    /** `webSessionId`: the browser asking (its directory sign-in opens passthrough machines); null for API tokens. */
    async issueTicket(user: User, sessionId: string, mode: TicketMode, ip: string | null, webSessionId?: string | null) {
      const s = await store.getSession(sessionId);
      if (!s || s.userId !== user.id) {
        await ctx.audit.record({
          actor: user.username,
          action: 'ticket.issue',
          target: sessionId,
          result: 'denied',
          ip,
          details: { mode },
        });
        // Someone else's session is "no such session", as on every session route: a 403 would
        // confirm that the id exists. Staff see every session anyway, so they get the hint.
        throw s && maySee(user, s)
          ? forbidden('Only the session owner may open it; helpdesk staff ask to shadow instead.')
          : notFound('session');
      }
      if (s.state !== 'ready')
        throw conflict(
          'session_not_ready',
          s.state === 'starting'
            ? 'The desktop is still starting; wait for it to be ready.'
            : `The session is ${s.state}; launch a new one.`,
        );
      if (s.machineId) await machines?.checkTicket(s, webSessionId);
      const t = await tickets.issue(user.id, s.id, mode, { webSessionId });
      await ctx.audit.record({ actor: user.username, action: 'ticket.issue', target: s.id, result: 'ok', ip, details: { mode } });
      return t;
    },

    /** At the display upgrade: consumes the ticket and returns what to connect to, or why not (the display edge maps it to a status). */
    async redeem(ticket: string, ip: string | null): Promise<Redemption> {
      if (!TICKET_PATTERN.test(ticket)) {
        // Junk costs no query and no audit row (anyone can send it); the metric still counts it.
        ctx.metrics.ticketRejected('malformed ticket');
        return { ok: false, kind: 'unauthenticated', code: 'ticket_malformed', reason: 'malformed ticket' };
      }
      const t = await tickets.consume(ticket);
      const refuse = async (kind: Refusal['kind'], code: string, reason: string) => {
        ctx.metrics.ticketRejected(reason);
        await ctx.audit.record({
          actor: null,
          action: 'ticket.refuse',
          target: t?.sessionId ?? null,
          result: 'denied',
          ip,
          details: { reason },
        });
        return { ok: false as const, kind, code, reason };
      };
      if (!t) return refuse('unauthenticated', 'ticket_unknown', 'unknown, used or expired ticket');
      const [s, user] = await Promise.all([store.getSession(t.sessionId), store.getUser(t.userId)]);
      if (!user || user.disabled) return refuse('forbidden', 'account_disabled', 'the ticket holder may no longer sign in');
      if (s?.state === 'ready' && s.machineId) {
        // A machine session: no desktop; access is the machine's groups, or a shadow the owner approved.
        const m = await store.getMachine(s.machineId);
        if (!m) return refuse('forbidden', 'machine_removed', 'the machine was removed');
        if (t.userId !== s.userId) {
          const shadow = await shadows?.approvedFor(t, s.id);
          if (!shadow) return refuse('forbidden', 'shadow_not_approved', 'no approved shadow for this ticket');
          return {
            ok: true,
            session: s,
            desktop: null,
            machine: m,
            mode: t.mode,
            userId: t.userId,
            shadowId: shadow.id,
            shadowSound: shadow.sound,
          };
        }
        if (!entitled(user, m)) return refuse('forbidden', 'access_revoked', 'the ticket holder no longer has access to this machine');
        const web = t.webSessionId ? { webSessionId: t.webSessionId } : {};
        return { ok: true, session: s, desktop: null, machine: m, mode: t.mode, userId: t.userId, ...web };
      }
      if (!s || s.state !== 'ready' || !s.desktopId) return refuse('forbidden', 'session_not_ready', 'the session is not ready');
      const d = await store.getDesktop(s.desktopId);
      if (!d || d.state !== 'running') return refuse('forbidden', 'desktop_not_running', 'the desktop is not running');
      if (t.userId === s.userId) {
        // Taking access away ends the session (access.ts); this closes the gap while it is ending.
        const pool = s.poolId ? await store.getPool(s.poolId) : null;
        if (!pool || !entitled(user, pool))
          return refuse('forbidden', 'access_revoked', 'the ticket holder no longer has access to this pool');
        return { ok: true, session: s, desktop: d, mode: t.mode, userId: t.userId };
      }
      // Anyone else's ticket rides on a shadow the owner approved, in exactly that mode.
      const shadow = await shadows?.approvedFor(t, s.id);
      if (!shadow) return refuse('forbidden', 'shadow_not_approved', 'no approved shadow for this ticket');
      return { ok: true, session: s, desktop: d, mode: t.mode, userId: t.userId, shadowId: shadow.id, shadowSound: shadow.sound };
    },

    async auditTicket(user: User, sessionId: string, mode: TicketMode, ip: string | null, shadowId: string): Promise<void> {
      await ctx.audit.record({
        actor: user.username,
        action: 'ticket.issue',
        target: sessionId,
        result: 'ok',
        ip,
        details: { mode, shadowId },
      });
    },
  };
}
