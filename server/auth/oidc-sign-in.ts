// Sign-in through OpenID Connect providers: the OIDC router (server/auth/oidc.ts) with what
// happens after the provider answered: the person's account is provisioned or updated just in time
// (provisioning.ts), a web session starts, and the browser goes where it was headed. Failures go
// back to the sign-in page with a reason it can explain. Everything is audited.
import type { Request, RequestHandler, Response, Router } from 'express';
import type { IdentityStore } from '../store/identity-types.ts';
import type { Store } from '../store/types.ts';
import type { AuthDeps } from './deps.ts';
import { clientAddress } from './middleware.ts';
import { createOidcRouter, type OidcFailureReason } from './oidc.ts';
import type { ProviderRegistry } from './providers.ts';
import { provisionExternalUser } from './provisioning.ts';
import { dropWebSession, sessionOrigin, startWebSession } from './web-sessions.ts';

export interface OidcSignInDeps extends AuthDeps {
  store: Store & IdentityStore;
  providers: ProviderRegistry;
  publicUrl: () => string;
}

/** Where a failed attempt lands: the sign-in page reads `error` and `provider`. */
export function signInFailurePath(reason: OidcFailureReason | 'disabled', providerId: string): string {
  return `/signin?${new URLSearchParams({ error: reason, provider: providerId })}`;
}

/** Mounted under /api/v1. The router is built on first use, once the public URL is known. */
export function createOidcSignIn(deps: OidcSignInDeps): RequestHandler {
  let router: Router | undefined;
  const build = (): Router =>
    createOidcRouter({
      providers: () => deps.providers.oidc(),
      publicUrl: deps.publicUrl(),
      clock: deps.clock,
      log: deps.log,
      onIdentity: async (identity, req: Request, res: Response, next: string) => {
        const ip = clientAddress(req);
        const r = await provisionExternalUser(deps, identity, ip);
        if (!r.ok) {
          await deps.audit.record({ actor: identity.username.slice(0, 64), action: 'auth.login', target: r.user.id, result: 'failed', ip, details: { provider: identity.providerId, reason: 'disabled' } });
          return void res.redirect(303, signInFailurePath('disabled', identity.providerId));
        }
        await dropWebSession(deps, req); // a browser signing in again drops its previous session
        await startWebSession(deps, res, r.user.id, sessionOrigin(req, ip));
        await deps.audit.record({ actor: r.user.username, action: 'auth.login', target: r.user.id, result: 'ok', ip, details: { provider: identity.providerId, created: r.created } });
        res.redirect(303, next);
      },
      onFailure: async (providerId, reason, req, res) => {
        await deps.audit.record({ actor: `provider:${providerId}`.slice(0, 64), action: 'auth.login', target: null, result: 'failed', ip: clientAddress(req), details: { provider: providerId, reason } });
        res.redirect(303, signInFailurePath(reason, providerId));
      },
    });
  return (req, res, next) => {
    router ??= build();
    router(req, res, next);
  };
}
