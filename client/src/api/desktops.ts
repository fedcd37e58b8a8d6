// The signed-in person's pools, sessions and display tickets (API.md "Desktops for the signed-in user").
// Shapes and states come from the contract (contract/api/desktops.ts, contract/ids.ts); times become epoch ms.
import {
  SessionAnswer,
  SessionList,
  SessionView,
  TicketAnswer,
  UserPoolList,
  type TicketMode,
  type UserPool,
} from '../../../contract/api/desktops.ts';
import { FINAL_SESSION_STATES, LIVE_SESSION_STATES, type SessionState } from '../../../contract/ids.ts';
import { api } from './client.ts';
import { decodeWith, epochTimes, type EpochTimes } from './decode.ts';

export type { SessionState, TicketMode };
export type Pool = UserPool;
export type Session = EpochTimes<SessionView, 'createdAt' | 'readyAt' | 'endedAt'>;
export type Ticket = EpochTimes<TicketAnswer, 'expiresAt'>;

const SESSION_TIMES = ['createdAt', 'readyAt', 'endedAt'] as const;
export const toSession = (v: SessionView): Session => epochTimes(v, SESSION_TIMES);
export const decodeSession = (x: unknown): Session => toSession(decodeWith(SessionAnswer, x).session);
/** The session fields of a bigger answer (the admin list adds names to them). */
export const sessionFields = (x: unknown): Session => toSession(decodeWith(SessionView, x));
export const decodeTicket = (x: unknown): Ticket => epochTimes(decodeWith(TicketAnswer, x), ['expiresAt']);

/** Holds (or is getting) a desktop. */
export function isLive(s: Session): boolean {
  return (LIVE_SESSION_STATES as readonly SessionState[]).includes(s.state);
}

/** Never changes again. `lost` is not final: the host may come back, and the session can still be ended. */
export function isFinal(state: SessionState): boolean {
  return (FINAL_SESSION_STATES as readonly SessionState[]).includes(state);
}

export function listPools(signal?: AbortSignal): Promise<Pool[]> {
  return api('/api/v1/pools', { decode: (x) => decodeWith(UserPoolList, x), signal });
}

export function listSessions(signal?: AbortSignal): Promise<Session[]> {
  return api('/api/v1/sessions', { decode: (x) => decodeWith(SessionList, x).map((a) => toSession(a.session)), signal });
}

export function getSession(id: string, signal?: AbortSignal): Promise<Session> {
  return api(`/api/v1/sessions/${encodeURIComponent(id)}`, { decode: decodeSession, signal });
}

/** Starts a session in the pool, or returns the live one the person already has there. */
export function launchSession(poolId: string): Promise<Session> {
  return api('/api/v1/sessions', { method: 'POST', body: { poolId }, decode: decodeSession });
}

export function endSession(id: string): Promise<void> {
  return api(`/api/v1/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function createTicket(sessionId: string, mode: TicketMode = 'control'): Promise<Ticket> {
  return api(`/api/v1/sessions/${encodeURIComponent(sessionId)}/tickets`, { method: 'POST', body: { mode }, decode: decodeTicket });
}

export function sessionEventsUrl(id: string): string {
  return `/api/v1/sessions/${encodeURIComponent(id)}/events`;
}
