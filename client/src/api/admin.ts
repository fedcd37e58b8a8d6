// Administration endpoints used by the admin console (API.md "Administration"): sessions, and the
// names of pools and hosts. Users are in adminUsers.ts.
import { api } from './client.ts';
import { list, obj, optStr, str, unwrap, type Json } from './decode.ts';
import { sessionFields, type Session } from './types.ts';

/** A session as the admin list shows it; names are filled in when the gateway sends them. */
export interface AdminSession extends Session {
  username?: string;
  poolName?: string;
  hostName?: string;
}

export interface NamedItem {
  id: string;
  name: string;
}

function nested(o: Json, key: string, field: string): string | undefined {
  const v = o[key];
  return typeof v === 'object' && v !== null ? optStr(v as Json, field) : undefined;
}

function decodeAdminSession(x: unknown): AdminSession {
  const o = unwrap(x, 'session');
  return {
    ...sessionFields(o),
    username: optStr(o, 'username') ?? nested(o, 'user', 'username'),
    poolName: optStr(o, 'poolName') ?? nested(o, 'pool', 'name'),
    hostName: optStr(o, 'hostName') ?? nested(o, 'host', 'name'),
  };
}

function decodeNamed(x: unknown): NamedItem {
  const o = obj(x, 'item');
  return { id: str(o, 'id'), name: optStr(o, 'name') ?? optStr(o, 'username') ?? str(o, 'id') };
}

/** The live sessions page's state filter; `live` is starting, ready and ending together. */
export type SessionStateFilter = 'live' | 'starting' | 'ready' | 'ending' | 'lost';

/** Sessions in the chosen state(s); by default the live ones: starting, ready and ending. */
export function listLiveSessions(signal?: AbortSignal, filter: SessionStateFilter = 'live'): Promise<AdminSession[]> {
  const state = filter === 'live' ? 'starting,ready,ending' : filter;
  return api(`/api/v1/admin/sessions?state=${state}`, { decode: (x) => list(x, 'sessions', decodeAdminSession), signal });
}

export function forceEndSession(id: string): Promise<void> {
  return api(`/api/v1/admin/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** A pool's name, and whether it keeps homes (`personal`) or starts fresh (`pooled`), when known. */
export interface PoolName extends NamedItem {
  persistence?: 'pooled' | 'personal';
}

function decodePoolName(x: unknown): PoolName {
  const persistence = obj(x, 'pool').persistence;
  return { ...decodeNamed(x), persistence: persistence === 'pooled' || persistence === 'personal' ? persistence : undefined };
}

/** Pools and hosts, only to show names instead of ids in the sessions table (and what ending does). */
export function listPoolNames(signal?: AbortSignal): Promise<PoolName[]> {
  return api('/api/v1/admin/pools', { decode: (x) => list(x, 'pools', decodePoolName), signal });
}

export function listHostNames(signal?: AbortSignal): Promise<NamedItem[]> {
  return api('/api/v1/admin/hosts', { decode: (x) => list(x, 'hosts', decodeNamed), signal });
}
