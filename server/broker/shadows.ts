// Helpdesk shadowing: a helpdesk user asks to watch (or control) a person's session with a reason;
// the owner allows or denies (or the pool lets `view` through without asking); approval lets the
// requester get tickets in the approved mode only; ending closes the shadow's display at once.
// Requests live in memory (a shadow does not outlive the display sockets of this gateway); every
// step is audited.
import { DisplayClose } from '../../contract/display.ts';
import type { ShadowState, ShadowView } from '../../contract/api/desktops.ts';
import { conflict, forbidden, notFound } from '../errors.ts';
import type { Pool, Session, TicketMode, User } from '../store/types.ts';
import { newId } from '../util/random.ts';
import type { BrokerCtx } from './transitions.ts';
import { defineMachine } from './state-machine.ts';

export type { ShadowState };
export const shadowMachine = defineMachine<ShadowState>('shadow', {
  pending: ['approved', 'denied', 'ended'],
  approved: ['ended'],
  denied: [],
  ended: [],
});

export interface Shadow {
  id: string;
  sessionId: string;
  ownerId: string;
  requesterId: string;
  requesterName: string;
  requesterDisplayName: string;
  mode: TicketMode;
  reason: string;
  state: ShadowState;
  consent: 'owner' | 'pool';
  /** The owner also shared the desktop's sound (server/audio/); never without their answer. */
  sound?: boolean;
  createdAt: number;
  decidedAt: number | null;
  endedAt: number | null;
}

const PENDING_TTL_MS = 5 * 60_000;
const KEEP_ENDED_MS = 10 * 60_000;
const MAX_ACTIVE_PER_SESSION = 8;
const MAX_SHADOWS = 10_000;

export function shadowView(s: Shadow): ShadowView {
  const iso = (t: number) => new Date(t).toISOString();
  const { ownerId: _owner, createdAt, decidedAt, endedAt, ...rest } = s;
  return {
    ...rest,
    createdAt: iso(createdAt),
    ...(decidedAt ? { decidedAt: iso(decidedAt) } : {}),
    ...(endedAt ? { endedAt: iso(endedAt) } : {}),
  };
}
export type { ShadowView };

/** What a shadow request checks of where the session runs: a pool's setting, or a machine's fixed rule (helpdesk.ts). */
export type ShadowPolicy = Pick<Pool, 'shadowWithoutConsent'>;

const isStaff = (u: User) => u.roles.includes('admin') || u.roles.includes('helpdesk');
const isAdmin = (u: User) => u.roles.includes('admin');

