// Admin API for identity providers and their group mappings (mounted at /api/v1/admin, admin
// only), and the public list the sign-in page shows (GET /api/v1/auth/providers). Secrets (an
// OIDC client secret, an LDAP bind password) are write-only: responses say whether one is set.
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { conflict, fromZod, notFound, invalid } from '../../errors.ts';
import { isStoreConflict } from '../../store/errors.ts';
import type { GroupMapping, IdentityProvider, IdentityStore } from '../../store/identity-types.ts';
import { ROLES, type Store } from '../../store/types.ts';
import { newId } from '../../util/random.ts';
import type { AuthDeps } from '../../auth/deps.ts';
import { testLdapConnection } from '../../auth/ldap.ts';
import { clientAddress, principalOf, requireRole } from '../auth-middleware.ts';
import { createOidcDiscovery } from '../../auth/oidc.ts';
import { parseProvider, SECRET_FIELDS, type ProviderRegistry } from '../../auth/providers.ts';

const providerId = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, 'must be a lowercase slug (a-z, 0-9, -), at most 48 characters');
const settings = z.record(z.string().max(64), z.unknown()).refine((o) => Object.keys(o).length <= 40, 'too many settings');
const createBody = z.strictObject({
  kind: z.enum(['oidc', 'ldap']),
  id: providerId,
  name: z.string().trim().min(1, 'must not be empty').max(64),
  enabled: z.boolean().default(true),
  position: z.number().int().min(0).max(1000).default(0),
  config: settings,
});
const updateBody = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(64).optional(),
  enabled: z.boolean().optional(),
  position: z.number().int().min(0).max(1000).optional(),
  config: settings.optional(),
});
const mappingsBody = z.strictObject({
  mappings: z
    .array(z.strictObject({
      externalGroup: z.string().trim().min(1, 'must not be empty').max(256),
      group: z.string().min(1).max(128).optional(),
      role: z.enum(ROLES as [string, ...string[]]).optional(),
    }).refine((m) => (m.group === undefined) !== (m.role === undefined), 'give either a group or a role'))
    .max(500),
});

/** Settings that say where (and as whom) the secret is used. */
const TARGET_FIELDS = { oidc: ['issuer', 'clientId', 'tokenEndpointAuthMethod'], ldap: ['url', 'bindDn', 'startTls'] } as const;

export interface ProviderRoutesDeps extends AuthDeps {
  store: Store & IdentityStore;
  providers: ProviderRegistry;
  /** The gateway's public URL (config, else the address it listens on); OIDC redirect URIs hang off it. */
  publicUrl: () => string;
}

function withoutSecret(p: IdentityProvider): { config: Record<string, unknown>; secretSet: boolean } {
  const field = SECRET_FIELDS[p.kind];
  const { [field]: secret, id: _id, name: _name, ...rest } = p.config;
  return { config: rest, secretSet: typeof secret === 'string' && secret !== '' };
}

