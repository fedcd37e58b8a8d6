// Helpdesk shadow requests (server/broker/shadows.ts) as the store keeps them, shared by every
// gateway: a request, its answer and its end may each reach a different gateway.
import type { ShadowState } from '../../contract/api/desktops.ts';
import type { TicketMode } from './types.ts';

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
  sound: boolean;
  createdAt: number;
  decidedAt: number | null;
  endedAt: number | null;
}

/** What a move may change besides the state. */
export type ShadowMove = Partial<Pick<Shadow, 'decidedAt' | 'endedAt' | 'sound' | 'consent'>> & { state: ShadowState };

export interface ShadowStore {
  createShadow(s: Shadow): Promise<void>;
  getShadow(id: string): Promise<Shadow | null>;
  /** Pending and approved shadows of these sessions, or asked for by this person; oldest first. */
  listActiveShadows(filter: { sessionIds?: string[]; requesterId?: string }): Promise<Shadow[]>;
  /** Compare-and-set: moves the shadow only while its state is one of `from`. The row after, or null when it was not. */
  moveShadow(id: string, from: readonly ShadowState[], move: ShadowMove): Promise<Shadow | null>;
  /** Pending requests asked before `before` (unanswered too long), at most `limit`. */
  listShadowsPendingSince(before: number, limit: number): Promise<Shadow[]>;
  /** Housekeeping: denied and ended requests that ended before `before`. */
  deleteFinishedShadows(before: number): Promise<number>;
}
