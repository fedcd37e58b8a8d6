// Pools as the admin sees and edits them: every field of the API, decoded with the contract
// (contract/api/admin.ts). Timeouts are whole seconds; `groups` holds group ids, empty = everyone.
import { z } from 'zod/mini';
import { Pool, type PoolInput } from '../../../contract/api/admin.ts';
import { api } from './client.ts';

export { DRIVERS, PROTOCOLS, type DisplayProtocol as Protocol, type DriverName as Driver } from '../../../contract/ids.ts';
export type { Persistence, Placement, PoolInput, PoolNetwork } from '../../../contract/api/admin.ts';
export type AdminPool = Pool;

const PoolList = z.array(Pool);

export function listAdminPools(signal?: AbortSignal): Promise<AdminPool[]> {
  return api('/api/v1/admin/pools', { decode: (x) => PoolList.parse(x), signal });
}

export function createPool(input: PoolInput): Promise<AdminPool> {
  return api('/api/v1/admin/pools', { method: 'POST', body: input, decode: (x) => Pool.parse(x) });
}

export function updatePool(id: string, patch: Partial<PoolInput>): Promise<AdminPool> {
  return api(`/api/v1/admin/pools/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch, decode: (x) => Pool.parse(x) });
}

export function deletePool(id: string): Promise<void> {
  return api(`/api/v1/admin/pools/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
