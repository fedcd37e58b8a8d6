// The helpdesk console's live sessions (API.md "Helpdesk"): ready sessions with names, a thumbnail
// URL and their pending/approved shadows.
import { api } from './client.ts';
import { list, obj, optStr, type Json } from './decode.ts';
import { decodeShadow, type Shadow } from './shadows.ts';
import { sessionFields, type Session } from './types.ts';

export interface HelpdeskSession extends Session {
  username: string;
  displayName: string;
  poolName: string;
  hostName?: string;
  thumbnailUrl: string;
  shadows: Shadow[];
}

export function decodeHelpdeskSession(x: unknown): HelpdeskSession {
  const o: Json = obj(x, 'helpdesk session');
  const session = sessionFields(o);
  const username = optStr(o, 'username') ?? session.userId;
  const shadows = Array.isArray(o.shadows) ? o.shadows.map(decodeShadow) : [];
  return {
    ...session,
    username,
    displayName: optStr(o, 'displayName') || username,
    poolName: optStr(o, 'poolName') ?? session.poolId,
    hostName: optStr(o, 'hostName'),
    thumbnailUrl: optStr(o, 'thumbnailUrl') ?? `/api/v1/helpdesk/sessions/${encodeURIComponent(session.id)}/thumbnail`,
    shadows,
  };
}

export function listHelpdeskSessions(signal?: AbortSignal): Promise<HelpdeskSession[]> {
  return api('/api/v1/helpdesk/sessions', { decode: (x) => list(x, 'sessions', decodeHelpdeskSession), signal });
}

/** The thumbnail with a cache-busting query, so each refresh shows the current screen. */
export function thumbnailSrc(url: string, tick: number): string {
  return `${url}${url.includes('?') ? '&' : '?'}t=${tick}`;
}
