// Who may hear a desktop: its session's owner when the session policy allows sound, and a helpdesk
// shadow only while approved by the owner with "also share sound". Checked when a ticket is issued
// (clear HTTP errors) and again at the /ws/audio upgrade (the ticket may be up to 30 s old).
import type { SessionPolicy } from '../../contract/api/policy.ts';
import type { Shadow, Shadows } from '../broker/shadows.ts';
import { conflict, forbidden, notFound } from '../errors.ts';
import type { Desktop, Session, Store, User } from '../store/types.ts';

/** The session's policy, as far as sound goes (injected: the lead's policyOf once it is on main). */
export type AudioPolicyOf = (session: Session) => Promise<Pick<SessionPolicy, 'audio'>>;

export interface AudioAccessDeps {
  store: Store;
  shadows: Shadows;
  policyOf: AudioPolicyOf;
}

export const NOT_ALLOWED = 'Sound is turned off for this desktop by its policy; ask an administrator if you need it.';

export function createAudioAccess(deps: AudioAccessDeps) {
  const { store, shadows } = deps;

  /** A ready session with a running desktop of ours; sessions shown through guacd have none. */
  async function liveDesktop(s: Session): Promise<Desktop> {
    if (s.state !== 'ready') throw conflict('session_not_ready', `The session is ${s.state}; sound plays only while it runs.`);
    if (!s.desktopId) throw conflict('audio_unsupported', 'Sound from existing machines is not available yet.');
    const d = await store.getDesktop(s.desktopId);
    if (!d || d.state !== 'running') throw conflict('session_not_ready', 'The desktop is not running.');
    return d;
  }

  async function allowed(s: Session): Promise<void> {
    if (!(await deps.policyOf(s)).audio) throw forbidden(NOT_ALLOWED, 'audio_not_allowed');
  }

  /** The approved shadow `shadowId` of this requester, with sound shared; throws why not. */
  async function shadowWithSound(requester: User, shadowId: string): Promise<Shadow> {
    const sh = await shadows.get(requester, shadowId);
    if (sh.requesterId !== requester.id) throw forbidden('Only the helpdesk user who asked may hear this shadow.');
    if (sh.state !== 'approved') throw conflict('shadow_not_approved', `This shadow request is ${sh.state}.`);
    if (!sh.sound) throw forbidden('The person did not share their sound with you.', 'sound_not_shared');
    return sh;
  }

  return {
    /** The owner asks: their own session, running, with sound allowed. */
    async forOwner(user: User, sessionId: string): Promise<{ session: Session; desktop: Desktop }> {
      const s = await store.getSession(sessionId);
      if (!s || s.userId !== user.id) throw notFound('session');
      const desktop = await liveDesktop(s);
      await allowed(s);
      return { session: s, desktop };
    },

    /** A helpdesk requester asks on their approved shadow. */
    async forShadow(requester: User, shadowId: string): Promise<{ session: Session; desktop: Desktop; shadow: Shadow }> {
      const shadow = await shadowWithSound(requester, shadowId);
      const s = await store.getSession(shadow.sessionId);
      if (!s) throw notFound('session');
      const desktop = await liveDesktop(s);
      await allowed(s);
      return { session: s, desktop, shadow };
    },

    /** Still allowed, for a shadow's open sound socket (the shadow may end, or lose nothing else). */
    async shadowStillHears(requesterId: string, sessionId: string, shadowId: string): Promise<boolean> {
      const x = await store.getShadow(shadowId);
      return x !== null && x.sessionId === sessionId && x.requesterId === requesterId && x.state === 'approved' && x.sound;
    },
  };
}

export type AudioAccess = ReturnType<typeof createAudioAccess>;
