import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, isApiError, isApiErrorBody, setUnauthorizedHandler } from './client.ts';

function answer(status: number, body?: unknown, headers: Record<string, string> = {}): void {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status, headers })),
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  setUnauthorizedHandler(() => {});
});

describe('api()', () => {
  it('recognises the gateway error shape and nothing else', () => {
    expect(isApiErrorBody({ error: { code: 'x', message: 'y' } })).toBe(true);
    expect(isApiErrorBody({ error: 'x' })).toBe(false);
    expect(isApiErrorBody('<html>')).toBe(false);
  });

  it('turns an error body into one ApiError with code, message and Retry-After', async () => {
    answer(429, { error: { code: 'throttled', message: 'Slow down.' } }, { 'Retry-After': '12' });
    const e = await api('/api/v1/auth/login', { method: 'POST', body: {}, redirectOn401: false }).catch((x: unknown) => x);
    expect(isApiError(e)).toBe(true);
    expect(e).toMatchObject({ status: 429, code: 'throttled', message: 'Slow down.', retryAfterS: 12 });
  });

  it('sends the person to sign in on a 401, except where the caller handles it', async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    answer(401, { error: { code: 'unauthenticated', message: 'Sign in.' } });
    await api('/api/v1/pools').catch(() => {});
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await api('/api/v1/auth/login', { method: 'POST', redirectOn401: false }).catch(() => {});
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('reports an unreachable gateway as a network_error', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    await expect(api('/api/v1/me')).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('rejects an answer the decoder cannot use as bad_response', async () => {
    answer(200, { nope: true });
    const decode = (x: unknown): string => {
      if (typeof x !== 'string') throw new TypeError('not a string');
      return x;
    };
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(api('/api/v1/me', { decode })).rejects.toBeInstanceOf(ApiError);
  });
});
