// The sign-in and account calls decode the gateway's answers with the contract's schemas: a good
// answer becomes the page's values, a malformed one the one ApiError('bad_response').
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listBrowsers, startTotpSetup } from './account.ts';
import { fetchMe, logout } from './auth.ts';
import { listUsers } from './adminUsers.ts';

function answer(status: number, body?: unknown): void {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status })),
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const me = {
  id: 'u1',
  username: 'alice',
  displayName: '',
  roles: ['admin'],
  groups: ['eng'],
  disabled: false,
  createdAt: 1,
  mfaEnabled: true,
  mfaEnrollmentRequired: false,
  localAccount: false,
  passwordPolicy: { minLength: 14, maxLength: 256 },
};

describe('contract decoding', () => {
  it('reads /me into the page’s view of the person', async () => {
    answer(200, me);
    expect(await fetchMe()).toEqual({
      id: 'u1',
      username: 'alice',
      displayName: 'alice',
      roles: ['admin'],
      groups: ['eng'],
      mfaEnabled: true,
      mfaEnrollmentRequired: false,
      passwordMinLength: 14,
      localAccount: false,
    });
  });

  it('turns an answer of the wrong shape into bad_response', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    answer(200, { ...me, roles: ['root'] });
    await expect(fetchMe()).rejects.toMatchObject({ code: 'bad_response' });
    answer(200, [{ id: 's1', current: true }]);
    await expect(listBrowsers()).rejects.toMatchObject({ code: 'bad_response' });
    answer(200, [{ id: 'u1', username: 'alice' }]);
    await expect(listUsers()).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('refuses a QR code that is not an image', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    answer(201, { secret: 'S', otpauthUri: 'otpauth://x', qrDataUrl: 'javascript:alert(1)' });
    await expect(startTotpSetup('pw')).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('signs out with or without a provider to visit', async () => {
    answer(204);
    expect(await logout()).toBeNull();
    answer(200, { endSessionUrl: 'https://idp.example/logout' });
    expect(await logout()).toBe('https://idp.example/logout');
  });
});
