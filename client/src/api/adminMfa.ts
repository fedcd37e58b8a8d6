// Admin: the MFA policy and resetting a user's second factor (API.md "Administration").
import { api } from './client.ts';
import { obj, optNum, strArray } from './decode.ts';

export interface MfaPolicy {
  requiredRoles: string[];
  /** Group ids. */
  requiredGroups: string[];
  rememberDays: number;
}

function decodePolicy(x: unknown): MfaPolicy {
  const o = obj(x, 'policy');
  return { requiredRoles: strArray(o, 'requiredRoles'), requiredGroups: strArray(o, 'requiredGroups'), rememberDays: optNum(o, 'rememberDays') ?? 0 };
}

export const fetchMfaPolicy = (signal?: AbortSignal) => api('/api/v1/admin/mfa-policy', { decode: decodePolicy, signal });
export const saveMfaPolicy = (p: MfaPolicy) => api('/api/v1/admin/mfa-policy', { method: 'PUT', body: p, decode: decodePolicy });
export const resetUserMfa = (userId: string) => api(`/api/v1/admin/users/${encodeURIComponent(userId)}/mfa/reset`, { method: 'POST' });
