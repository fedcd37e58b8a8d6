// Groups (API.md "Administration"): users belong to them, pools are entitled to them. Decoded with
// the contract's schemas (contract/api/auth-admin.ts).
import { z } from 'zod/mini';
import { Group } from '../../../contract/api/auth-admin.ts';
import { api } from './client.ts';

export type { Group };

export function listGroups(signal?: AbortSignal): Promise<Group[]> {
  return api('/api/v1/admin/groups', { decode: (x) => z.parse(z.array(Group), x), signal });
}

export function createGroup(input: { name: string; description: string }): Promise<Group> {
  return api('/api/v1/admin/groups', { method: 'POST', body: input, decode: (x) => z.parse(Group, x) });
}

export function deleteGroup(id: string): Promise<void> {
  return api(`/api/v1/admin/groups/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
