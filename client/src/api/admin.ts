// Administration endpoints used by the admin console: sessions, and the names of pools and hosts.
// Users are in adminUsers.ts.
import { z } from 'zod/mini';
import { AdminSession as AdminSessionJson, HostListItem, Pool, type Persistence } from '../../../contract/api/admin.ts';
import { api } from './client.ts';

/** A session as the admin list shows it (contract AdminSession), times as epoch milliseconds. */
export type AdminSession = Omit<AdminSessionJson, 'createdAt' | 'readyAt' | 'endedAt'> & {
  createdAt?: number;
  readyAt?: number;
  endedAt?: number;
};

export interface NamedItem {
  id: string;
  name: string;
}

const AdminSessionList = z.array(AdminSessionJson);
const time = (t: string | undefined): number | undefined => (t === undefined ? undefined : Date.parse(t));

function decodeAdminSessions(x: unknown): AdminSession[] {
  return AdminSessionList.parse(x).map((s) => ({ ...s, createdAt: time(s.createdAt), readyAt: time(s.readyAt), endedAt: time(s.endedAt) }));
}

export type SessionStateFilter = 'live' | 'starting' | 'ready' | 'ending' | 'lost';

/** Sessions in the chosen state(s); by default the live ones: starting, ready and ending. */
export function listLiveSessions(signal?: AbortSignal, filter: SessionStateFilter = 'live'): Promise<AdminSession[]> {
  const state = filter === 'live' ? 'starting,ready,ending' : filter;
  return api(`/api/v1/admin/sessions?state=${state}`, { decode: decodeAdminSessions, signal });
}

export function forceEndSession(id: string): Promise<void> {
  return api(`/api/v1/admin/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** A pool's name, and whether it keeps homes (`personal`) or starts fresh (`pooled`). */
export interface PoolName extends NamedItem {
  persistence?: Persistence;
}

/** Pools and hosts, only to show names instead of ids in the sessions table (and what ending does). */
export function listPoolNames(signal?: AbortSignal): Promise<PoolName[]> {
  return api('/api/v1/admin/pools', {
    decode: (x) =>
      z
        .array(Pool)
        .parse(x)
        .map((p) => ({ id: p.id, name: p.name, persistence: p.persistence })),
    signal,
  });
}

export function listHostNames(signal?: AbortSignal): Promise<NamedItem[]> {
  return api('/api/v1/admin/hosts', {
    decode: (x) =>
      z
        .array(HostListItem)
        .parse(x)
        .map((h) => ({ id: h.id, name: h.name })),
    signal,
  });
}
