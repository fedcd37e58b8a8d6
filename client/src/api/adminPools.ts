// Pools as the admin sees and edits them: every field of the API (API.md "Administration",
// DESIGN.md "Entities"). Timeouts are whole seconds; `groups` holds group ids, empty = everyone.
import { api } from './client.ts';
import { list, obj, optStr, str, strArray, type Json } from './decode.ts';

export const DRIVERS = ['process', 'docker', 'qemu', 'static'] as const;
export type Driver = (typeof DRIVERS)[number];
export const PROTOCOLS = ['vnc', 'rdp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export type Persistence = 'pooled' | 'personal';
export type Placement = 'breadth' | 'depth';

export interface PoolInput {
  name: string;
  description: string;
  driver: Driver;
  protocol: Protocol;
  image: string | null;
  cpu: number | null;
  memoryMb: number | null;
  minWarm: number;
  maxDesktops: number;
  maxPerUser: number;
  idleTimeoutS: number;
  graceS: number;
  maxLifetimeS: number;
  persistence: Persistence;
  placement: Placement;
  groups: string[];
  /** Helpdesk may view (not control) without asking; the user still sees a banner. */
  shadowWithoutConsent: boolean;
}

export interface AdminPool extends PoolInput {
  id: string;
}

function oneOf<T extends string>(o: Json, key: string, allowed: readonly T[]): T {
  const v = str(o, key);
  if (!(allowed as readonly string[]).includes(v)) throw new TypeError(`${key}: unknown "${v}"`);
  return v as T;
}

function num(o: Json, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${key}: not a number`);
  return v;
}

function optNum(o: Json, key: string): number | null {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function decodeAdminPool(x: unknown): AdminPool {
  const o = obj(x, 'pool');
  return {
    id: str(o, 'id'),
    name: str(o, 'name'),
    description: optStr(o, 'description') ?? '',
    driver: oneOf(o, 'driver', DRIVERS),
    protocol: oneOf(o, 'protocol', PROTOCOLS),
    image: optStr(o, 'image') || null,
    cpu: optNum(o, 'cpu'),
    memoryMb: optNum(o, 'memoryMb'),
    minWarm: num(o, 'minWarm'),
    maxDesktops: num(o, 'maxDesktops'),
    maxPerUser: num(o, 'maxPerUser'),
    idleTimeoutS: num(o, 'idleTimeoutS'),
    graceS: num(o, 'graceS'),
    maxLifetimeS: num(o, 'maxLifetimeS'),
    persistence: oneOf(o, 'persistence', ['pooled', 'personal'] as const),
    placement: oneOf(o, 'placement', ['breadth', 'depth'] as const),
    groups: strArray(o, 'groups'),
    shadowWithoutConsent: o.shadowWithoutConsent === true,
  };
}

export function listAdminPools(signal?: AbortSignal): Promise<AdminPool[]> {
  return api('/api/v1/admin/pools', { decode: (x) => list(x, 'pools', decodeAdminPool), signal });
}

export function createPool(input: PoolInput): Promise<AdminPool> {
  return api('/api/v1/admin/pools', { method: 'POST', body: input, decode: decodeAdminPool });
}

export function updatePool(id: string, patch: Partial<PoolInput>): Promise<AdminPool> {
  return api(`/api/v1/admin/pools/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch, decode: decodeAdminPool });
}

export function deletePool(id: string): Promise<void> {
  return api(`/api/v1/admin/pools/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