export function createShadows(ctx: BrokerCtx) {
  const byId = new Map<string, Shadow>();
  const { clock } = ctx;

  function emit(s: Shadow): void {
    ctx.events.emit(s.sessionId, { kind: 'shadow', shadow: shadowView(s) });
  }
  async function audit(actor: User | null, action: string, s: Shadow, ip: string | null, extra: Record<string, unknown> = {}) {
    await ctx.audit.record({
      actor: actor?.username ?? 'system',
      action,
      target: s.sessionId,
      result: 'ok',
      ip,
      details: { shadowId: s.id, mode: s.mode, requester: s.requesterName, ...extra },
    });
  }
  function move(s: Shadow, to: ShadowState): void {
    shadowMachine.check(s.state, to);
    s.state = to;
    const now = clock.now();
    if (to === 'approved' || to === 'denied') s.decidedAt = now;
    if (to === 'ended' || to === 'denied') s.endedAt = now;
    if (to === 'ended') ctx.viewers.closeShadow(s.sessionId, s.id, DisplayClose.ShadowEnded, 'the shadow session ended');
    emit(s);
  }
  const active = (sessionId: string) =>
    [...byId.values()].filter((s) => s.sessionId === sessionId && (s.state === 'pending' || s.state === 'approved'));
  function mine(id: string): Shadow {
    const s = byId.get(id);
    if (!s) throw notFound('shadow request');
    return s;
  }

  const api = {
    async request(
      requester: User,
      session: Session,
      policy: ShadowPolicy,
      mode: TicketMode,
      reason: string,
      ip: string | null,
    ): Promise<Shadow> {
      if (!isStaff(requester)) throw forbidden('Only helpdesk staff may ask to shadow a session.');
      if (session.state !== 'ready') throw conflict('session_not_ready', 'The session is not running; nothing to shadow.');
      if (session.userId === requester.id) throw conflict('own_session', 'This is your own session; open it from My desktops.');
      if (active(session.id).length >= MAX_ACTIVE_PER_SESSION)
        throw conflict('too_many_shadows', 'This session already has too many shadow requests.');
      if (byId.size >= MAX_SHADOWS) api.sweep(true);
      const s: Shadow = {
        id: newId('sh'),
        sessionId: session.id,
        ownerId: session.userId,
        requesterId: requester.id,
        requesterName: requester.username,
        requesterDisplayName: requester.displayName || requester.username,
        mode,
        reason,
        state: 'pending',
        consent: 'owner',
        sound: false,
        createdAt: clock.now(),
        decidedAt: null,
        endedAt: null,
      };
      byId.set(s.id, s);
      await audit(requester, 'shadow.request', s, ip, { reason });
      if (mode === 'view' && policy.shadowWithoutConsent) {
        s.consent = 'pool';
        move(s, 'approved');
        await audit(null, 'shadow.approve', s, ip, { by: 'pool policy' });
      } else {
        emit(s);
      }
      return s;
    },

    get(viewer: User, id: string): Shadow {
      const s = mine(id);
      if (s.ownerId !== viewer.id && s.requesterId !== viewer.id && !isAdmin(viewer)) throw notFound('shadow request');
      return s;
    },

    activeFor: active,

    async decide(owner: User, id: string, answer: 'approve' | 'deny', ip: string | null, opts: { sound?: boolean } = {}): Promise<Shadow> {
      const s = mine(id);
      if (s.ownerId !== owner.id)
        throw s.requesterId === owner.id || isAdmin(owner)
          ? forbidden('Only the person whose desktop it is can answer.')
          : notFound('shadow request');
      if (s.state !== 'pending') throw conflict('already_answered', `This request is already ${s.state}.`);
      s.sound = answer === 'approve' && opts.sound === true;
      move(s, answer === 'approve' ? 'approved' : 'denied');
      await audit(owner, answer === 'approve' ? 'shadow.approve' : 'shadow.deny', s, ip, answer === 'approve' ? { sound: s.sound } : {});
      if (answer === 'approve' && s.mode === 'control') {
        // An upgrade: the same helper's view shadow is replaced by this one.
        for (const other of active(s.sessionId)) {
          if (other !== s && other.requesterId === s.requesterId && other.state === 'approved' && other.mode === 'view') {
            move(other, 'ended');
            await audit(owner, 'shadow.end', other, ip, { reason: 'upgraded to control' });
          }
        }
      }
      return s;
    },

    async end(actor: User | null, id: string, ip: string | null, reason = 'ended'): Promise<Shadow> {
      const s = mine(id);
      if (actor && s.ownerId !== actor.id && s.requesterId !== actor.id && !isAdmin(actor)) throw notFound('shadow request');
      if (s.state === 'ended' || s.state === 'denied') return s;
      move(s, 'ended');
      await audit(actor, 'shadow.end', s, ip, { reason });
      return s;
    },

    /** The approved shadow a ticket names, when it is this session's, its holder's and in the ticket's mode. */
    approvedFor(t: { shadowId?: string | null; userId: string; mode: TicketMode }, sessionId: string): Shadow | undefined {
      return active(sessionId).find(
        (s) => s.id === t.shadowId && s.requesterId === t.userId && s.state === 'approved' && s.mode === t.mode,
      );
    },

    /** The session ended: its shadows end with it. */
    async endAllFor(sessionId: string): Promise<void> {
      for (const s of active(sessionId)) await api.end(null, s.id, null, 'the session ended');
    },

    /** Every pending or approved shadow this person asked for ends (they lost the right to hold it); returns how many. */
    async endAllBy(requesterId: string, reason: string): Promise<number> {
      const mine = [...byId.values()].filter((s) => s.requesterId === requesterId && (s.state === 'pending' || s.state === 'approved'));
      for (const s of mine) await api.end(null, s.id, null, reason);
      return mine.length;
    },

    /** Expires unanswered requests and forgets old finished ones (bounded memory). */
    sweep(force = false): void {
      const now = clock.now();
      for (const s of byId.values()) {
        if (s.state === 'pending' && now - s.createdAt > PENDING_TTL_MS) {
          move(s, 'ended');
          void audit(null, 'shadow.end', s, null, { reason: 'not answered in time' });
        } else if ((s.state === 'ended' || s.state === 'denied') && (force || now - (s.endedAt ?? now) > KEEP_ENDED_MS)) {
          byId.delete(s.id);
        }
      }
    },
  };
  return api;
}

export type Shadows = ReturnType<typeof createShadows>;
