// Administration endpoints used by the admin console (API.md "Administration").
import { api } from './client.ts';
import { bool, list, obj, optStr, str, strArray, unwrap, type Json } from './decode.ts';
import { sessionFields, type Session } from './desktops.ts';
import type { Role } from './types.ts';

export interface AdminUser {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  groups: string[];
  disabled: boolean;
  /** Second factor: on, and whether the MFA policy requires it of this user. */
  mfa?: { enabled: boolean; requiredByPolicy: boolean };
  /** Identity providers the account signs in through; empty for a local account. */
  providers: NamedItem[];
}

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

function decodeUser(x: unknown): AdminUser {
  const o = unwrap(x, 'user');
  const username = str(o, 'username');
  return {
    id: str(o, 'id'),
    username,
    displayName: optStr(o, 'displayName') ?? username,
    roles: strArray(o, 'roles'),
    groups: strArray(o, 'groups'),
    disabled: bool(o, 'disabled'),
    mfa: typeof o.mfa === 'object' && o.mfa !== null ? { enabled: bool(o.mfa as Json, 'enabled'), requiredByPolicy: bool(o.mfa as Json, 'requiredByPolicy') } : undefined,
    providers: Array.isArray(o.providers) ? (o.providers as Json[]).map((p) => ({ id: str(p, 'id'), name: str(p, 'name') })) : [],
  };
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

export function listUsers(signal?: AbortSignal): Promise<AdminUser[]> {
  return api('/api/v1/admin/users', { decode: (x) => list(x, 'users', decodeUser), signal });
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  roles: Role[];
  /** Group ids (names work too). */
  groups: string[];
}

export async function createUser(input: NewUser): Promise<AdminUser> {
  // An empty display name is left out: the gateway then uses the username.
  const { displayName, ...rest } = input;
  const body = displayName ? input : rest;
  const user = await api('/api/v1/admin/users', { method: 'POST', body, decode: decodeUser });
  // API.md lists displayName for PATCH only; set it there too if the create call ignored it.
  if (input.displayName && user.displayName !== input.displayName) {
    return updateUser(user.id, { displayName: input.displayName });
  }
  return user;
}

export interface UserPatch {
  disabled?: boolean;
  roles?: string[];
  displayName?: string;
  password?: string;
  groups?: string[];
}

export function updateUser(id: string, patch: UserPatch): Promise<AdminUser> {
  return api(`/api/v1/admin/users/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch, decode: decodeUser });
}

export function deleteUser(id: string): Promise<void> {
  return api(`/api/v1/admin/users/${encodeURIComponent(id)}`, { method: 'DELETE' });
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
