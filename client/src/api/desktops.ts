// The signed-in person's pools, sessions and display tickets (API.md "Desktops for the signed-in user").
import { api } from './client.ts';
import { decodePools, decodeSession, decodeSessions, decodeTicket, type Pool, type Session, type Ticket } from './types.ts';

export function listPools(signal?: AbortSignal): Promise<Pool[]> {
  return api('/api/v1/pools', { decode: decodePools, signal });
}

export function listSessions(signal?: AbortSignal): Promise<Session[]> {
  return api('/api/v1/sessions', { decode: decodeSessions, signal });
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

export function createTicket(sessionId: string, mode: 'control' | 'view' = 'control'): Promise<Ticket> {
  return api(`/api/v1/sessions/${encodeURIComponent(sessionId)}/tickets`, { method: 'POST', body: { mode }, decode: decodeTicket });
}

export function sessionEventsUrl(id: string): string {
  return `/api/v1/sessions/${encodeURIComponent(id)}/events`;
}
