// OpenID Connect sign-in: the authorization code flow (PKCE S256, state, nonce) run by
// openid-client's passport Strategy on a passport instance of our own. It hands a verified
// ExternalIdentity to the caller, which provisions the user and starts the web session.
import express, { type Request, type Response, type Router } from 'express';
import * as client from 'openid-client';
import { Strategy, type AuthenticateOptions } from 'openid-client/passport';
import passport from 'passport';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock.ts';
import { notFound } from '../errors.ts';
import type { Logger } from '../log.ts';
import { secretToken, SECRET_RE, sha256 } from '../util/random.ts';
import type { ExternalIdentity } from './identity.ts';
import { parseCookies } from './web-sessions.ts';

// ---- Provider configuration -------------------------------------------------------------------

const isLoopbackHost = (h: string) => h === 'localhost' || h === '[::1]' || /^127(\.\d{1,3}){3}$/.test(h);
const claimPath = z.string().min(1).max(128).regex(/^[A-Za-z0-9_:/.#-]+$/, 'must be a claim name or a dotted path');
const SCOPE_RE = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

export const oidcProviderSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, 'must be a lowercase slug (a-z, 0-9, -), at most 48 characters'),
    name: z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
    issuer: z.url({ protocol: /^https?$/ }).max(2048),
    clientId: z.string().min(1).max(256),
    /** Absent for public clients, which rely on PKCE alone. */
    clientSecret: z.string().min(1).max(1024).optional(),
    tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    scopes: z.string().max(1024).regex(SCOPE_RE, 'must be space-separated scope names').refine((s) => s.split(' ').includes('openid'), 'must include openid').default('openid profile email'),
    groupsClaim: claimPath.default('groups'),
    usernameClaim: claimPath.default('preferred_username'),
    /** Lets a loopback issuer use plain http (tests, a provider on the same machine); never others. */
    allowHttpIssuer: z.boolean().default(false),
    /** On sign-out, also send the browser to the provider's end_session_endpoint. */
    endSessionRedirect: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    const u = new URL(c.issuer);
    if (u.search || u.hash || u.username || u.password) ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'must not carry a query, fragment or credentials' });
    if (u.protocol === 'http:' && !(c.allowHttpIssuer && isLoopbackHost(u.hostname))) {
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'must use https (http only for a loopback issuer with allowHttpIssuer)' });
    }
  });

export type OidcProviderConfig = z.output<typeof oidcProviderSchema>;
export type OidcProviderInput = z.input<typeof oidcProviderSchema>;

// ---- Claims → ExternalIdentity ----------------------------------------------------------------

export const MAX_GROUPS = 256;
const MAX_TEXT = 256;

/** A claim by name, else by dotted path into nested objects ("realm_access.roles"). */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  // A literal key wins: URI-shaped claim names ("https://example.com/groups") contain dots.
  if (Object.hasOwn(claims, path)) return claims[path];
  let cur: unknown = claims;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const text = (v: unknown, max = MAX_TEXT): string | null => (typeof v === 'string' && v.trim() && v.length <= max ? v.trim() : null);

/** Group names from a claim holding an array of strings or one string. Over-long names are dropped, not cut: two cut names could collide. */
export function groupsFrom(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  const out = new Set<string>();
  for (const g of list) {
    const name = text(g);
    if (name) out.add(name);
    if (out.size >= MAX_GROUPS) break;
  }
  return [...out];
}

/** The identity an ID token's claims describe, or null without a usable `sub`. */
export function identityFromClaims(config: Pick<OidcProviderConfig, 'id' | 'usernameClaim' | 'groupsClaim'>, claims: Record<string, unknown>): ExternalIdentity | null {
  const subject = typeof claims.sub === 'string' && claims.sub.length > 0 && claims.sub.length <= 255 ? claims.sub : null;
  if (!subject) return null;
  const email = text(claims.email, 320);
  return {
    providerId: config.id,
    subject,
    username: text(claimAt(claims, config.usernameClaim)) ?? email ?? subject,
    displayName: text(claims.name),
    email: email?.includes('@') ? email : null,
    groups: groupsFrom(claimAt(claims, config.groupsClaim)),
  };
}

