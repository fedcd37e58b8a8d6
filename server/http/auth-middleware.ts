// Who is calling, and may they: resolves the principal from the session cookie or a bearer token,
// gates routes by sign-in and role, and refuses cookie-authenticated writes from foreign origins.
import type { Request, RequestHandler, Response } from 'express';
import { HttpError } from './errors.ts';
import { forbidden, unauthenticated } from '../errors.ts';
import type { Role, User } from '../store/types.ts';
import { resolveApiToken } from '../auth/api-tokens.ts';
import type { AuthDeps } from '../auth/deps.ts';
import { hasRole } from '../auth/roles.ts';
import { resolveWebSession } from '../auth/web-sessions.ts';
import { readSessionCookie, setSessionCookie } from './cookies.ts';

export interface Principal {
  user: User;
  via: 'cookie' | 'token';
  /** With a cookie: the web session's public id and stored hash ("this browser"). */
  session?: { id: string; hash: string };
}

export function currentPrincipal(res: Response): Principal | null {
  const p: unknown = res.locals.principal;
  return p && typeof p === 'object' && 'user' in p && 'via' in p ? (p as Principal) : null;
}

/** The signed-in principal; throws 401 when there is none. */
export function principalOf(res: Response): Principal {
  const p = currentPrincipal(res);
  if (!p) throw unauthenticated();
  return p;
}

/**
 * Sets res.locals.principal from `Authorization: Bearer` (when a Bearer header is present the cookie
 * is ignored, so `via` names the credential actually used) or from the session cookie. Bad or
 * missing credentials just leave no principal; routes decide whether that is a 401. Store errors
 * still go to the error handler: an outage must not look like "signed out".
 */
export function authenticate(deps: AuthDeps): RequestHandler {
  return async (req, res, next) => {
    delete res.locals.principal;
    const authz = req.headers.authorization;
    // Only the Bearer scheme counts: Basic credentials of a reverse proxy in front must not hide the cookie.
    if (authz !== undefined && /^bearer(\s|$)/i.test(authz)) {
      const token = /^bearer +(\S+)\s*$/i.exec(authz)?.[1];
      const user = token ? await resolveApiToken(deps, token) : null;
      if (user) res.locals.principal = { user, via: 'token' } satisfies Principal;
      return next();
    }
    const resolved = await resolveWebSession(deps, readSessionCookie(req));
    // Expiry slid: the browser's copy slides too.
    if (resolved?.refreshed) setSessionCookie(deps, res, resolved.refreshed);
    const session = resolved?.session;
    if (session) {
      const user = await deps.store.getUser(session.userId);
      if (user && !user.disabled)
        res.locals.principal = { user, via: 'cookie', session: { id: session.id, hash: session.hash } } satisfies Principal;
    }
    next();
  };
}

export const requireUser: RequestHandler = (_req, res, next) => {
  principalOf(res);
  next();
};

/** Passes when the user holds any of `roles` (directly or by implication); 401 signed out, 403 otherwise. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const { user } = principalOf(res);
    if (!roles.some((r) => hasRole(user, r))) throw forbidden(`This needs the ${roles.join(' or ')} role.`);
    next();
  };
}

/** The gateway's own origin: the configured public URL's, else the one this request was sent to. */
export function gatewayOrigin(deps: AuthDeps, req: Request): string | null {
  const base = deps.config.publicUrl ?? `${req.protocol}://${req.headers.host ?? ''}`;
  return normalizeOrigin(base);
}

function normalizeOrigin(s: string): string | null {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF defence for writes. Cookie-authenticated writes need `Origin` equal to ours. Anonymous writes
 * (the login, which sets a cookie) are refused when they carry a foreign Origin, but may omit it so
 * scripts can sign in. Bearer-token writes need nothing: a browser never attaches tokens by itself.
 * Must run after authenticate().
 */
export function originCheck(deps: AuthDeps): RequestHandler {
  return (req, res, next) => {
    if (!UNSAFE.has(req.method)) return next();
    const p = currentPrincipal(res);
    if (p?.via === 'token') return next();
    const origin = req.headers.origin;
    if (origin === undefined && !p) return next();
    const ours = gatewayOrigin(deps, req);
    if (origin === undefined || ours === null || normalizeOrigin(origin) !== ours) {
      throw new HttpError(
        403,
        'origin_mismatch',
        origin === undefined
          ? 'This request needs an Origin header equal to the gateway’s origin (or use an API token).'
          : 'This request came from another site; it is refused to protect your session.',
      );
    }
    next();
  };
}

/** The caller's address as express sees it (honouring the app's `trust proxy`), IPv4-mapped IPv6 unwrapped. */
export function clientAddress(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
