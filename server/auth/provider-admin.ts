// Identity providers as the admin changes them: add, change (a stored secret is kept only while
// it still goes to the same server), remove, map external groups to groups or roles, and test the
// settings. Each is audited, and the registry (providers.ts) reloads at once.
import type { CreateProviderBody, MappingsBody, UpdateProviderBody } from '../../contract/api/auth-admin.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { isStoreConflict } from '../store/errors.ts';
import type { GroupMapping, IdentityProvider, IdentityStore } from '../store/identity-types.ts';
import type { Store } from '../store/types.ts';
import { newId } from '../util/random.ts';
import type { AuthDeps } from './deps.ts';
import { testLdapConnection } from './ldap.ts';
import { createOidcDiscovery } from './oidc.ts';
import { parseProvider, SECRET_FIELDS, type ProviderRegistry } from './providers.ts';
import type { Actor } from './users.ts';

/** Settings that say where (and as whom) the secret is used. */
const TARGET_FIELDS = { oidc: ['issuer', 'clientId', 'tokenEndpointAuthMethod'], ldap: ['url', 'bindDn', 'startTls'] } as const;

export interface ProviderAdminDeps extends AuthDeps {
  store: Store & IdentityStore;
  providers: ProviderRegistry;
}

/** Validates the full settings with the provider module's schema; field errors point into config. */
function validate(kind: IdentityProvider['kind'], id: string, name: string, config: Record<string, unknown>): void {
  const r = parseProvider({ id, kind, name, config }).result;
  if (!r.success) {
    const details = r.error.issues.map((i) => ({ field: ['config', ...i.path].join('.'), problem: i.message }));
    throw invalid(
      `The ${kind.toUpperCase()} settings are not valid: ${details.map((d) => `${d.field}: ${d.problem}`).join('; ')}.`,
      details,
    );
  }
}

