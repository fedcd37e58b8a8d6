// Shadowing (API.md "Helpdesk"): helpdesk staff ask to see (or see and control) a person's desktop;
// the owner allows or denies; the requester then gets display tickets in the approved mode.
import { api } from './client.ts';
import { list, obj, optStr, optTime, str, unwrap } from './decode.ts';
import { decodeTicket, type Ticket } from './types.ts';

export type ShadowMode = 'view' | 'control';
export type ShadowState = 'pending' | 'approved' | 'denied' | 'ended';

export interface Shadow {
  id: string;
  sessionId: string;
  requesterId: string;
  requesterName: string;
  requesterDisplayName: string;
  mode: ShadowMode;
  reason: string;
  state: ShadowState;
  createdAt?: number;
  decidedAt?: number;
  endedAt?: number;
  /** `pool`: approved without asking, because the pool allows view shadowing without consent. */
  consent: 'owner' | 'pool';
}

export interface ShadowTicket extends Ticket {
  mode: ShadowMode;
}

const MODES: readonly string[] = ['view', 'control'];
const STATES: readonly string[] = ['pending', 'approved', 'denied', 'ended'];

export function decodeShadow(x: unknown): Shadow {
  const o = unwrap(x, 'shadow');
  const mode = str(o, 'mode');
  const state = str(o, 'state');
  if (!MODES.includes(mode)) throw new TypeError(`mode: unknown "${mode}"`);
  if (!STATES.includes(state)) throw new TypeError(`state: unknown "${state}"`);
  const requesterName = optStr(o, 'requesterName') ?? '';
  return {
    id: str(o, 'id'),
    sessionId: str(o, 'sessionId'),
    requesterId: optStr(o, 'requesterId') ?? '',
    requesterName,
    requesterDisplayName: optStr(o, 'requesterDisplayName') || requesterName || 'Someone from the helpdesk',
    mode: mode as ShadowMode,
    reason: optStr(o, 'reason') ?? '',
    state: state as ShadowState,
    createdAt: optTime(o, 'createdAt'),
    decidedAt: optTime(o, 'decidedAt'),
    endedAt: optTime(o, 'endedAt'),
    consent: o.consent === 'pool' ? 'pool' : 'owner',
  };
}

export const decodeShadows = (x: unknown): Shadow[] => list(x, 'shadows', decodeShadow);

export function decodeShadowTicket(x: unknown): ShadowTicket {
  const mode = obj(x, 'ticket').mode;
  return { ...decodeTicket(x), mode: mode === 'control' ? 'control' : 'view' };
}

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

export function answerShadow(id: string, answer: 'approve' | 'deny'): Promise<Shadow> {
  return api(`${shadowPath(id)}/${answer}`, { method: 'POST', decode: decodeShadow });
}

export function endShadow(id: string): Promise<Shadow> {
  return api(`${shadowPath(id)}/end`, { method: 'POST', decode: decodeShadow });
}

export function createShadowTicket(id: string): Promise<ShadowTicket> {
  return api(`${shadowPath(id)}/tickets`, { method: 'POST', decode: decodeShadowTicket });
}
