// Helpdesk shadowing: a helpdesk user asks to watch (or control) a person's session with a reason;
// the owner allows or denies (or the pool lets `view` through without asking); approval lets the
// requester get tickets in the approved mode only; ending closes the shadow's display at once, on
// every gateway. Requests are store rows (server/store/sql-shadows.ts), so the asking, the answer
// and the display may each reach a different gateway; every move is a compare-and-set there, and
// every step is audited.
import { DisplayClose } from '../../contract/display.ts';
import type { ShadowState, ShadowView } from '../../contract/api/desktops.ts';
import { conflict, forbidden, notFound } from '../errors.ts';
import type { Shadow } from '../store/shadow-types.ts';
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

export type { Shadow };

const PENDING_TTL_MS = 5 * 60_000;
const KEEP_ENDED_MS = 10 * 60_000;
const MAX_ACTIVE_PER_SESSION = 8;
/** Expiry and clean-up look at the store this often, not every tick. */
const SWEEP_EVERY_MS = 10_000;
const SWEEP_BATCH = 100;

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

/** The states a shadow may leave for `to`. */
const sources = (to: ShadowState) => shadowMachine.states.filter((from) => shadowMachine.can(from, to));

export function createShadows(ctx: BrokerCtx) {
  const { clock, store } = ctx;
  let lastSweep = Number.NEGATIVE_INFINITY;

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
  /** Moves it if nobody (here or on another gateway) moved it first; the shadow after, or null. */
  async function move(s: Shadow, to: ShadowState, extra: { sound?: boolean; consent?: Shadow['consent'] } = {}): Promise<Shadow | null> {
    const now = clock.now();
    const moved = await store.moveShadow(s.id, sources(to), {
      state: to,
      ...extra,
      ...(to === 'approved' || to === 'denied' ? { decidedAt: now } : {}),
      ...(to === 'ended' || to === 'denied' ? { endedAt: now } : {}),
    });
    if (!moved) return null;
    if (to === 'ended') ctx.viewers.closeShadow(moved.sessionId, moved.id, DisplayClose.ShadowEnded, 'the shadow session ended');
    emit(moved);
    return moved;
  }
  const active = async (sessionId: string) => store.listActiveShadows({ sessionIds: [sessionId] });
  async function mine(id: string): Promise<Shadow> {
    const s = await store.getShadow(id);
    if (!s) throw notFound('shadow request');
    return s;
  }
  /** Ends it unless it already ended; true when this call did. */
  async function endOne(actor: User | null, s: Shadow, ip: string | null, reason: string): Promise<Shadow> {
    const ended = await move(s, 'ended');
    if (ended) await audit(actor, 'shadow.end', ended, ip, { reason });
    return ended ?? (await store.getShadow(s.id)) ?? s;
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
      if ((await active(session.id)).length >= MAX_ACTIVE_PER_SESSION)
        throw conflict('too_many_shadows', 'This session already has too many shadow requests.');
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
      await store.createShadow(s);
      await audit(requester, 'shadow.request', s, ip, { reason });
      if (mode === 'view' && policy.shadowWithoutConsent) {
        const approved = await move(s, 'approved', { consent: 'pool' });
        if (approved) {
          await audit(null, 'shadow.approve', approved, ip, { by: 'pool policy' });
          return approved;
        }
        return (await store.getShadow(s.id)) ?? s;
      }
      emit(s);
      return s;
    },

    async get(viewer: User, id: string): Promise<Shadow> {
      const s = await mine(id);
      if (s.ownerId !== viewer.id && s.requesterId !== viewer.id && !isAdmin(viewer)) throw notFound('shadow request');
      return s;
    },

    activeFor: active,

    /** Pending and approved shadows of these sessions, by session. */
    async activeForSessions(sessionIds: string[]): Promise<Map<string, Shadow[]>> {
      const out = new Map<string, Shadow[]>();
      for (const s of await store.listActiveShadows({ sessionIds })) out.set(s.sessionId, [...(out.get(s.sessionId) ?? []), s]);
      return out;
    },

    async decide(owner: User, id: string, answer: 'approve' | 'deny', ip: string | null, opts: { sound?: boolean } = {}): Promise<Shadow> {
      const s = await mine(id);
      if (s.ownerId !== owner.id)
        throw s.requesterId === owner.id || isAdmin(owner)
          ? forbidden('Only the person whose desktop it is can answer.')
          : notFound('shadow request');
      if (s.state !== 'pending') throw conflict('already_answered', `This request is already ${s.state}.`);
      const sound = answer === 'approve' && opts.sound === true;
      const moved = await move(s, answer === 'approve' ? 'approved' : 'denied', { sound });
      // Answered, expired or ended on another gateway meanwhile.
      if (!moved) throw conflict('already_answered', 'This request is already answered.');
      await audit(owner, answer === 'approve' ? 'shadow.approve' : 'shadow.deny', moved, ip, answer === 'approve' ? { sound } : {});
      if (answer === 'approve' && moved.mode === 'control') {
        // An upgrade: the same helper's view shadow is replaced by this one.
        for (const other of await active(moved.sessionId)) {
          if (other.id !== moved.id && other.requesterId === moved.requesterId && other.state === 'approved' && other.mode === 'view')
            await endOne(owner, other, ip, 'upgraded to control');
        }
      }
      return moved;
    },

    async end(actor: User | null, id: string, ip: string | null, reason = 'ended'): Promise<Shadow> {
      const s = await mine(id);
      if (actor && s.ownerId !== actor.id && s.requesterId !== actor.id && !isAdmin(actor)) throw notFound('shadow request');
      if (s.state === 'ended' || s.state === 'denied') return s;
      return endOne(actor, s, ip, reason);
    },

    /** The approved shadow a ticket names, when it is this session's, its holder's and in the ticket's mode. */
    async approvedFor(t: { shadowId?: string | null; userId: string; mode: TicketMode }, sessionId: string): Promise<Shadow | undefined> {
      if (!t.shadowId) return undefined;
      const s = await store.getShadow(t.shadowId);
      return s && s.sessionId === sessionId && s.requesterId === t.userId && s.state === 'approved' && s.mode === t.mode ? s : undefined;
    },

    /** The session ended: its shadows end with it. */
    async endAllFor(sessionId: string): Promise<void> {
      for (const s of await active(sessionId)) await endOne(null, s, null, 'the session ended');
    },

    /** Every pending or approved shadow this person asked for ends (they lost the right to hold it); returns how many. */
    async endAllBy(requesterId: string, reason: string): Promise<number> {
      const theirs = await store.listActiveShadows({ requesterId });
      for (const s of theirs) await endOne(null, s, null, reason);
      return theirs.length;
    },

    /** Expires unanswered requests and forgets finished ones after a while; looks at most every SWEEP_EVERY_MS. */
    async sweep(): Promise<void> {
      const now = clock.now();
      if (now - lastSweep < SWEEP_EVERY_MS) return;
      lastSweep = now;
      for (const s of await store.listShadowsPendingSince(now - PENDING_TTL_MS, SWEEP_BATCH))
        await endOne(null, s, null, 'not answered in time');
      // A session that ended without taking its shadows along (a gateway stopped in between). A
      // session that is only lost for a moment (its host dropped) keeps them.
      const over = new Map<string, boolean>();
      for (const s of await store.listActiveShadows({})) {
        if (!over.has(s.sessionId)) {
          const state = (await store.getSession(s.sessionId))?.state;
          over.set(s.sessionId, state === undefined || state === 'ended' || state === 'failed');
        }
        if (over.get(s.sessionId)) await endOne(null, s, null, 'the session ended');
      }
      await store.deleteFinishedShadows(now - KEEP_ENDED_MS);
    },
  };
  return api;
}

export type Shadows = ReturnType<typeof createShadows>;
