// Users as the admin console manages them (API.md "Administration"), decoded with the contract's
// schemas (contract/api/auth-admin.ts); a bad answer is ApiError('bad_response').
import { z } from 'zod/mini';
import { AdminUser, type CreateUserBody, type PatchUserBody } from '../../../contract/api/auth-admin.ts';
import { api } from './client.ts';

export type { AdminUser };
/** Group ids (names work too); an empty display name means "use the username". */
export type NewUser = Required<Pick<CreateUserBody, 'username' | 'displayName' | 'password' | 'roles' | 'groups'>>;
export type UserPatch = PatchUserBody;

const decodeUser = (x: unknown): AdminUser => z.parse(AdminUser, x);

export function listUsers(signal?: AbortSignal): Promise<AdminUser[]> {
  return api('/api/v1/admin/users', { decode: (x) => z.parse(z.array(AdminUser), x), signal });
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

export function updateUser(id: string, patch: UserPatch): Promise<AdminUser> {
  return api(`/api/v1/admin/users/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch, decode: decodeUser });
}

export function deleteUser(id: string): Promise<void> {
  return api(`/api/v1/admin/users/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
