// Admin API for identity providers and their group mappings (mounted at /api/v1/admin, admin
// only), and the public list the sign-in page shows (GET /api/v1/auth/providers). Secrets (an
// OIDC client secret, an LDAP bind password) are write-only: responses say whether one is set.
// The changes themselves are in server/auth/provider-admin.ts.
import express, { type Router } from 'express';
import { CreateProviderBody, MappingsBody, UpdateProviderBody } from '../../../contract/api/auth-admin.ts';
import { Id } from '../../../contract/ids.ts';
import type { IdentityProvider, IdentityStore } from '../../store/identity-types.ts';
import type { Store } from '../../store/types.ts';
import type { AuthDeps } from '../../auth/deps.ts';
import { createProviderAdmin } from '../../auth/provider-admin.ts';
import { parseProvider, SECRET_FIELDS, type ProviderRegistry } from '../../auth/providers.ts';
import { actorOf } from '../actor.ts';
import { requireRole } from '../auth-middleware.ts';
import { parse } from '../validate.ts';

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
  const admin = createProviderAdmin(deps);
  const router = express.Router();
  router.use(requireRole('admin'));
  const idOf = (raw: unknown) => parse(Id, raw, 'provider id');

  async function view(p: IdentityProvider) {
    const groups = await store.listGroups();
    const mappings = await store.listGroupMappings(p.id);
    const parsed = parseProvider(p).result;
    return {
      id: p.id,
      kind: p.kind,
      name: p.name,
      enabled: p.enabled,
      position: p.position,
      ...withoutSecret(p),
      valid: parsed.success,
      ...(parsed.success ? {} : { problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }),
      ...(p.kind === 'oidc' ? { redirectUri: `${deps.publicUrl()}/api/v1/auth/oidc/${p.id}/callback` } : {}),
      mappings: mappings.map((m) => ({
        externalGroup: m.externalGroup,
        groupId: m.groupId,
        group: groups.find((g) => g.id === m.groupId)?.name ?? null,
        role: m.role,
      })),
      createdAt: new Date(p.createdAt).toISOString(),
      updatedAt: new Date(p.updatedAt).toISOString(),
    };
  }

  router.get('/identity-providers', async (_req, res) => {
    res.json(await Promise.all((await store.listIdentityProviders()).map(view)));
  });

  router.post('/identity-providers', async (req, res) => {
    res.status(201).json(await view(await admin.create(actorOf(req, res), parse(CreateProviderBody, req.body))));
  });

  router.put('/identity-providers/:id', async (req, res) => {
    res.json(await view(await admin.update(actorOf(req, res), idOf(req.params.id), () => parse(UpdateProviderBody, req.body))));
  });

  router.delete('/identity-providers/:id', async (req, res) => {
    await admin.remove(actorOf(req, res), idOf(req.params.id));
    res.status(204).end();
  });

  router.put('/identity-providers/:id/mappings', async (req, res) => {
    res.json(await view(await admin.replaceMappings(actorOf(req, res), idOf(req.params.id), () => parse(MappingsBody, req.body))));
  });

  router.post('/identity-providers/:id/test', async (req, res) => {
    res.json(await admin.test(actorOf(req, res), idOf(req.params.id)));
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
