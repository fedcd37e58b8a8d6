// Identity providers (OpenID Connect, LDAP / Active Directory) and their group mappings, as the
// admin API serves them (server/http/routes/providers.ts), decoded with the contract's schemas
// (contract/api/auth-admin.ts). Secrets are write-only: a provider only says whether one is set.
import { z } from 'zod/mini';
import {
  IdentityProviderView,
  ProviderTestResult,
  type CreateProviderBody,
  type GroupMappingInput,
  type ProviderKind,
  type UpdateProviderBody,
} from '../../../contract/api/auth-admin.ts';
import { ROLES, type Role } from '../../../contract/ids.ts';
import { api } from './client.ts';

export { ROLES };
export type { ProviderKind, Role };
export type IdentityProvider = IdentityProviderView;
/** What one external group grants: a Deskport group (by id) or a role, never both. */
export type GroupMapping = IdentityProvider['mappings'][number];
export type ProviderInput = Required<CreateProviderBody>;
export type ProviderPatch = UpdateProviderBody;
/** One row sent to PUT …/mappings: exactly one of `group` (id or name) and `role`. */
export type MappingInput = GroupMappingInput & ({ group: string; role?: undefined } | { role: Role; group?: undefined });
export type TestResult = ProviderTestResult;

export const decodeProvider = (x: unknown): IdentityProvider => z.parse(IdentityProviderView, x);

const base = '/api/v1/admin/identity-providers';
const one = (id: string): string => `${base}/${encodeURIComponent(id)}`;

export function listProviders(signal?: AbortSignal): Promise<IdentityProvider[]> {
  return api(base, { decode: (x) => z.parse(z.array(IdentityProviderView), x), signal });
}

export function createProvider(input: ProviderInput): Promise<IdentityProvider> {
  return api(base, { method: 'POST', body: input, decode: decodeProvider });
}

/** `config` replaces all settings; a secret left out (or empty) keeps the stored one. */
export function updateProvider(id: string, patch: ProviderPatch): Promise<IdentityProvider> {
  return api(one(id), { method: 'PUT', body: patch, decode: decodeProvider });
}

export function deleteProvider(id: string): Promise<void> {
  return api(one(id), { method: 'DELETE' });
}

export function saveMappings(id: string, mappings: MappingInput[]): Promise<IdentityProvider> {
  return api(`${one(id)}/mappings`, { method: 'PUT', body: { mappings }, decode: decodeProvider });
}

/** LDAP: binds with the service account; OIDC: fetches the issuer's discovery document. */
export function testProvider(id: string, signal?: AbortSignal): Promise<TestResult> {
  return api(`${one(id)}/test`, { method: 'POST', signal, decode: (x) => z.parse(ProviderTestResult, x) });
}