export function createProviderAdmin(deps: ProviderAdminDeps) {
  const { store } = deps;
  const audit = (by: Actor, action: string, target: string, details: Record<string, unknown> = {}, result: 'ok' | 'failed' = 'ok') =>
    deps.audit.record({ actor: by.user.username, action, target, result, ip: by.ip, details });

  async function providerOr404(id: string): Promise<IdentityProvider> {
    const p = await store.getIdentityProvider(id);
    if (!p) throw notFound('identity provider');
    return p;
  }

  async function create(by: Actor, b: CreateProviderBody & { enabled: boolean; position: number }): Promise<IdentityProvider> {
    const { id: _i, name: _n, ...config } = b.config;
    validate(b.kind, b.id, b.name, config);
    const now = deps.clock.now();
    const p: IdentityProvider = {
      id: b.id,
      kind: b.kind,
      name: b.name,
      enabled: b.enabled,
      config,
      position: b.position,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await store.createIdentityProvider(p);
    } catch (err) {
      throw isStoreConflict(err, 'duplicate') ? conflict('provider_exists', `An identity provider with id "${b.id}" already exists.`) : err;
    }
    await deps.providers.reload();
    await audit(by, 'idp.create', p.id, { kind: p.kind, name: p.name, enabled: p.enabled });
    return p;
  }

  /** `read` gives the body once the provider is known to exist (an unknown one is a 404 first). */
  async function update(by: Actor, id: string, read: () => UpdateProviderBody): Promise<IdentityProvider> {
    const cur = await providerOr404(id);
    const b = read();
    const name = b.name ?? cur.name;
    let config = cur.config;
    if (b.config) {
      const field = SECRET_FIELDS[cur.kind];
      const { id: _i, name: _n, ...next } = b.config;
      // A secret left out (or empty) keeps the stored one: the form never sees it to send it back.
      // The stored secret only ever goes to the server it was given for: pointing the provider
      // elsewhere (or at another account) without re-entering it drops it.
      const sameTarget = TARGET_FIELDS[cur.kind].every((k) => JSON.stringify(next[k]) === JSON.stringify(cur.config[k]));
      // null clears it (an anonymous directory search, a public OIDC client).
      if (next[field] === null) delete next[field];
      else if ((next[field] === undefined || next[field] === '') && typeof cur.config[field] === 'string' && sameTarget)
        next[field] = cur.config[field];
      else if (next[field] === '') delete next[field];
      config = next;
    }
    validate(cur.kind, cur.id, name, config);
    const updated = await store.updateIdentityProvider(cur.id, {
      name,
      config,
      updatedAt: deps.clock.now(),
      ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
      ...(b.position !== undefined ? { position: b.position } : {}),
    });
    if (!updated) throw notFound('identity provider');
    await deps.providers.reload();
    const changedSettings = b.config
      ? Object.keys({ ...cur.config, ...config }).filter(
          (k) => k !== SECRET_FIELDS[cur.kind] && JSON.stringify(cur.config[k]) !== JSON.stringify(config[k]),
        )
      : [];
    await audit(by, 'idp.update', cur.id, {
      changed: Object.keys(b),
      settings: changedSettings,
      secretChanged: config[SECRET_FIELDS[cur.kind]] !== cur.config[SECRET_FIELDS[cur.kind]],
    });
    return updated;
  }

  async function remove(by: Actor, id: string): Promise<void> {
    const cur = await providerOr404(id);
    await store.deleteIdentityProvider(cur.id);
    await deps.providers.reload();
    await audit(by, 'idp.delete', cur.id, { kind: cur.kind, name: cur.name });
  }

  async function replaceMappings(by: Actor, id: string, read: () => MappingsBody): Promise<IdentityProvider> {
    const cur = await providerOr404(id);
    const body = read();
    const groups = await store.listGroups();
    const unknown: string[] = [];
    const mappings: GroupMapping[] = body.mappings.map((m) => {
      const g = m.group === undefined ? undefined : groups.find((x) => x.id === m.group || x.name.toLowerCase() === m.group!.toLowerCase());
      if (m.group !== undefined && !g) unknown.push(m.group);
      return { id: newId('gm'), providerId: cur.id, externalGroup: m.externalGroup, groupId: g?.id ?? null, role: m.role ?? null };
    });
    if (unknown.length)
      throw invalid(`Unknown group(s): ${unknown.join(', ')}. Create them first.`, [
        { field: 'mappings', problem: `unknown groups: ${unknown.join(', ')}` },
      ]);
    await store.replaceGroupMappings(cur.id, mappings);
    await audit(by, 'idp.mappings', cur.id, {
      mappings: body.mappings.map((m) => ({
        externalGroup: m.externalGroup,
        ...(m.group !== undefined ? { group: m.group } : { role: m.role }),
      })),
    });
    return cur;
  }

  async function test(by: Actor, id: string): Promise<{ ok: boolean; message: string }> {
    const cur = await providerOr404(id);
    const parsed = parseProvider(cur);
    let result: { ok: boolean; message: string };
    if (!parsed.result.success)
      result = { ok: false, message: `The settings are not valid: ${parsed.result.error.issues[0]?.message ?? 'unknown problem'}` };
    else if (parsed.kind === 'ldap') {
      const r = await testLdapConnection(parsed.result.data);
      result = r.ok ? { ok: true, message: r.message } : { ok: false, message: r.error };
    } else {
      try {
        await createOidcDiscovery().get(parsed.result.data);
        result = { ok: true, message: `Discovered ${parsed.result.data.issuer}.` };
      } catch (err) {
        result = { ok: false, message: `Discovery of ${parsed.result.data.issuer} failed: ${(err as Error).message}` };
      }
    }
    await audit(by, 'idp.test', cur.id, { ok: result.ok }, result.ok ? 'ok' : 'failed');
    return result;
  }

  return { providerOr404, create, update, remove, replaceMappings, test };
}
