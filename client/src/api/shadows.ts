// Shadowing (API.md "Helpdesk"): helpdesk staff ask to see (or see and control) a person's desktop;
// the owner allows or denies; the requester then gets display tickets in the approved mode.
import { ShadowAnswer, ShadowList, type ShadowState, type ShadowView, type TicketMode } from '../../../contract/api/desktops.ts';
import { api } from './client.ts';
import { decodeWith, epochTimes, type EpochTimes } from './decode.ts';
import { decodeTicket, type Ticket } from './desktops.ts';

export type ShadowMode = TicketMode;
export type { ShadowState };
export type Shadow = EpochTimes<ShadowView, 'createdAt' | 'decidedAt' | 'endedAt'>;
export type ShadowTicket = Ticket;

/** A shadow as the pages show it: times in epoch ms, and a name to show even when the gateway has none. */
export function toShadow(v: ShadowView): Shadow {
  const s = epochTimes(v, ['createdAt', 'decidedAt', 'endedAt']);
  return { ...s, requesterDisplayName: v.requesterDisplayName || v.requesterName || 'Someone from the helpdesk' };
}

export const decodeShadow = (x: unknown): Shadow => toShadow(decodeWith(ShadowAnswer, x).shadow);
export const decodeShadows = (x: unknown): Shadow[] => decodeWith(ShadowList, x).map((a) => toShadow(a.shadow));
export const decodeShadowTicket = decodeTicket;

const shadowPath = (id: string): string => `/api/v1/shadows/${encodeURIComponent(id)}`;

/** Asks the session's owner (or, for view mode, the pool's policy) to let the helpdesk in. */
export function requestShadow(sessionId: string, mode: ShadowMode, reason: string): Promise<Shadow> {
  return api(`/api/v1/sessions/${encodeURIComponent(sessionId)}/shadow`, { method: 'POST', body: { mode, reason }, decode: decodeShadow });
}

/** The session's pending and approved shadows. */
export function listSessionShadows(sessionId: string, signal?: AbortSignal): Promise<Shadow[]> {
  return api(`/api/v1/sessions/${encodeURIComponent(sessionId)}/shadows`, { decode: decodeShadows, signal });
}

export function getShadow(id: string, signal?: AbortSignal): Promise<Shadow> {
  return api(shadowPath(id), { decode: decodeShadow, signal });
}

/** `sound`: approving also shares the desktop's sound (off unless the person ticks it). */
export function answerShadow(id: string, answer: 'approve' | 'deny', sound = false): Promise<Shadow> {
  const body = answer === 'approve' && sound ? { body: { sound: true } } : {};
  return api(`${shadowPath(id)}/${answer}`, { method: 'POST', decode: decodeShadow, ...body });
}

export function endShadow(id: string): Promise<Shadow> {
  return api(`${shadowPath(id)}/end`, { method: 'POST', decode: decodeShadow });
}

export function createShadowTicket(id: string): Promise<ShadowTicket> {
  return api(`${shadowPath(id)}/tickets`, { method: 'POST', decode: decodeShadowTicket });
}
