// The configured identity providers, validated by their module's schema and cached in memory:
// sign-in paths read them synchronously on every request, admin writes refresh the cache at once,
// and a periodic reload picks up another gateway's edits. A stored provider whose settings no
// longer validate is skipped (and logged), never half-used.
import type { Logger } from '../log.ts';
import type { IdentityProvider, IdentityStore } from '../store/identity-types.ts';
import { ldapProviderSchema, type LdapProviderConfig } from './ldap.ts';
import { oidcProviderSchema, type OidcProviderConfig } from './oidc.ts';

/** Settings that are secrets: stored, used, never returned by the API. */
export const SECRET_FIELDS = { oidc: 'clientSecret', ldap: 'bindPassword' } as const;

export interface PublicProvider {
  id: string;
  kind: 'oidc' | 'ldap';
  name: string;
}

export interface ProviderRegistry {
  oidc(): OidcProviderConfig[];
  ldap(): LdapProviderConfig[];
  /** Enabled providers in sign-in order, for the sign-in page. */
  publicList(): PublicProvider[];
  reload(): Promise<void>;
  stop(): void;
}

/** The module's full settings from a stored provider (id and name live in their own columns). */
export function parseProvider(p: Pick<IdentityProvider, 'id' | 'kind' | 'name' | 'config'>) {
  const input = { ...p.config, id: p.id, name: p.name };
  return p.kind === 'oidc'
    ? ({ kind: 'oidc', result: oidcProviderSchema.safeParse(input) } as const)
    : ({ kind: 'ldap', result: ldapProviderSchema.safeParse(input) } as const);
}

export function createProviderRegistry(store: IdentityStore, log: Logger, reloadMs = 10_000): ProviderRegistry {
  let oidc: OidcProviderConfig[] = [];
  let ldap: LdapProviderConfig[] = [];
  let list: PublicProvider[] = [];
  async function reload(): Promise<void> {
    const nextOidc: OidcProviderConfig[] = [];
    const nextLdap: LdapProviderConfig[] = [];
    const nextList: PublicProvider[] = [];
    for (const p of await store.listIdentityProviders()) {
      if (!p.enabled) continue;
      const parsed = parseProvider(p);
      if (!parsed.result.success) {
        log.warn({ providerId: p.id, problem: parsed.result.error.issues[0]?.message }, 'identity provider settings are invalid; skipped');
        continue;
      }
      if (parsed.kind === 'oidc') nextOidc.push(parsed.result.data);
      else nextLdap.push(parsed.result.data);
      nextList.push({ id: p.id, kind: p.kind, name: p.name });
    }
    [oidc, ldap, list] = [nextOidc, nextLdap, nextList];
  }
  const timer = setInterval(() => void reload().catch((err) => log.warn({ err }, 'identity provider reload failed')), reloadMs);
  timer.unref();
  return {
    oidc: () => oidc,
    ldap: () => ldap,
    publicList: () => list,
    reload,
    stop: () => clearInterval(timer),
  };
}
