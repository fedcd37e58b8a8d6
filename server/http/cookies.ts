// The browser's cookies of sign-in: the session cookie and the remember-this-browser cookie. The
// auth domain issues their secrets (server/auth/web-sessions.ts, remembered-browsers.ts); this
// hands them to the browser and reads them back, with their names, paths and flags.
import type { Request, Response } from 'express';
import type { AuthDeps } from '../auth/deps.ts';
import type { IssuedSecret, SessionOrigin } from '../auth/web-sessions.ts';
import { SECRET_RE } from '../util/random.ts';

export const SESSION_COOKIE = 'deskport_session';
export const REMEMBER_COOKIE = 'deskport_mfa_remember';
// Scoped to the sign-in path so no other request carries it.
const REMEMBER_PATH = '/api/v1/auth';
const MAX_USER_AGENT = 256;

/** Parses a Cookie header; the first occurrence of a name wins (RFC 6265 puts the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!name || out.has(name)) continue;
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      out.set(name, value);
    }
  }
  return out;
}

/** A secret cookie's value when it has the right shape, else null. */
function readSecretCookie(req: Request, name: string): string | null {
  const v = parseCookies(req.headers.cookie).get(name);
  return v !== undefined && SECRET_RE.test(v) ? v : null;
}

export const readSessionCookie = (req: Request): string | null => readSecretCookie(req, SESSION_COOKIE);
export const readRememberCookie = (req: Request): string | null => readSecretCookie(req, REMEMBER_COOKIE);

export function setSessionCookie(deps: AuthDeps, res: Response, cookie: IssuedSecret): void {
  res.cookie(SESSION_COOKIE, cookie.value, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: deps.config.cookieSecure,
    maxAge: cookie.maxAgeMs,
  });
}

export function clearSessionCookie(deps: AuthDeps, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure: deps.config.cookieSecure });
}

export function setRememberCookie(deps: AuthDeps, res: Response, cookie: IssuedSecret | undefined): void {
  if (!cookie) return;
  res.cookie(REMEMBER_COOKIE, cookie.value, {
    httpOnly: true,
    sameSite: 'strict',
    path: REMEMBER_PATH,
    secure: deps.config.cookieSecure,
    maxAge: cookie.maxAgeMs,
  });
}

/** The address and User-Agent of a request, for a new web session. */
export function sessionOrigin(req: Request, ip: string): SessionOrigin {
  const ua = req.headers['user-agent'];
  return { ip, userAgent: typeof ua === 'string' && ua ? ua.slice(0, MAX_USER_AGENT) : null };
}
