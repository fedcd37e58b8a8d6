// Sign-in, sign-out, "who am I" and personal API tokens, mounted at /api/v1. Passwords are checked
// by a passport-local strategy; sessions are our own cookies (passport's session support is off).
import express, { type Request, type Response, type Router } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { forbidden, fromZod, HttpError, tooMany } from '../http/errors.ts';
import type { User } from '../store/types.ts';
import { issueApiToken } from './api-tokens.ts';
import type { AuthDeps } from './deps.ts';
import { clientAddress, currentPrincipal, principalOf, requireUser } from './middleware.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { changePasswordBody, createTokenBody, loginBody } from './schemas.ts';
import { addressKey, ADDRESS_THROTTLE, createThrottle, USER_THROTTLE, type Throttle } from './throttle.ts';
import { groupNames, publicUser } from './views.ts';
import { dropWebSession, endWebSession, startWebSession } from './web-sessions.ts';

export interface AuthRouterOptions {
  userThrottle?: Throttle;
  addressThrottle?: Throttle;
}

type FailReason = 'unknown_user' | 'no_password' | 'bad_password' | 'disabled';
type LoginOutcome = { ok: true; user: User } | { ok: false; reason: FailReason; userId: string | null };

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

export function createAuthRouter(deps: AuthDeps, options: AuthRouterOptions = {}): Router {
  const router = express.Router();
  const pp = createPassport(deps);
  const users = options.userThrottle ?? createThrottle(deps.clock, USER_THROTTLE);
  const addresses = options.addressThrottle ?? createThrottle(deps.clock, ADDRESS_THROTTLE);

  router.post('/auth/login', async (req, res) => {
    const parsed = loginBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const { username } = parsed.data;
    const ip = clientAddress(req);
    // Case-folded so "Admin" and "admin" share one counter whatever the store's collation.
    const userKey = username.toLowerCase();
    const addrKey = addressKey(ip);
    const actor = username.slice(0, 64);

    const wait = Math.max(users.check(userKey), addresses.check(addrKey));
    if (wait > 0) {
      deps.log.info({ ip, wait }, 'sign-in refused: throttled');
      throw tooMany(wait, `Too many failed sign-ins. Wait ${wait} seconds and try again.`);
    }
    // Charged before the (slow) password check so parallel guesses cannot outrun the counter;
    // a successful sign-in forgets it again.
    users.fail(userKey);

    const outcome = await checkCredentials(pp, req, res);
    if (!outcome.ok) {
      const userLock = users.check(userKey);
      const addrLock = addresses.fail(addrKey);
      await deps.audit.record({ actor, action: 'auth.login', target: outcome.userId, result: 'failed', ip, details: { reason: outcome.reason } });
      if (userLock > 0 || addrLock > 0) {
        await deps.audit.record({
          actor,
          action: 'auth.throttled',
          target: outcome.userId,
          result: 'denied',
          ip,
          details: { scope: addrLock >= userLock ? 'address' : 'user', lockS: Math.max(userLock, addrLock) },
        });
      }
      throw new HttpError(401, 'invalid_credentials', WRONG);
    }

    users.succeed(userKey);
    // The address counter is deliberately not reset: signing in to one's own account must not buy
    // more guesses at others'. It ages out with its window.
    const { user } = outcome;
    await dropWebSession(deps, req); // a browser signing in again drops its previous session
    await startWebSession(deps, res, user.id);
    await deps.audit.record({ actor: user.username, action: 'auth.login', target: user.id, result: 'ok', ip, details: {} });
    res.json({ user: publicUser(user, await groupNames(deps.store)) });
  });

  router.post('/auth/logout', async (req, res) => {
    const p = currentPrincipal(res);
    const ended = await endWebSession(deps, req, res);
    if (ended && p) {
      await deps.audit.record({ actor: p.user.username, action: 'auth.logout', target: p.user.id, result: 'ok', ip: clientAddress(req), details: {} });
    }
    res.status(204).end();
  });

  router.get('/me', requireUser, async (_req, res) => {
    const { user } = principalOf(res);
    res.json(publicUser(user, await groupNames(deps.store)));
  });

  router.post('/me/tokens', requireUser, async (req, res) => {
    const { user, via } = principalOf(res);
    // A token minting tokens would let one leaked short-lived token become a permanent one.
    if (via !== 'cookie') throw forbidden('API tokens can only be created from a signed-in browser session.', 'session_required');
    const parsed = createTokenBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const { token, record } = await issueApiToken(deps, user.id, parsed.data.name, parsed.data.expiresInDays);
    await deps.audit.record({
      actor: user.username,
      action: 'token.create',
      target: record.id,
      result: 'ok',
      ip: clientAddress(req),
      details: { name: record.name, expiresAt: record.expiresAt },
    });
    res.status(201).json({ id: record.id, token, name: record.name, expiresAt: record.expiresAt });
  });

  router.post('/me/password', requireUser, async (req, res) => {
    const { user, via } = principalOf(res);
    if (via !== 'cookie') throw forbidden('Change your password from a signed-in browser session.', 'session_required');
    const parsed = changePasswordBody.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const key = user.username.toLowerCase();
    const wait = users.check(key);
    if (wait > 0) throw tooMany(wait, `Too many attempts. Try again in ${Math.ceil(wait)} s.`);
    if (!(await verifyPassword(user.passwordHash, parsed.data.currentPassword))) {
      users.fail(key);
      await deps.audit.record({ actor: user.username, action: 'user.password_change', target: user.id, result: 'denied', ip: clientAddress(req), details: { reason: 'bad_password' } });
      throw new HttpError(403, 'invalid_credentials', 'Your current password is not right.');
    }
    await deps.store.updateUser(user.id, { passwordHash: await hashPassword(parsed.data.newPassword) });
    // Every other sign-in of this account ends; this browser gets a fresh session.
    await deps.store.deleteWebSessionsOfUser(user.id);
    await startWebSession(deps, res, user.id);
    await deps.audit.record({ actor: user.username, action: 'user.password_change', target: user.id, result: 'ok', ip: clientAddress(req), details: {} });
    res.status(204).end();
  });

  return router;
}
