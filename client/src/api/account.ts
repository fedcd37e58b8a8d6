// The signed-in person's account security (API.md "Account security"): two-step verification,
// signed-in browsers and API tokens.
import { api } from './client.ts';
import { bool, list, obj, optNum, optStr, str, type Json } from './decode.ts';

export interface MfaStatus {
  enabled: boolean;
  pending: boolean;
  recoveryCodesLeft: number;
  requiredByPolicy: boolean;
  enrollmentRequired: boolean;
  rememberDays: number;
}

export interface TotpSetup {
  secret: string;
  otpauthUri: string;
  qrDataUrl: string;
}

export interface SignedInBrowser {
  id: string;
  current: boolean;
  createdAt: number;
  lastSeenAt: number;
  ip?: string;
  userAgent?: string;
}

export interface ApiTokenInfo {
  id: string;
  name: string;
  createdAt: number;
  expiresAt?: number;
  lastUsedAt?: number;
  expired: boolean;
}

function decodeMfa(x: unknown): MfaStatus {
  const o = obj(x, 'mfa');
  const totp = typeof o.totp === 'object' && o.totp !== null ? (o.totp as Json) : {};
  return {
    enabled: bool(o, 'enabled'),
    pending: bool(totp, 'pending'),
    recoveryCodesLeft: optNum(o, 'recoveryCodesLeft') ?? 0,
    requiredByPolicy: bool(o, 'requiredByPolicy'),
    enrollmentRequired: bool(o, 'enrollmentRequired'),
    rememberDays: optNum(o, 'rememberDays') ?? 0,
  };
}

export const fetchMfa = (signal?: AbortSignal) => api('/api/v1/me/mfa', { decode: decodeMfa, signal });

/** Local accounts confirm their password; the answer holds the secret and its QR code (shown once). */
export function startTotpSetup(password: string | undefined): Promise<TotpSetup> {
  return api('/api/v1/me/mfa/totp/setup', {
    method: 'POST',
    body: password === undefined ? {} : { password },
    decode: (x) => {
      const o = obj(x, 'setup');
      const qr = str(o, 'qrDataUrl');
      // Only an image data: URL may become an <img src>.
      if (!qr.startsWith('data:image/')) throw new TypeError('qrDataUrl: not an image');
      return { secret: str(o, 'secret'), otpauthUri: str(o, 'otpauthUri'), qrDataUrl: qr };
    },
  });
}

/** Enables TOTP; the answer's recovery codes are shown once and never again. */
export function confirmTotp(code: string): Promise<string[]> {
  return api('/api/v1/me/mfa/totp/confirm', {
    method: 'POST',
    body: { code },
    decode: (x) => {
      const codes = obj(x, 'confirm').recoveryCodes;
      if (!Array.isArray(codes)) throw new TypeError('recoveryCodes: not a list');
      return codes.map(String);
    },
  });
}

export function disableTotp(proof: { password?: string; code?: string }): Promise<void> {
  return api('/api/v1/me/mfa/totp', { method: 'DELETE', body: proof });
}

function decodeBrowser(x: unknown): SignedInBrowser {
  const o = obj(x, 'session');
  return { id: str(o, 'id'), current: bool(o, 'current'), createdAt: optNum(o, 'createdAt') ?? 0, lastSeenAt: optNum(o, 'lastSeenAt') ?? 0, ip: optStr(o, 'ip'), userAgent: optStr(o, 'userAgent') };
}

export const listBrowsers = (signal?: AbortSignal) => api('/api/v1/me/sessions', { decode: (x) => list(x, 'sessions', decodeBrowser), signal });
export const revokeBrowser = (id: string) => api(`/api/v1/me/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
export const revokeOtherBrowsers = () =>
  api('/api/v1/me/sessions/revoke-others', { method: 'POST', decode: (x) => optNum(obj(x, 'revoked'), 'revoked') ?? 0 });

function decodeToken(x: unknown): ApiTokenInfo {
  const o = obj(x, 'token');
  return { id: str(o, 'id'), name: str(o, 'name'), createdAt: optNum(o, 'createdAt') ?? 0, expiresAt: optNum(o, 'expiresAt'), lastUsedAt: optNum(o, 'lastUsedAt'), expired: bool(o, 'expired') };
}

export const listTokens = (signal?: AbortSignal) => api('/api/v1/me/tokens', { decode: (x) => list(x, 'tokens', decodeToken), signal });
export const revokeToken = (id: string) => api(`/api/v1/me/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
export function createToken(name: string, expiresInDays?: number): Promise<{ id: string; token: string }> {
  return api('/api/v1/me/tokens', {
    method: 'POST',
    body: expiresInDays === undefined ? { name } : { name, expiresInDays },
    decode: (x) => {
      const o = obj(x, 'token');
      return { id: str(o, 'id'), token: str(o, 'token') };
    },
  });
}

/** "Firefox on Linux"-style label from a User-Agent; the raw string stays in the title. */
export function browserLabel(ua: string | undefined): string {
  if (!ua) return 'Unknown browser';
  const name = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : /curl|node|undici|python/i.test(ua) ? 'Script' : 'Browser';
  const os = /Windows/.test(ua) ? 'Windows' : /Mac OS X|Macintosh/.test(ua) ? 'macOS' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${name} on ${os}` : name;
}
