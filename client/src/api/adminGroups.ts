// Groups (API.md "Administration"): users belong to them, pools are entitled to them.
import { api } from './client.ts';
import { list, obj, optStr, str } from './decode.ts';

export interface Group {
  id: string;
  name: string;
  description: string;
}

function decodeGroup(x: unknown): Group {
  const o = obj(x, 'group');
  return { id: str(o, 'id'), name: str(o, 'name'), description: optStr(o, 'description') ?? '' };
}

export function listGroups(signal?: AbortSignal): Promise<Group[]> {
  return api('/api/v1/admin/groups', { decode: (x) => list(x, 'groups', decodeGroup), signal });
}

export function createGroup(input: { name: string; description: string }): Promise<Group> {
  return api('/api/v1/admin/groups', { method: 'POST', body: input, decode: decodeGroup });
}

export function deleteGroup(id: string): Promise<void> {
  return api(`/api/v1/admin/groups/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
