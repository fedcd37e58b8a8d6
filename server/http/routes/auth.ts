// Sign-in (password, then the second factor when the account has one), sign-out, "who am I",
// changing one's password and minting API tokens, mounted at /api/v1. Passwords are checked by a
// passport-local strategy; sessions are our own cookies (passport's session support is off). The
// account-security routes (MFA, signed-in browsers, token list) live in their own routers below.
import express, { type Request, type Response, type Router } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { throttled, DomainError } from '../../errors.ts';
import type { User } from '../../store/types.ts';
import type { ExternalIdentity } from '../../auth/identity.ts';
import type { LdapProviderConfig } from '../../auth/ldap.ts';
import { LdapStrategy } from '../ldap-strategy.ts';
import type { ProvisionResult } from '../../auth/provisioning.ts';
import { createAccountRouter } from './account.ts';
import { changeOwnPassword, createApiToken } from '../../auth/account.ts';
import { actorOf } from '../actor.ts';
import type { AuthDeps } from '../../auth/deps.ts';
import { accountKey, createLoginThrottle, type LoginAttempt, type LoginThrottle } from '../../auth/login-throttle.ts';
import { checkSecondFactor, otpRequired, secondFactorPassed } from '../../auth/mfa.ts';
import { requireMfaEnrolled } from '../mfa-gate.ts';
import { createMfaRouter } from './mfa.ts';
import { clientAddress, currentPrincipal, principalOf, requireUser } from '../auth-middleware.ts';
import { verifyPassword } from '../../auth/passwords.ts';
import { rememberedUserId } from '../../auth/remembered-browsers.ts';
import { ChangePasswordBody, CreateTokenBody, LoginBody } from '../../../contract/api/auth.ts';
import { parse } from '../validate.ts';
import { meView } from '../../auth/views.ts';
import {
  endBrowserSession,
  readRememberCookie,
  sessionOrigin,
  setRememberCookie,
  setSessionCookie,
  signInThisBrowser,
} from '../cookies.ts';

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

type FailReason = 'unknown_user' | 'no_password' | 'bad_password' | 'disabled' | 'directory_unavailable';
type LoginOutcome =
  { ok: true; user: User; provider?: string } | { ok: false; reason: FailReason; userId: string | null; provider?: string };

const WRONG = 'Wrong username or password.';

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
        ? { ok: true, user: p.user, provider: config.id }
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

/** A remember-browser cookie of the user named `account` marks the browser as the owner's own. */
async function rememberedAccount(deps: AuthDeps, req: Request): Promise<string | null> {
  const userId = await rememberedUserId(deps, readRememberCookie(req));
  const name = userId === null ? undefined : (await deps.store.getUser(userId))?.username;
  return name === undefined ? null : accountKey(name);
}

const OTP_REFUSED = {
  invalid_otp: 'That code is not right. Enter the current code from your authenticator app, or a recovery code.',
  otp_replay: 'That code was used already. Wait for the next code from your authenticator app.',
} as const;

export function createAuthRouter(deps: AuthDeps, options: AuthRouterOptions = {}): Router {
  const router = express.Router();
  const pp = createPassport(deps);
  const throttle = options.throttle ?? createLoginThrottle(deps.clock);

  router.post('/auth/login', async (req, res) => {
    const { username, otp, remember } = parse(LoginBody, req.body);
    const ip = clientAddress(req);
    // Case-folded so "Admin" and "admin" share one counter whatever the store's collation.
    const account = accountKey(username);
    const attempt: LoginAttempt = { account, ip, trustedBrowser: (await rememberedAccount(deps, req)) === account };
    const actor = username.slice(0, 64);

    const wait = throttle.check(attempt);
    if (wait) {
      deps.log.info({ ip, wait: wait.waitS, scope: wait.scope }, 'sign-in refused: throttled');
      throw throttled(wait.waitS, `Too many failed sign-ins. Wait ${wait.waitS} seconds and try again.`);
    }
    // Charged before the (slow) password check so parallel guesses cannot outrun the counter;
    // a successful sign-in forgets it again.
    throttle.charge(attempt);

    const refuse = async (target: string | null, reason: string, provider?: string) => {
      const lock = throttle.failed(attempt);
      await deps.audit.record({
        actor,
        action: 'auth.login',
        target,
        result: 'failed',
        ip,
        details: { reason, ...(provider ? { provider } : {}) },
      });
      if (lock) {
        await deps.audit.record({
          actor,
          action: 'auth.throttled',
          target,
          result: 'denied',
          ip,
          details: { scope: lock.scope, lockS: lock.lockS },
        });
      }
    };

    let outcome = await checkCredentials(pp, req, res);
    // A name with a local password is a local account; any other name may be a directory's.
    const dirs = options.directories;
    if (!outcome.ok && (outcome.reason === 'unknown_user' || outcome.reason === 'no_password') && dirs && dirs.list().length > 0) {
      outcome = (await checkDirectories(pp, req, res, dirs, deps.log, ip)) ?? outcome;
    }
    if (!outcome.ok && outcome.reason === 'directory_unavailable') {
      await deps.audit.record({
        actor,
        action: 'auth.login',
        target: null,
        result: 'failed',
        ip,
        details: { reason: outcome.reason, provider: outcome.provider },
      });
      throw new DomainError(
        'unavailable',
        'directory_unavailable',
        `The sign-in directory (${outcome.provider}) cannot be reached right now. Try again in a minute; if it keeps failing, tell your admin.`,
      );
    }
    if (!outcome.ok) {
      await refuse(outcome.userId, outcome.reason, outcome.provider);
      throw new DomainError('unauthenticated', 'invalid_credentials', WRONG);
    }
    const { user } = outcome;
    const second = await checkSecondFactor(deps, readRememberCookie(req), user, otp);
    if (!second.ok) {
      if (second.reason === 'otp_required') {
        // The password was right: not a failure for the address, but the attempt stays charged to
        // the account, so password-only probes cannot reset the counter that guards the code.
        await deps.audit.record({
          actor,
          action: 'auth.login',
          target: user.id,
          result: 'denied',
          ip,
          details: { reason: 'otp_required' },
        });
        throw await otpRequired(deps);
      }
      await refuse(user.id, second.reason);
      throw new DomainError('unauthenticated', 'invalid_otp', OTP_REFUSED[second.reason]);
    }

    throttle.succeeded(attempt);
    await signInThisBrowser(deps, req, res, user.id, ip);
    const { rememberedDays, cookie } = await secondFactorPassed(deps, user, second.via, remember, ip);
    setRememberCookie(deps, res, cookie);
    await deps.audit.record({
      actor: user.username,
      action: 'auth.login',
      target: user.id,
      result: 'ok',
      ip,
      details: {
        ...(outcome.provider ? { provider: outcome.provider } : {}),
        ...(second.via === 'none' ? {} : { mfa: second.via, ...(rememberedDays ? { rememberedDays } : {}) }),
      },
    });
    res.json({ user: await meView(deps, user) });
  });

  router.post('/auth/logout', async (req, res) => {
    const p = currentPrincipal(res);
    const ended = await endBrowserSession(deps, req, res);
    if (ended && p) {
      await deps.audit.record({
        actor: p.user.username,
        action: 'auth.logout',
        target: p.user.id,
        result: 'ok',
        ip: clientAddress(req),
        details: {},
      });
    }
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
