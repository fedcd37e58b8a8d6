// Admin: the MFA policy and resetting a user's second factor (API.md "Administration"), decoded
// with the contract's schemas (contract/api/auth-admin.ts).
import { z } from 'zod/mini';
import { MfaPolicy } from '../../../contract/api/auth-admin.ts';
import { api } from './client.ts';

export type { MfaPolicy };

const decodePolicy = (x: unknown): MfaPolicy => z.parse(MfaPolicy, x);

export const fetchMfaPolicy = (signal?: AbortSignal) => api('/api/v1/admin/mfa-policy', { decode: decodePolicy, signal });
export const saveMfaPolicy = (p: MfaPolicy) => api('/api/v1/admin/mfa-policy', { method: 'PUT', body: p, decode: decodePolicy });
export const resetUserMfa = (userId: string) => api(`/api/v1/admin/users/${encodeURIComponent(userId)}/mfa/reset`, { method: 'POST' });
