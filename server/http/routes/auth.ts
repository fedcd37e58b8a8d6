// Sign-in (password, then the second factor when the account has one), sign-out, "who am I",
// changing one's password and minting API tokens, mounted at /api/v1. Passwords are checked by a
// passport-local strategy (and LDAP directories by ours); what the outcome means is decided in
// server/auth/sign-in.ts. Sessions are our own cookies (passport's session support is off). The
// account-security routes (MFA, signed-in browsers, token list) live in their own routers below.
import express, { type Request, type Response, type Router } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { User } from '../../store/types.ts';
import type { ExternalIdentity } from '../../auth/identity.ts';
import type { LdapProviderConfig } from '../../auth/ldap.ts';
import { LdapStrategy } from '../ldap-strategy.ts';
import type { ProvisionResult } from '../../auth/provisioning.ts';
import { createAccountRouter } from './account.ts';
import { changeOwnPassword, createApiToken } from '../../auth/account.ts';
import { actorOf } from '../actor.ts';
import type { AuthDeps } from '../../auth/deps.ts';
import { createLoginThrottle, type LoginThrottle } from '../../auth/login-throttle.ts';
import { requireMfaEnrolled } from '../mfa-gate.ts';
import { createMfaRouter } from './mfa.ts';
import { clientAddress, currentPrincipal, principalOf, requireUser } from '../auth-middleware.ts';
import { verifyPassword } from '../../auth/passwords.ts';
import { ChangePasswordBody, CreateTokenBody, LoginBody } from '../../../contract/api/auth.ts';
import { parse } from '../validate.ts';
import { meView } from '../../auth/views.ts';
import {
  clearSessionCookie,
  readRememberCookie,
  readSessionCookie,
  sessionOrigin,
  setRememberCookie,
  setSessionCookie,
} from '../cookies.ts';
import { signInWithPassword, signOut, WRONG, type FailReason, type LoginOutcome } from '../../auth/sign-in.ts';

export interface AuthRouterOptions {
  /** The sign-in throttling policy; tests pass one with their own limits. */
  throttle?: LoginThrottle;
  /** LDAP / Active Directory directories asked, in order, for names without a local password. */
  directories?: {
    list: () => LdapProviderConfig[];
    provision: (identity: ExternalIdentity, ip: string) => Promise<ProvisionResult>;
  };
  /** Where the browser should go after signing out here to sign out at its identity provider too. */
  endSessionUrl?: (userId: string) => Promise<string | null>;
}

/** A passport instance of our own (not the global singleton) holding the one local strategy. */
function createPassport(deps: AuthDeps): passport.Authenticator {
  const pp = new passport.Passport();
  pp.use(
    'local',
    new LocalStrategy({ session: false }, (username, password, done) => {
      void (async () => {
        const user = await deps.store.getUserByName(username);
        // verifyPassword runs argon2 even without a hash, so every branch costs the same.
        const match = await verifyPassword(user?.passwordHash, password);
        if (!user) return done(null, false, failure('unknown_user', null));
        if (!user.passwordHash) return done(null, false, failure('no_password', user.id));
        if (!match) return done(null, false, failure('bad_password', user.id));
        if (user.disabled) return done(null, false, failure('disabled', user.id));
        done(null, user);
      })().catch((err: unknown) => done(err));
    }),
  );
  return pp;
}

// Passed to passport as the strategy's `info`; the extra fields reach our authenticate callback.
function failure(reason: FailReason, userId: string | null) {
  return { message: WRONG, reason, userId };
}

/** Runs the strategy through passport.authenticate with a callback, as a promise. */
function checkCredentials(pp: passport.Authenticator, req: Request, res: Response): Promise<LoginOutcome> {
  return new Promise((resolve, reject) => {
    const handler = pp.authenticate('local', { session: false }, (err: unknown, user?: Express.User | false | null, info?: unknown) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      // Our strategy is the only producer of `user`, and it only ever yields a store User.
      if (user) return resolve({ ok: true, user: user as User });
      const i = (info ?? {}) as { reason?: FailReason; userId?: string | null };
      resolve({ ok: false, reason: i.reason ?? 'unknown_user', userId: i.userId ?? null });
    }) as express.RequestHandler;
    void Promise.resolve(handler(req, res, (e?: unknown) => (e ? reject(e) : undefined))).catch(reject);
  });
}

