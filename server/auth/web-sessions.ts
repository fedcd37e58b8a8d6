// Our own cookie sessions: the cookie holds 256 random bits, the store only their sha256. Expiry
// slides with use, but a session is touched at most once a minute so reads don't become writes.
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { WebSession } from '../store/types.ts';
import { sessionTtlMs, type AuthDeps } from './deps.ts';
import { secretToken, SECRET_RE, sha256 } from '../util/random.ts';

export const SESSION_COOKIE = 'deskport_session';
const TOUCH_EVERY_MS = 60_000;
// However busy, a session (and so a stolen cookie) dies this long after sign-in (or after one
// TTL, if an operator configured a longer one).
const MAX_AGE_MS = 7 * 86400_000;
const maxAgeMs = (deps: AuthDeps) => Math.max(MAX_AGE_MS, sessionTtlMs(deps.config));

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

/** The session cookie's value when it has the right shape, else null. */
export function readSessionCookie(req: Request): string | null {
  const v = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
  return v !== undefined && SECRET_RE.test(v) ? v : null;
}

function setCookie(deps: AuthDeps, res: Response, value: string, maxAgeMs: number): void {
  res.cookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'lax', path: '/', secure: deps.config.cookieSecure, maxAge: maxAgeMs });
}

export function clearSessionCookie(deps: AuthDeps, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure: deps.config.cookieSecure });
}

/** What "signed-in browsers" shows about a session: the sign-in's address and browser. */
export interface SessionOrigin {
  ip?: string | null;
  userAgent?: string | null;
}

const MAX_USER_AGENT = 256;

/** The address and User-Agent of a request, for startWebSession. */
export function sessionOrigin(req: Request, ip: string): SessionOrigin {
  const ua = req.headers['user-agent'];
  return { ip, userAgent: typeof ua === 'string' && ua ? ua.slice(0, MAX_USER_AGENT) : null };
}

/** Creates a session for the user and sets its cookie on the response. */
export async function startWebSession(deps: AuthDeps, res: Response, userId: string, origin: SessionOrigin = {}): Promise<WebSession> {
  const now = deps.clock.now();
  const ttl = sessionTtlMs(deps.config);
  const value = secretToken();
  const session: WebSession = {
    hash: sha256(value),
    id: randomUUID(),
    userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + ttl,
    ip: origin.ip ?? null,
    userAgent: origin.userAgent ?? null,
  };
  await deps.store.createWebSession(session);
  setCookie(deps, res, value, session.expiresAt - now);
  return session;
}

/** Signing in: the browser's previous session (if any) ends and a new one starts. */
export async function signInBrowser(deps: AuthDeps, req: Request, res: Response, userId: string, ip: string): Promise<WebSession> {
  await dropWebSession(deps, req);
  return startWebSession(deps, res, userId, sessionOrigin(req, ip));
}

/**
 * The live session named by the request's cookie, or null. Expired sessions are deleted on
 * sight. When it slides the expiry it also re-sends the cookie, so the browser's copy slides too.
 */
export async function resolveWebSession(deps: AuthDeps, req: Request, res: Response): Promise<WebSession | null> {
  const value = readSessionCookie(req);
  if (!value) return null;
  const hash = sha256(value);
  const s = await deps.store.getWebSession(hash);
  if (!s) return null;
  const now = deps.clock.now();
  if (s.expiresAt <= now) {
    await deps.store.deleteWebSession(hash);
    return null;
  }
  if (now - s.lastSeenAt >= TOUCH_EVERY_MS) {
    const expiresAt = Math.min(now + sessionTtlMs(deps.config), s.createdAt + maxAgeMs(deps));
    await deps.store.touchWebSession(hash, now, expiresAt);
    setCookie(deps, res, value, expiresAt - now);
    return { ...s, lastSeenAt: now, expiresAt };
  }
  return s;
}

/** Deletes the request's session server-side, if any. True when one existed. */
export async function dropWebSession(deps: AuthDeps, req: Request): Promise<boolean> {
  const value = readSessionCookie(req);
  if (!value) return false;
  const hash = sha256(value);
  const existed = (await deps.store.getWebSession(hash)) !== null;
  if (existed) await deps.store.deleteWebSession(hash);
  return existed;
}

/** Deletes the request's session (if any) and clears the cookie. True when a session was deleted. */
export async function endWebSession(deps: AuthDeps, req: Request, res: Response): Promise<boolean> {
  clearSessionCookie(deps, res);
  return dropWebSession(deps, req);
}
