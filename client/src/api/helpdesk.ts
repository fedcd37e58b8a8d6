// The helpdesk console's live sessions (API.md "Helpdesk"): ready sessions with names, a thumbnail
// URL and their pending/approved shadows (contract/api/desktops.ts `HelpdeskSession`).
import { HelpdeskSessionList, type HelpdeskSession as HelpdeskSessionView } from '../../../contract/api/desktops.ts';
import { api } from './client.ts';
import { decodeWith } from './decode.ts';
import { toSession, type Session } from './desktops.ts';
import { toShadow, type Shadow } from './shadows.ts';

export interface HelpdeskSession extends Session {
  username: string;
  displayName: string;
  poolName: string;
  hostName?: string;
  thumbnailUrl: string;
  shadows: Shadow[];
}

/** Names the page can always show: the gateway sends null for a user, pool or host it no longer knows. */
export function toHelpdeskSession(v: HelpdeskSessionView): HelpdeskSession {
  const { username, displayName, poolName, hostName, thumbnailUrl, shadows, ...session } = v;
  const name = username ?? v.userId;
  return {
    ...toSession(session),
    username: name,
    displayName: displayName || name,
    poolName: poolName ?? v.poolId ?? v.machineId ?? '',
    hostName: hostName ?? undefined,
    thumbnailUrl,
    shadows: shadows.map(toShadow),
  };
}

export const decodeHelpdeskSessions = (x: unknown): HelpdeskSession[] => decodeWith(HelpdeskSessionList, x).map(toHelpdeskSession);

export function listHelpdeskSessions(signal?: AbortSignal): Promise<HelpdeskSession[]> {
  return api('/api/v1/helpdesk/sessions', { decode: decodeHelpdeskSessions, signal });
}

/** The thumbnail with a cache-busting query, so each refresh shows the current screen. */
export function thumbnailSrc(url: string, tick: number): string {
  return `${url}${url.includes('?') ? '&' : '?'}t=${tick}`;
}
