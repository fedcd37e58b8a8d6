// The signed-in person's account security (API.md "Account security"): two-step verification,
// signed-in browsers and API tokens. Answers are decoded with the contract's schemas
// (contract/api/auth.ts); a bad answer is ApiError('bad_response').
import { z } from 'zod/mini';
import {
  ApiTokenInfo,
  CreatedToken,
  MfaStatus,
  RevokeOthersAnswer,
  SignedInBrowser,
  TotpConfirmed,
  TotpSetup,
} from '../../../contract/api/auth.ts';
import { api } from './client.ts';

export type { ApiTokenInfo, MfaStatus, SignedInBrowser, TotpSetup };

export const fetchMfa = (signal?: AbortSignal) => api('/api/v1/me/mfa', { decode: (x) => z.parse(MfaStatus, x), signal });

/** Local accounts confirm their password; the answer holds the secret and its QR code (shown once). */
export function startTotpSetup(password: string | undefined): Promise<TotpSetup> {
  return api('/api/v1/me/mfa/totp/setup', {
    method: 'POST',
    body: password === undefined ? {} : { password },
    decode: (x) => {
      const setup = z.parse(TotpSetup, x);
      // Only an image data: URL may become an <img src>.
      if (!setup.qrDataUrl.startsWith('data:image/')) throw new TypeError('qrDataUrl: not an image');
      return setup;
    },
  });
}

/** Enables TOTP; the answer's recovery codes are shown once and never again. */
export function confirmTotp(code: string): Promise<string[]> {
  return api('/api/v1/me/mfa/totp/confirm', { method: 'POST', body: { code }, decode: (x) => z.parse(TotpConfirmed, x).recoveryCodes });
}

export function disableTotp(proof: { password?: string; code?: string }): Promise<void> {
  return api('/api/v1/me/mfa/totp', { method: 'DELETE', body: proof });
}

export const listBrowsers = (signal?: AbortSignal) =>
  api('/api/v1/me/sessions', { decode: (x) => z.parse(z.array(SignedInBrowser), x), signal });
export const revokeBrowser = (id: string) => api(`/api/v1/me/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
export const revokeOtherBrowsers = () =>
  api('/api/v1/me/sessions/revoke-others', { method: 'POST', decode: (x) => z.parse(RevokeOthersAnswer, x).revoked });

export const listTokens = (signal?: AbortSignal) => api('/api/v1/me/tokens', { decode: (x) => z.parse(z.array(ApiTokenInfo), x), signal });
export const revokeToken = (id: string) => api(`/api/v1/me/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
export function createToken(name: string, expiresInDays?: number): Promise<{ id: string; token: string }> {
  return api('/api/v1/me/tokens', {
    method: 'POST',
    body: expiresInDays === undefined ? { name } : { name, expiresInDays },
    decode: (x) => {
      const { id, token } = z.parse(CreatedToken, x);
      return { id, token };
    },
  });
}

/** "Firefox on Linux"-style label from a User-Agent; the raw string stays in the title. */
export function browserLabel(ua: string | null | undefined): string {
  if (!ua) return 'Unknown browser';
  const name = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : /curl|node|undici|python/i.test(ua)
            ? 'Script'
            : 'Browser';
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Mac OS X|Macintosh/.test(ua)
      ? 'macOS'
      : /Android/.test(ua)
        ? 'Android'
        : /iPhone|iPad/.test(ua)
          ? 'iOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${name} on ${os}` : name;
}