export function createProviderAdminRouter(deps: ProviderRoutesDeps): Router {
  const { store } = deps;
  const router = express.Router();
  router.use(requireRole('admin'));
  const audit = (req: Request, res: Response, action: string, target: string, details: Record<string, unknown> = {}, result: 'ok' | 'failed' = 'ok') =>
    deps.audit.record({ actor: principalOf(res).user.username, action, target, result, ip: clientAddress(req), details });

  async function view(p: IdentityProvider) {
    const groups = await store.listGroups();
    const mappings = await store.listGroupMappings(p.id);
    const parsed = parseProvider(p).result;
    return {
      id: p.id, kind: p.kind, name: p.name, enabled: p.enabled, position: p.position, ...withoutSecret(p),
      valid: parsed.success, ...(parsed.success ? {} : { problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }),
      ...(p.kind === 'oidc' ? { redirectUri: `${deps.publicUrl()}/api/v1/auth/oidc/${p.id}/callback` } : {}),
      mappings: mappings.map((m) => ({ externalGroup: m.externalGroup, groupId: m.groupId, group: groups.find((g) => g.id === m.groupId)?.name ?? null, role: m.role })),
      createdAt: new Date(p.createdAt).toISOString(), updatedAt: new Date(p.updatedAt).toISOString(),
    };
  }

  /** Validates the full settings with the provider module's schema; field errors point into config. */
  function validate(kind: IdentityProvider['kind'], id: string, name: string, config: Record<string, unknown>): void {
    const r = parseProvider({ id, kind, name, config }).result;
    if (!r.success) {
      const details = r.error.issues.map((i) => ({ field: ['config', ...i.path].join('.'), problem: i.message }));
      throw invalid(`The ${kind.toUpperCase()} settings are not valid: ${details.map((d) => `${d.field}: ${d.problem}`).join('; ')}.`, details);
    }
  }

  async function providerOr404(id: string): Promise<IdentityProvider> {
    const p = await store.getIdentityProvider(id);
    if (!p) throw notFound('identity provider');
    return p;
  }

  router.get('/identity-providers', async (_req, res) => {
    res.json(await Promise.all((await store.listIdentityProviders()).map(view)));
  });

  router.post('/identity-providers', async (req, res) => {
    const parsed = createBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const b = parsed.data;
    const { id: _i, name: _n, ...config } = b.config;
    validate(b.kind, b.id, b.name, config);
    const now = deps.clock.now();
    const p: IdentityProvider = { id: b.id, kind: b.kind, name: b.name, enabled: b.enabled, config, position: b.position, createdAt: now, updatedAt: now };
    try {
      await store.createIdentityProvider(p);
    } catch (err) {
      throw isStoreConflict(err, 'duplicate') ? conflict('provider_exists', `An identity provider with id "${b.id}" already exists.`) : err;
    }
    await deps.providers.reload();
    await audit(req, res, 'idp.create', p.id, { kind: p.kind, name: p.name, enabled: p.enabled });
    res.status(201).json(await view(p));
  });

  router.put('/identity-providers/:id', async (req, res) => {
    const cur = await providerOr404(String(req.params.id));
    const parsed = updateBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const b = parsed.data;
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
      else if ((next[field] === undefined || next[field] === '') && typeof cur.config[field] === 'string' && sameTarget) next[field] = cur.config[field];
      else if (next[field] === '') delete next[field];
      config = next;
    }
    validate(cur.kind, cur.id, name, config);
    const updated = await store.updateIdentityProvider(cur.id, {
      name, config, updatedAt: deps.clock.now(), ...(b.enabled !== undefined ? { enabled: b.enabled } : {}), ...(b.position !== undefined ? { position: b.position } : {}),
    });
    if (!updated) throw notFound('identity provider');
    await deps.providers.reload();
    const changedSettings = b.config ? Object.keys({ ...cur.config, ...config }).filter((k) => k !== SECRET_FIELDS[cur.kind] && JSON.stringify(cur.config[k]) !== JSON.stringify(config[k])) : [];
    await audit(req, res, 'idp.update', cur.id, { changed: Object.keys(b), settings: changedSettings, secretChanged: config[SECRET_FIELDS[cur.kind]] !== cur.config[SECRET_FIELDS[cur.kind]] });
    res.json(await view(updated));
  });

  router.delete('/identity-providers/:id', async (req, res) => {
    const cur = await providerOr404(String(req.params.id));
    await store.deleteIdentityProvider(cur.id);
    await deps.providers.reload();
    await audit(req, res, 'idp.delete', cur.id, { kind: cur.kind, name: cur.name });
    res.status(204).end();
  });

  router.put('/identity-providers/:id/mappings', async (req, res) => {
    const cur = await providerOr404(String(req.params.id));
    const parsed = mappingsBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const groups = await store.listGroups();
    const unknown: string[] = [];
    const mappings: GroupMapping[] = parsed.data.mappings.map((m) => {
      const g = m.group === undefined ? undefined : groups.find((x) => x.id === m.group || x.name.toLowerCase() === m.group!.toLowerCase());
      if (m.group !== undefined && !g) unknown.push(m.group);
      return { id: newId('gm'), providerId: cur.id, externalGroup: m.externalGroup, groupId: g?.id ?? null, role: (m.role ?? null) as GroupMapping['role'] };
    });
    if (unknown.length) throw invalid(`Unknown group(s): ${unknown.join(', ')}. Create them first.`, [{ field: 'mappings', problem: `unknown groups: ${unknown.join(', ')}` }]);
    await store.replaceGroupMappings(cur.id, mappings);
    await audit(req, res, 'idp.mappings', cur.id, {
      mappings: parsed.data.mappings.map((m) => ({ externalGroup: m.externalGroup, ...(m.group !== undefined ? { group: m.group } : { role: m.role }) })),
    });
    res.json(await view(cur));
  });

  router.post('/identity-providers/:id/test', async (req, res) => {
    const cur = await providerOr404(String(req.params.id));
    const parsed = parseProvider(cur);
    let result: { ok: boolean; message: string };
    if (!parsed.result.success) result = { ok: false, message: `The settings are not valid: ${parsed.result.error.issues[0]?.message ?? 'unknown problem'}` };
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
    await audit(req, res, 'idp.test', cur.id, { ok: result.ok }, result.ok ? 'ok' : 'failed');
    res.json(result);
  });

  return router;
}

/** GET /auth/providers: what the sign-in page offers besides local accounts. */
export function createProviderPublicRouter(providers: ProviderRegistry): Router {
  const router = express.Router();
  router.get('/auth/providers', (_req, res) => {
    res.json(providers.publicList().map((p) => ({ ...p, ...(p.kind === 'oidc' ? { startUrl: `/api/v1/auth/oidc/${p.id}/start` } : {}) })));
  });
  return router;
}
