// Identity providers (OpenID Connect, LDAP / Active Directory) and their group mappings, as the
// admin API serves them (server/http/routes/providers.ts). Secrets are write-only: a provider only
// says whether one is set.
import { api } from './client.ts';
import { bool, list, obj, optStr, str, type Json } from './decode.ts';

export type ProviderKind = 'oidc' | 'ldap';
export const ROLES = ['user', 'helpdesk', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What one external group grants: a Deskport group (by id) or a role, never both. */
export interface GroupMapping {
  externalGroup: string;
  groupId: string | null;
  /** The group's name; null when the group was deleted since. */
  group: string | null;
  role: Role | null;
}

export interface IdentityProvider {
  id: string;
  kind: ProviderKind;
  name: string;
  enabled: boolean;
  /** Sign-in page order, and the order LDAP directories are tried in. */
  position: number;
  /** The provider's settings without its secret. */
  config: Json;
  secretSet: boolean;
  /** False when the stored settings no longer validate; the gateway then skips the provider. */
  valid: boolean;
  problem?: string;
  /** OIDC: the callback URL to register at the provider. */
  redirectUri?: string;
  mappings: GroupMapping[];
  createdAt: string;
  updatedAt: string;
}

export interface ProviderInput {
  kind: ProviderKind;
  id: string;
  name: string;
  enabled: boolean;
  position: number;
  config: Json;
}

export type ProviderPatch = Partial<Pick<ProviderInput, 'name' | 'enabled' | 'position' | 'config'>>;

/** One row sent to PUT …/mappings: exactly one of `group` (id or name) and `role`. */
export type MappingInput = { externalGroup: string; group: string } | { externalGroup: string; role: Role };

export interface TestResult {
  ok: boolean;
  message: string;
}

function role(v: unknown): Role | null {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v) ? (v as Role) : null;
}

function decodeMapping(x: unknown): GroupMapping {
  const o = obj(x, 'mapping');
  return { externalGroup: str(o, 'externalGroup'), groupId: optStr(o, 'groupId') ?? null, group: optStr(o, 'group') ?? null, role: role(o.role) };
}

export function decodeProvider(x: unknown): IdentityProvider {
  const o = obj(x, 'identity provider');
  const kind = str(o, 'kind');
  if (kind !== 'oidc' && kind !== 'ldap') throw new TypeError(`kind: unknown "${kind}"`);
  const position = o.position;
  return {
    id: str(o, 'id'),
    kind,
    name: str(o, 'name'),
    enabled: bool(o, 'enabled'),
    position: typeof position === 'number' ? position : 0,
    config: obj(o.config ?? {}, 'config'),
    secretSet: bool(o, 'secretSet'),
    valid: o.valid !== false,
    problem: optStr(o, 'problem'),
    redirectUri: optStr(o, 'redirectUri'),
    mappings: list(o.mappings ?? [], 'mappings', decodeMapping),
    createdAt: optStr(o, 'createdAt') ?? '',
    updatedAt: optStr(o, 'updatedAt') ?? '',
  };
}

const base = '/api/v1/admin/identity-providers';
const one = (id: string): string => `${base}/${encodeURIComponent(id)}`;

export function listProviders(signal?: AbortSignal): Promise<IdentityProvider[]> {
  return api(base, { decode: (x) => list(x, 'providers', decodeProvider), signal });
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
  return api(`${one(id)}/test`, {
    method: 'POST',
    signal,
    decode: (x) => {
      const o = obj(x, 'test result');
      return { ok: bool(o, 'ok'), message: str(o, 'message') };
    },
  });
}