/** `next` when it is a path on this site ("/desktops?x=1"), else null. */
export function safeNextPath(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return null;
  // "//evil.example" and "/\evil.example" are other hosts to a browser.
  if (!raw.startsWith('/') || raw.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(raw)) return null;
  const base = 'http://deskport.invalid';
  const u = new URL(raw, base);
  // Dot-segments normalise back into "//host" ("/.//evil", "/a/..//evil"): check the result too.
  if (u.origin !== base || u.pathname.startsWith('//') || u.pathname.startsWith('/\\')) return null;
  return u.pathname + u.search + u.hash;
}

// ---- Per-attempt secrets ----------------------------------------------------------------------

export interface OidcAttempt {
  providerId: string;
  next: string;
  expiresAt: number;
  /** Filled by the strategy when it builds the authorization URL. */
  checks: { codeVerifier: string; state: string; nonce: string } | null;
}

/** Bounded, in-memory, single-use store of sign-in attempts (exported so tests can tamper with one). */
export interface AttemptStore {
  put(attempt: OidcAttempt): string;
  /** Removes and returns the attempt (expired ones too: the caller tells "expired" from "unknown"). */
  take(id: string): OidcAttempt | null;
  peek(id: string): OidcAttempt | undefined;
  readonly size: number;
}

export const ATTEMPT_TTL_MS = 10 * 60_000;

export function createAttemptStore(clock: Clock, { max = 10_000, ttlMs = ATTEMPT_TTL_MS } = {}): AttemptStore {
  const map = new Map<string, OidcAttempt>(); // insertion order is age order
  return {
    put(attempt) {
      const now = clock.now();
      // Expired attempts linger one more TTL so a late callback hears "expired", then go.
      for (const [k, a] of map) {
        if (a.expiresAt + ttlMs > now && map.size < max) break;
        map.delete(k);
      }
      const id = secretToken();
      map.set(id, attempt);
      return id;
    },
    take(id) {
      const a = map.get(id) ?? null;
      map.delete(id);
      return a;
    },
    peek: (id) => map.get(id),
    get size() {
      return map.size;
    },
  };
}

// ---- Discovery --------------------------------------------------------------------------------

/** Discovered provider metadata, cached per configuration; failures are never cached. */
export interface OidcDiscovery {
  get(config: OidcProviderConfig): Promise<client.Configuration>;
  forget(config: OidcProviderConfig): void;
}

export function createOidcDiscovery({ clock = systemClock, ttlMs = 3600_000, timeoutS = 10 }: { clock?: Clock; ttlMs?: number; timeoutS?: number } = {}): OidcDiscovery {
  const cache = new Map<string, { at: number; config: Promise<client.Configuration> }>();
  const keyOf = (c: OidcProviderConfig) => sha256(JSON.stringify([c.id, c.issuer, c.clientId, c.clientSecret, c.tokenEndpointAuthMethod, c.allowHttpIssuer]));
  const discover = (c: OidcProviderConfig) => {
    const auth = !c.clientSecret ? client.None() : c.tokenEndpointAuthMethod === 'client_secret_post' ? client.ClientSecretPost(c.clientSecret) : client.ClientSecretBasic(c.clientSecret);
    // The schema only lets http through for loopback issuers.
    const execute = new URL(c.issuer).protocol === 'http:' ? [client.allowInsecureRequests] : [];
    return client.discovery(new URL(c.issuer), c.clientId, undefined, auth, { execute, timeout: timeoutS });
  };
  return {
    get(c) {
      const key = keyOf(c);
      const hit = cache.get(key);
      if (hit && clock.now() - hit.at < ttlMs) return hit.config;
      const config = discover(c);
      cache.delete(key);
      cache.set(key, { at: clock.now(), config });
      if (cache.size > 64) cache.delete(cache.keys().next().value as string);
      config.catch(() => cache.get(key)?.config === config && cache.delete(key));
      return config;
    },
    forget(c) {
      cache.delete(keyOf(c));
    },
  };
}

