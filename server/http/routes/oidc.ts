// OpenID Connect sign-in over HTTP: the authorization code flow (PKCE S256, state, nonce) run by
// openid-client's passport Strategy on a passport instance of our own. It hands a verified
// ExternalIdentity to the caller, which provisions the user and starts the web session.
import express, { type Request, type Response, type Router } from 'express';
import * as client from 'openid-client';
import { Strategy, type AuthenticateOptions } from 'openid-client/passport';
import passport from 'passport';
import type { Clock } from '../../clock.ts';
import { notFound } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { SECRET_RE, secretToken } from '../../util/random.ts';
import type { ExternalIdentity } from '../../auth/identity.ts';
import {
  ATTEMPT_TTL_MS,
  createOidcDiscovery,
  identityFromClaims,
  safeNextPath,
  type AttemptStore,
  type OidcAttempt,
  type OidcDiscovery,
  type OidcFailureReason,
  type OidcProviderConfig,
} from '../../auth/oidc.ts';
import { parseCookies } from '../cookies.ts';

// ---- The router -------------------------------------------------------------------------------

export interface OidcRouterOptions {
  /** Looked up on every request, so admins' edits apply at once. */
  providers: () => OidcProviderConfig[];
  /** The gateway's public URL; redirect URIs hang off it. */
  publicUrl: string;
  onIdentity: (identity: ExternalIdentity, req: Request, res: Response, next: string, tokens: { idToken?: string }) => Promise<void>;
  onFailure: (providerId: string, reason: OidcFailureReason, req: Request, res: Response) => Promise<void>;
  clock: Clock;
  log: Logger;
  discovery?: OidcDiscovery;
  /** Where attempts wait for the provider's answer (createAttemptStore over the gateway's store). */
  attempts: AttemptStore;
}

export const ATTEMPT_COOKIE = 'deskport_oidc';
const SESSION_KEY = 'deskport-oidc';
type Phase = { deskportPhase: 'start' | 'callback' };

/** The stock strategy sends state and nonce only when PKCE is unsupported; we always want all three. */
class DeskportOidcStrategy extends Strategy {
  override authorizationRequestParams<T extends AuthenticateOptions>(req: Request, options: T): URLSearchParams {
    const params = new URLSearchParams(super.authorizationRequestParams(req, options));
    params.set('state', client.randomState());
    params.set('nonce', client.randomNonce());
    return params;
  }
  // Which phase runs is decided by the route, not guessed from the query string.
  override shouldInitiateAuthRequest<T extends AuthenticateOptions>(_req: Request, _url: URL, options: T): boolean {
    return (options as T & Partial<Phase>).deskportPhase === 'start';
  }
}

/**
 * Holds the response's end until `pending()` settles (the start's redirect until its attempt is
 * stored). If storing failed, the redirect is not sent: the browser gets 503 and tries again.
 */
function holdEnd(res: Response, pending: () => Promise<unknown> | undefined): void {
  const end = res.end.bind(res) as (...a: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    const p = pending();
    if (!p) return end(...args);
    void p.then(
      () => end(...args),
      () => {
        res.statusCode = 503;
        res.removeHeader('Location');
        res.removeHeader('Content-Length');
        res.setHeader('Retry-After', '5');
        end('The sign-in could not be started right now. Try again in a moment.');
      },
    );
    return res;
  }) as Response['end'];
}

/** The strategy keeps its checks in `req.session`; ours is a bag backed by the attempt record. */
function useSession(req: Request, bag: object): void {
  (req as Request & { session?: object }).session = bag;
}

function checksFrom(v: unknown): OidcAttempt['checks'] {
  const o = (v ?? {}) as Record<string, unknown>;
  const ok = typeof o.code_verifier === 'string' && typeof o.state === 'string' && typeof o.nonce === 'string';
  return ok ? { codeVerifier: o.code_verifier as string, state: o.state as string, nonce: o.nonce as string } : null;
}

