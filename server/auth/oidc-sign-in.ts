// Sign-in through OpenID Connect providers: the OIDC router (server/auth/oidc.ts) with what
// happens after the provider answered: the person's account is provisioned or updated just in time
// (provisioning.ts), a web session starts, and the browser goes where it was headed. Failures go
// back to the sign-in page with a reason it can explain. Everything is audited.
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import { fromZod, throttled, DomainError } from '../errors.ts';
import { secretToken, sha256 } from '../util/random.ts';
import type { IdentityStore } from '../store/identity-types.ts';
import type { Store } from '../store/types.ts';
import type { AuthDeps } from './deps.ts';
import { clientAddress } from '../http/auth-middleware.ts';
import { ATTEMPT_COOKIE, createOidcDiscovery, createOidcRouter, endSessionUrl, type OidcFailureReason } from './oidc.ts';
import { accountKey, type LoginThrottle } from './login-throttle.ts';
import { addressKey, createThrottle } from './throttle.ts';
import type { ProviderRegistry } from './providers.ts';
import { provisionExternalUser } from './provisioning.ts';
import { checkSecondFactor, otpRequired, secondFactorPassed } from './mfa.ts';
import { meView } from '../http/routes/auth.ts';
import { parseCookies, signInBrowser } from './web-sessions.ts';

export interface OidcSignInDeps extends AuthDeps {
  store: Store & IdentityStore;
  providers: ProviderRegistry;
  publicUrl: () => string;
  /** The sign-in throttle the password form uses: a wrong code here counts the same. */
  throttle: LoginThrottle;
}

/** Where a failed attempt lands: the sign-in page reads `error` and `provider`. */
export function signInFailurePath(reason: OidcFailureReason | 'disabled', providerId: string): string {
  return `/signin?${new URLSearchParams({ error: reason, provider: providerId })}`;
}

/**
 * A provider sign-in of someone with two-step verification waits here for the code: the browser
 * holds the key in an HttpOnly cookie, the sign-in page asks for the code and posts it to
 * POST /auth/login/code. Five minutes, five tries, one success; bounded in number.
 */
interface PendingCode { userId: string; providerId: string; next: string; expiresAt: number; tries: number }
export const PENDING_COOKIE = 'deskport_mfa_pending';
const PENDING_TTL_MS = 5 * 60_000;
const PENDING_MAX = 10_000;
const PENDING_TRIES = 5;
// No code at all asks only whether this browser is remembered (its cookie is SameSite=Strict, so
// the cross-site callback never carries it; this same-site POST does).
const codeBody = z.strictObject({ otp: z.string().max(32).optional(), remember: z.boolean().optional() });

export interface OidcSignIn {
  /** Mounted under /api/v1. The OIDC router is built on first use, once the public URL is known. */
  handler: Router;
  /**
   * RP-initiated logout: the OIDC provider the person last signed in with, when it is configured
   * with endSessionRedirect and offers an end_session_endpoint; null otherwise (or when unreachable).
   */
  endSessionUrl(userId: string): Promise<string | null>;
}

