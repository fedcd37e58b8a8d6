// Sign-in through OpenID Connect providers over HTTP: the OIDC router (./oidc.ts) wired to the
// sign-in domain (server/auth/oidc-sign-in.ts), the pending-code cookie and POST /auth/login/code,
// and the redirects back to where the browser was headed or to the sign-in page with a reason.
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { throttled } from '../../errors.ts';
import { createOidcSignIn as createSignIn, PENDING_TTL_MS, type BrowserAt, type OidcSignInDeps } from '../../auth/oidc-sign-in.ts';
import { createAttemptStore, type OidcFailureReason } from '../../auth/oidc.ts';
import { addressKey, createThrottle } from '../../auth/throttle.ts';
import { meView } from '../../auth/views.ts';
import { OidcCodeBody } from '../../../contract/api/auth.ts';
import { clientAddress } from '../auth-middleware.ts';
import { parseCookies, readRememberCookie, readSessionCookie, sessionOrigin, setRememberCookie, setSessionCookie } from '../cookies.ts';
import { parse } from '../validate.ts';
import { ATTEMPT_COOKIE, createOidcRouter } from './oidc.ts';

export const PENDING_COOKIE = 'deskport_mfa_pending';

/** Where a failed attempt lands: the sign-in page reads `error` and `provider`. */
export function signInFailurePath(reason: OidcFailureReason | 'disabled', providerId: string): string {
  return `/signin?${new URLSearchParams({ error: reason, provider: providerId })}`;
}

export interface OidcSignIn {
  /** Mounted under /api/v1. The OIDC router is built on first use, once the public URL is known. */
  handler: Router;
  endSessionUrl(userId: string): Promise<string | null>;
}

export function createOidcSignIn(deps: OidcSignInDeps): OidcSignIn {
  const signIn = createSignIn(deps);
  let router: Router | undefined;
  const cookieOpts = { httpOnly: true, sameSite: 'lax' as const, path: '/api/v1/auth/', secure: deps.config.cookieSecure };
  const browserAt = (req: Request): BrowserAt => {
    const ip = clientAddress(req);
    return { ip, origin: sessionOrigin(req, ip), sessionCookie: readSessionCookie(req), rememberCookie: readRememberCookie(req) };
  };

  const codeRouter = express.Router();
  codeRouter.post('/auth/login/code', async (req, res) => {
    const key = parseCookies(req.headers.cookie).get(PENDING_COOKIE);
    const r = await signIn.confirmCode(key, () => parse(OidcCodeBody, req.body), browserAt(req));
    res.clearCookie(PENDING_COOKIE, cookieOpts);
    setSessionCookie(deps, res, r.session);
    setRememberCookie(deps, res, r.remember);
    res.json({ user: await meView(deps, r.user), next: r.next });
  });

  const build = (): Router =>
    createOidcRouter({
      providers: () => deps.providers.oidc(),
      publicUrl: deps.publicUrl(),
      clock: deps.clock,
      log: deps.log,
      discovery: signIn.discovery,
      attempts: createAttemptStore(deps.store),
      onIdentity: async (identity, req: Request, res: Response, next: string) => {
        const r = await signIn.acceptIdentity(identity, next, browserAt(req));
        if (r.kind === 'disabled') return void res.redirect(303, signInFailurePath('disabled', identity.providerId));
        if (r.kind === 'code') {
          res.cookie(PENDING_COOKIE, r.pendingKey, { ...cookieOpts, maxAge: PENDING_TTL_MS });
          return void res.redirect(303, `/signin?${r.query}`);
        }
        setSessionCookie(deps, res, r.session);
        res.redirect(303, next);
      },
      onFailure: async (providerId, reason, req, res) => {
        // A callback without an attempt of this browser is noise anyone can send: logged, not audited.
        if (parseCookies(req.headers.cookie).has(ATTEMPT_COOKIE)) await signIn.failed(providerId, reason, clientAddress(req));
        res.redirect(303, signInFailurePath(reason, providerId));
      },
    });
  // Each start holds an attempt in a bounded store: one address may not crowd out everyone else's.
  const starts = createThrottle(deps.store, deps.clock, 'oidc-start', {
    maxFailures: 30,
    windowS: 60,
    lockS: 60,
    maxLockS: 600,
    resetAfterS: 3600,
  });
  const throttleStarts: RequestHandler = (req, _res, next) => {
    const key = addressKey(clientAddress(req));
    // Counted and refused in one step on the store, so a burst cannot outrun it.
    starts
      .take(key)
      .then(
        (wait) =>
          next(wait > 0 ? throttled(wait, `Too many sign-ins started from your address. Wait ${wait} seconds and try again.`) : undefined),
        next,
      );
  };
  const oidcRoutes: RequestHandler = (req, res, next) => {
    router ??= build();
    router(req, res, next);
  };
  // The paths are declared here too, so the app's router stack lists every route it serves
  // (test/integration/malformed-requests.test.ts reads it); the OIDC router matches them again.
  const handler = express.Router();
  handler.use(codeRouter);
  handler.get('/auth/oidc/:providerId/start', throttleStarts, oidcRoutes);
  handler.get('/auth/oidc/:providerId/callback', oidcRoutes);

  return { handler, endSessionUrl: (userId) => signIn.endSessionUrl(userId) };
}