/** What a failure was, for our reason codes and the log; never the error's payload (it can hold the code). */
function classify(err: unknown): { reason: OidcFailureReason; detail: Record<string, unknown> } {
  if (err instanceof client.AuthorizationResponseError)
    return {
      reason: err.error === 'access_denied' ? 'access_denied' : 'provider_error',
      detail: { error: err.error, description: err.error_description },
    };
  if (err instanceof client.ResponseBodyError)
    return { reason: 'provider_error', detail: { status: err.status, error: err.error, description: err.error_description } };
  if (err instanceof client.ClientError) {
    const msg = err.cause instanceof Error ? err.cause.message : err.message;
    const detail = { code: err.code, message: msg };
    if (/"state"/.test(msg)) return { reason: 'bad_state', detail };
    if (/JWT|ID Token/.test(msg) || err.code === 'OAUTH_KEY_SELECTION_FAILED') return { reason: 'id_token_invalid', detail };
    return { reason: 'provider_error', detail };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const network = e instanceof TypeError || e.name === 'TimeoutError' || e.name === 'AbortError';
  return { reason: network ? 'provider_unreachable' : 'provider_error', detail: { name: e.name, message: e.message } };
}

export function createOidcRouter(opts: OidcRouterOptions): Router {
  const router = express.Router();
  const pp = new passport.Passport();
  const discovery = opts.discovery ?? createOidcDiscovery({ clock: opts.clock });
  const { attempts } = opts;
  const base = new URL(opts.publicUrl);
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const routeBase = (id: string) => `${base.pathname.replace(/\/+$/, '')}/api/v1/auth/oidc/${id}/`;
  const cookieOpts = (id: string) => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: base.protocol === 'https:',
    path: routeBase(id),
  });
  const registered = new Map<string, { config: client.Configuration; name: string }>();
  let serial = 0;

  const find = (id: string) => opts.providers().find((p) => p.id === id);

  /** The passport strategy name for the provider's current discovery result. */
  async function strategyFor(p: OidcProviderConfig): Promise<string> {
    const config = await discovery.get(p);
    const have = registered.get(p.id);
    if (have?.config === config) return have.name;
    const name = `oidc-${p.id}-${++serial}`;
    const verify = (tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, done: passport.AuthenticateCallback) => {
      const claims = tokens.claims();
      const identity = claims ? identityFromClaims(p, claims) : null;
      if (!identity) return done(null, false, { reason: 'id_token_invalid' });
      done(null, { identity, idToken: tokens.id_token });
    };
    pp.use(
      name,
      new DeskportOidcStrategy(
        { config, scope: p.scopes, callbackURL: `${prefix}/api/v1/auth/oidc/${p.id}/callback`, sessionKey: SESSION_KEY, name },
        verify,
      ),
    );
    if (have) pp.unuse(have.name);
    registered.set(p.id, { config, name });
    return name;
  }

  async function fail(providerId: string, reason: OidcFailureReason, req: Request, res: Response, detail: Record<string, unknown> = {}) {
    opts.log.warn({ provider: providerId, reason, ...detail }, 'oidc sign-in failed');
    await opts.onFailure(providerId, reason, req, res);
  }

  /** Runs the named strategy; passport calls back on success, failure and error (not on redirect). */
  function run(
    name: string,
    phase: Phase['deskportPhase'],
    req: Request,
    res: Response,
    then: (err: unknown, user: unknown, info: unknown) => Promise<void>,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      // Starting ends in a redirect, which passport sends itself without calling back (or the browser left).
      if (phase === 'start') {
        res.once('finish', () => resolve());
        res.once('close', () => resolve());
      }
      const cb = (err: unknown, user?: unknown, info?: unknown) => void then(err, user, info).then(resolve, reject);
      const options: AuthenticateOptions & Phase = { session: false, deskportPhase: phase };
      (pp.authenticate(name, options, cb) as express.RequestHandler)(req, res, (e?: unknown) => (e ? reject(e) : resolve()));
    });
  }

  /** The provider's strategy, or null after answering "unreachable" (discovery is retried next time). */
  async function strategyOrFail(p: OidcProviderConfig, req: Request, res: Response): Promise<string | null> {
    try {
      return await strategyFor(p);
    } catch (err) {
      discovery.forget(p);
      await fail(p.id, 'provider_unreachable', req, res, classify(err).detail);
      return null;
    }
  }

  router.get('/auth/oidc/:providerId/start', async (req, res) => {
    const p = find(req.params.providerId);
    if (!p) throw notFound('sign-in provider');
    res.set('Cache-Control', 'no-store');
    const name = await strategyOrFail(p, req, res);
    if (!name) return;
    const attempt: OidcAttempt = {
      providerId: p.id,
      next: safeNextPath(req.query.next) ?? '/',
      expiresAt: opts.clock.now() + ATTEMPT_TTL_MS,
      checks: null,
    };
    const id = secretToken();
    res.cookie(ATTEMPT_COOKIE, id, { ...cookieOpts(p.id), maxAge: ATTEMPT_TTL_MS });
    // The strategy hands its checks to the session bag, then redirects at once: the redirect waits
    // until the attempt is stored, so the answer finds it whichever gateway it reaches.
    let saved: Promise<unknown> | undefined;
    useSession(req, {
      set [SESSION_KEY](v: unknown) {
        const put = attempts.put({ ...attempt, checks: checksFrom(v) }, id);
        // Handled at once: the redirect may be a while behind (PAR, JAR), and a failure is answered by holdEnd.
        put.catch((err: unknown) => opts.log.warn({ err, provider: p.id }, 'could not store an oidc sign-in attempt'));
        saved = put;
      },
    });
    holdEnd(res, () => saved);
    await run(name, 'start', req, res, async (err) => {
      await fail(p.id, 'provider_error', req, res, classify(err ?? new Error('no authorization URL')).detail);
    });
  });

  router.get('/auth/oidc/:providerId/callback', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const p = find(req.params.providerId);
    if (!p) return fail(req.params.providerId.slice(0, 64), 'unknown_provider', req, res);
    // The attempt is single use whatever happens next.
    res.clearCookie(ATTEMPT_COOKIE, cookieOpts(p.id));
    const id = parseCookies(req.headers.cookie).get(ATTEMPT_COOKIE);
    const attempt = id && SECRET_RE.test(id) ? await attempts.take(id) : null;
    if (!attempt?.checks || attempt.providerId !== p.id)
      return fail(p.id, 'bad_state', req, res, { why: attempt ? 'other attempt' : 'no attempt' });
    if (attempt.expiresAt <= opts.clock.now()) return fail(p.id, 'expired', req, res);
    if (!['code', 'error', 'response'].some((k) => k in req.query))
      return fail(p.id, 'bad_state', req, res, { why: 'no response parameters' });
    const name = await strategyOrFail(p, req, res);
    if (!name) return;
    const { codeVerifier, state, nonce } = attempt.checks;
    useSession(req, { [SESSION_KEY]: { code_verifier: codeVerifier, state, nonce } });
    await run(name, 'callback', req, res, async (err, user, info) => {
      if (err) {
        const { reason, detail } = classify(err);
        if (reason === 'provider_unreachable') discovery.forget(p);
        return fail(p.id, reason, req, res, detail);
      }
      if (!user) {
        const i = (info ?? {}) as { error?: unknown; reason?: OidcFailureReason };
        return fail(p.id, i.error === 'access_denied' ? 'access_denied' : (i.reason ?? 'bad_state'), req, res);
      }
      const { identity, idToken } = user as { identity: ExternalIdentity; idToken?: string };
      opts.log.info({ provider: p.id, subject: identity.subject, groups: identity.groups.length }, 'oidc sign-in verified');
      await opts.onIdentity(identity, req, res, attempt.next, { idToken });
    });
  });

  return router;
}
