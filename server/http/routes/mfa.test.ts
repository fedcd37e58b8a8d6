// Setting up a second factor on an account without a password (an identity provider's): there is
// no password to confirm, so only a recent sign-in may do it, never an old (possibly stolen) cookie.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../testing/harness.ts';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startGateway();
});
afterEach(() => gw.close());

async function passwordlessSession(name: string): Promise<string> {
  const u = await gw.addUser(name, `${name}-password-long`);
  const cookie = await gw.login(name, `${name}-password-long`);
  await gw.store.updateUser(u.id, { passwordHash: null });
  return cookie;
}

const setup = (cookie: string) => gw.call('/api/v1/me/mfa/totp/setup', { body: {}, cookie, origin: gw.url });

describe('POST /me/mfa/totp/setup without a password', () => {
  it('is allowed within 15 minutes of signing in', async () => {
    const cookie = await passwordlessSession('sso-fresh');
    gw.clock.advance(14 * 60_000);
    expect((await setup(cookie)).status).toBe(201);
  });

  it('needs a fresh sign-in after that: 403 recent_sign_in_required', async () => {
    const cookie = await passwordlessSession('sso-old');
    gw.clock.advance(16 * 60_000);
    const r = await setup(cookie);
    expect(r.status).toBe(403);
    expect((r.body as { error: { code: string } }).error.code).toBe('recent_sign_in_required');
    expect(await gw.store.getTotp('u-sso-old')).toBeNull();
  });
});