/** The provider's logout URL for RP-initiated logout, or null (not enabled, not offered, or the provider is unreachable). */
export async function endSessionUrl(config: OidcProviderConfig, idTokenHint: string | undefined, postLogoutRedirect: string, discovery: OidcDiscovery = createOidcDiscovery()): Promise<string | null> {
  if (!config.endSessionRedirect) return null;
  const c = await discovery.get(config).catch(() => null);
  if (!c?.serverMetadata().end_session_endpoint) return null;
  const params: Record<string, string> = { client_id: config.clientId, post_logout_redirect_uri: postLogoutRedirect };
  if (idTokenHint) params.id_token_hint = idTokenHint;
  return client.buildEndSessionUrl(c, params).href;
}

// ---- The router -------------------------------------------------------------------------------

export type OidcFailureReason = 'unknown_provider' | 'bad_state' | 'expired' | 'access_denied' | 'provider_error' | 'provider_unreachable' | 'id_token_invalid';

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
  attempts?: AttemptStore;
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
  if (err instanceof client.AuthorizationResponseError) return { reason: err.error === 'access_denied' ? 'access_denied' : 'provider_error', detail: { error: err.error, description: err.error_description } };
  if (err instanceof client.ResponseBodyError) return { reason: 'provider_error', detail: { status: err.status, error: err.error, description: err.error_description } };
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
  const attempts = opts.attempts ?? createAttemptStore(opts.clock);
  const base = new URL(opts.publicUrl);
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const routeBase = (id: string) => `${base.pathname.replace(/\/+$/, '')}/api/v1/auth/oidc/${id}/`;
  const cookieOpts = (id: string) => ({ httpOnly: true, sameSite: 'lax' as const, secure: base.protocol === 'https:', path: routeBase(id) });
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
    pp.use(name, new DeskportOidcStrategy({ config, scope: p.scopes, callbackURL: `${prefix}/api/v1/auth/oidc/${p.id}/callback`, sessionKey: SESSION_KEY, name }, verify));
    if (have) pp.unuse(have.name);
    registered.set(p.id, { config, name });
    return name;
  }

  async function fail(providerId: string, reason: OidcFailureReason, req: Request, res: Response, detail: Record<string, unknown> = {}) {
    opts.log.warn({ provider: providerId, reason, ...detail }, 'oidc sign-in failed');
    await opts.onFailure(providerId, reason, req, res);
  }

  /** Runs the named strategy; passport calls back on success, failure and error (not on redirect). */
  function run(name: string, phase: Phase['deskportPhase'], req: Request, res: Response, then: (err: unknown, user: unknown, info: unknown) => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      // Starting ends in a redirect, which passport sends itself without calling back.
      if (phase === 'start') res.once('finish', () => resolve());
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
    const attempt: OidcAttempt = { providerId: p.id, next: safeNextPath(req.query.next) ?? '/', expiresAt: opts.clock.now() + ATTEMPT_TTL_MS, checks: null };
    const id = attempts.put(attempt);
    res.cookie(ATTEMPT_COOKIE, id, { ...cookieOpts(p.id), maxAge: ATTEMPT_TTL_MS });
    useSession(req, {
      set [SESSION_KEY](v: unknown) {
        attempt.checks = checksFrom(v);
      },
    });
    await run(name, 'start', req, res, async (err) => {
      attempts.take(id);
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
    const attempt = id && SECRET_RE.test(id) ? attempts.take(id) : null;
    if (!attempt?.checks || attempt.providerId !== p.id) return fail(p.id, 'bad_state', req, res, { why: attempt ? 'other attempt' : 'no attempt' });
    if (attempt.expiresAt <= opts.clock.now()) return fail(p.id, 'expired', req, res);
    if (!['code', 'error', 'response'].some((k) => k in req.query)) return fail(p.id, 'bad_state', req, res, { why: 'no response parameters' });
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