/**
 * Asks the directories in order; the first that knows the name decides. A directory that cannot
 * be reached is skipped; if none could answer, the outcome says so (the caller answers 503).
 */
async function checkDirectories(
  pp: passport.Authenticator,
  req: Request,
  res: Response,
  dirs: NonNullable<AuthRouterOptions['directories']>,
  log: AuthDeps['log'],
  ip: string,
): Promise<LoginOutcome | null> {
  let unavailable: string | undefined;
  for (const config of dirs.list()) {
    const r = await new Promise<{ identity?: ExternalIdentity; reason?: FailReason }>((resolve, reject) => {
      const handler = pp.authenticate(
        new LdapStrategy(config, { log }),
        { session: false },
        (err: unknown, user?: unknown, info?: unknown) => {
          if (err) return reject(err instanceof Error ? err : new Error(String(err)));
          if (user) return resolve({ identity: user as ExternalIdentity });
          resolve({ reason: ((info ?? {}) as { reason?: FailReason }).reason ?? 'unknown_user' });
        },
      ) as express.RequestHandler;
      void Promise.resolve(handler(req, res, (e?: unknown) => (e ? reject(e) : undefined))).catch(reject);
    });
    if (r.identity) {
      const p = await dirs.provision(r.identity, ip);
      return p.ok
        ? { ok: true, user: p.user, provider: config.id, directoryUsername: r.identity.username }
        : { ok: false, reason: 'disabled', userId: p.user.id, provider: config.id };
    }
    if (r.reason === 'directory_unavailable') {
      unavailable ??= config.name;
      continue;
    }
    if (r.reason !== 'unknown_user') return { ok: false, reason: r.reason ?? 'bad_password', userId: null, provider: config.id };
  }
  return unavailable ? { ok: false, reason: 'directory_unavailable', userId: null, provider: unavailable } : null;
}

export function createAuthRouter(deps: AuthDeps, options: AuthRouterOptions = {}): Router {
  const router = express.Router();
  const pp = createPassport(deps);
  const throttle = options.throttle ?? createLoginThrottle(deps.store, deps.clock);

  router.post('/auth/login', async (req, res) => {
    const body = parse(LoginBody, req.body);
    const ip = clientAddress(req);
    const dirs = options.directories;
    const from = { ip, origin: sessionOrigin(req, ip), sessionCookie: readSessionCookie(req), rememberCookie: readRememberCookie(req) };
    const r = await signInWithPassword(deps, throttle, body, from, {
      local: () => checkCredentials(pp, req, res),
      directories: dirs && (() => (dirs.list().length > 0 ? checkDirectories(pp, req, res, dirs, deps.log, ip) : Promise.resolve(null))),
    });
    setSessionCookie(deps, res, r.session);
    setRememberCookie(deps, res, r.remember);
    res.json({ user: await meView(deps, r.user) });
  });

  router.post('/auth/logout', async (req, res) => {
    const p = currentPrincipal(res);
    clearSessionCookie(deps, res);
    const ended = await signOut(deps, readSessionCookie(req), p?.user ?? null, clientAddress(req));
    // Signed in through a provider configured for it: 200 with the provider's sign-out URL.
    const endSession = ended && p && options.endSessionUrl ? await options.endSessionUrl(p.user.id).catch(() => null) : null;
    if (endSession) return void res.json({ endSessionUrl: endSession });
    res.status(204).end();
  });

  router.get('/me', requireUser, async (_req, res) => {
    res.json(await meView(deps, principalOf(res).user));
  });

  // A person the policy requires to enrol must not mint a token that would outlive the requirement.
  router.post('/me/tokens', requireUser, requireMfaEnrolled(deps), async (req, res) => {
    const { token, record } = await createApiToken(deps, actorOf(req, res), () => parse(CreateTokenBody, req.body));
    res.status(201).json({ id: record.id, token, name: record.name, createdAt: record.createdAt, expiresAt: record.expiresAt });
  });

  router.post('/me/password', requireUser, async (req, res) => {
    const by = actorOf(req, res);
    const cookie = await changeOwnPassword(deps, throttle, by, () => parse(ChangePasswordBody, req.body), sessionOrigin(req, by.ip));
    setSessionCookie(deps, res, cookie);
    res.status(204).end();
  });

  router.use(createMfaRouter(deps, throttle));
  router.use(createAccountRouter(deps));
  return router;
}