export function createOidcSignIn(deps: OidcSignInDeps): OidcSignIn {
  let router: Router | undefined;
  // One discovery cache for sign-in and sign-out.
  const discovery = createOidcDiscovery({ clock: deps.clock });
  const pending = new Map<string, PendingCode>();
  const cookieOpts = { httpOnly: true, sameSite: 'lax' as const, path: '/api/v1/auth/', secure: deps.config.cookieSecure };

  async function finish(req: Request, res: Response, userId: string, providerId: string, details: Record<string, unknown>): Promise<void> {
    const ip = clientAddress(req);
    await signInBrowser(deps, req, res, userId, ip);
    const user = await deps.store.getUser(userId);
    await deps.audit.record({ actor: user?.username ?? userId, action: 'auth.login', target: userId, result: 'ok', ip, details: { provider: providerId, ...details } });
  }

  const codeRouter = express.Router();
  codeRouter.post('/auth/login/code', async (req, res) => {
    const key = parseCookies(req.headers.cookie).get(PENDING_COOKIE);
    const hash = key ? sha256(key) : '';
    const p = pending.get(hash);
    if (!p || p.expiresAt <= deps.clock.now()) {
      pending.delete(hash);
      throw new DomainError('unauthenticated', 'sign_in_expired', 'This sign-in has expired. Sign in with your provider again.');
    }
    const parsed = codeBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const user = await deps.store.getUser(p.userId);
    if (!user || user.disabled) {
      pending.delete(hash);
      throw new DomainError('unauthenticated', 'sign_in_expired', 'This sign-in has expired. Sign in with your provider again.');
    }
    const ip = clientAddress(req);
    const attempt = { account: accountKey(user.username), ip };
    const wait = deps.throttle.check(attempt);
    if (wait) throw throttled(wait.waitS, `Too many wrong codes. Wait ${wait.waitS} seconds and try again.`);
    const otp = parsed.data.otp?.trim() ? parsed.data.otp : undefined;
    if (otp) deps.throttle.charge(attempt);
    const second = await checkSecondFactor(deps, req, user, otp);
    if (!second.ok && second.reason === 'otp_required') throw await otpRequired(deps);
    if (!second.ok) {
      const lock = deps.throttle.failed(attempt);
      if (lock) await deps.audit.record({ actor: user.username, action: 'auth.throttled', target: user.id, result: 'denied', ip, details: { scope: lock.scope, lockS: lock.lockS } });
      p.tries++;
      if (p.tries >= PENDING_TRIES) pending.delete(hash);
      await deps.audit.record({ actor: user.username, action: 'auth.login', target: user.id, result: 'failed', ip, details: { provider: p.providerId, reason: second.reason } });
      throw new DomainError('unauthenticated', p.tries >= PENDING_TRIES ? 'sign_in_expired' : 'invalid_otp', p.tries >= PENDING_TRIES
        ? 'Too many wrong codes. Sign in with your provider again.'
        : 'That code is not right, or was used already. Enter the current code from your authenticator app, or a recovery code.');
    }
    deps.throttle.succeeded(attempt);
    pending.delete(hash);
    res.clearCookie(PENDING_COOKIE, cookieOpts);
    await finish(req, res, user.id, p.providerId, { mfa: second.via });
    await secondFactorPassed(deps, res, user, second.via, parsed.data.remember, ip);
    res.json({ user: await meView(deps, user), next: p.next });
  });

  const build = (): Router =>
    createOidcRouter({
      providers: () => deps.providers.oidc(),
      publicUrl: deps.publicUrl(),
      clock: deps.clock,
      log: deps.log,
      discovery,
      onIdentity: async (identity, req: Request, res: Response, next: string) => {
        const ip = clientAddress(req);
        const r = await provisionExternalUser(deps, identity, ip);
        if (!r.ok) {
          await deps.audit.record({ actor: identity.username.slice(0, 64), action: 'auth.login', target: r.user.id, result: 'failed', ip, details: { provider: identity.providerId, reason: 'disabled' } });
          return void res.redirect(303, signInFailurePath('disabled', identity.providerId));
        }
        // Two-step verification applies to provider sign-ins too (unless this browser is remembered).
        const second = await checkSecondFactor(deps, req, r.user, undefined);
        if (!second.ok) {
          if (pending.size >= PENDING_MAX) pending.delete(pending.keys().next().value as string);
          const key = secretToken();
          pending.set(sha256(key), { userId: r.user.id, providerId: identity.providerId, next, expiresAt: deps.clock.now() + PENDING_TTL_MS, tries: 0 });
          res.cookie(PENDING_COOKIE, key, { ...cookieOpts, maxAge: PENDING_TTL_MS });
          const { rememberDays } = await deps.store.getMfaPolicy();
          const q = new URLSearchParams({ step: 'code', provider: identity.providerId, user: r.user.username, rememberDays: String(rememberDays), next });
          await deps.audit.record({ actor: r.user.username, action: 'auth.login', target: r.user.id, result: 'denied', ip, details: { provider: identity.providerId, reason: 'otp_required' } });
          return void res.redirect(303, `/signin?${q}`);
        }
        await finish(req, res, r.user.id, identity.providerId, { created: r.created, ...(second.via === 'none' ? {} : { mfa: second.via }) });
        res.redirect(303, next);
      },
      onFailure: async (providerId, reason, req, res) => {
        // A callback without an attempt of this browser is noise anyone can send: logged, not audited.
        if (parseCookies(req.headers.cookie).has(ATTEMPT_COOKIE)) await deps.audit.record({ actor: `provider:${providerId}`.slice(0, 64), action: 'auth.login', target: null, result: 'failed', ip: clientAddress(req), details: { provider: providerId, reason } });
        res.redirect(303, signInFailurePath(reason, providerId));
      },
    });
  // Each start holds an attempt in a bounded store: one address may not crowd out everyone else's.
  const starts = createThrottle(deps.clock, { maxFailures: 30, windowS: 60, lockS: 60, maxLockS: 600, resetAfterS: 3600, maxEntries: 10_000 });
  const throttleStarts: RequestHandler = (req, _res, next) => {
    const key = addressKey(clientAddress(req));
    const wait = starts.check(key);
    if (wait > 0) return next(throttled(wait, `Too many sign-ins started from your address. Wait ${wait} seconds and try again.`));
    starts.fail(key);
    next();
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

  async function endSession(userId: string): Promise<string | null> {
    const oidc = deps.providers.oidc().filter((p) => p.endSessionRedirect);
    if (oidc.length === 0) return null;
    const last = (await deps.store.listIdentitiesOfUser(userId))
      .filter((i) => oidc.some((p) => p.id === i.providerId))
      .sort((a, b) => b.lastLoginAt - a.lastLoginAt)[0];
    const provider = last && oidc.find((p) => p.id === last.providerId);
    return provider ? endSessionUrl(provider, undefined, `${deps.publicUrl()}/signin`, discovery) : null;
  }

  return { handler, endSessionUrl: endSession };
}
