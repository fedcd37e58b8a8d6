import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../testing/harness.ts';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startGateway();
  await gw.addUser('alice', 'alice-password');
  await gw.addUser('bob', 'bob-password');
});
afterEach(() => gw.close());

const LOGIN = '/api/v1/auth/login';

describe('POST /auth/login', () => {
  it('answers {user} and sets an HttpOnly, SameSite=Lax session cookie', async () => {
    const r = await gw.call(LOGIN, { body: { username: 'alice', password: 'alice-password' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      user: {
        id: 'u-alice',
        username: 'alice',
        displayName: 'alice',
        roles: ['user'],
        groups: [],
        disabled: false,
        createdAt: gw.clock.now(),
        mfaEnabled: false,
        mfaEnrollmentRequired: false,
        localAccount: true,
        passwordPolicy: { minLength: 12, maxLength: 256 },
      },
    });
    const cookie = r.cookies.find((c) => c.startsWith('deskport_session='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//i);
    expect(cookie).not.toMatch(/; Secure/i); // cookieSecure is false in this gateway
    expect(cookie!.split(';')[0]).toMatch(/^deskport_session=[A-Za-z0-9_-]{43}$/);
  });

  it('marks the cookie Secure when configured to', async () => {
    const secure = await startGateway({ config: { cookieSecure: true } });
    try {
      await secure.addUser('carol', 'carol-password');
      const r = await secure.call(LOGIN, { body: { username: 'carol', password: 'carol-password' } });
      expect(r.cookies.find((c) => c.startsWith('deskport_session='))).toMatch(/; Secure/i);
    } finally {
      await secure.close();
    }
  });

  it('answers a wrong password, an unknown user and a disabled user alike: 401 invalid_credentials', async () => {
    await gw.addUser('dave', 'dave-password', { disabled: true });
    for (const body of [
      { username: 'alice', password: 'nope-nope' },
      { username: 'nobody', password: 'nope-nope' },
      { username: 'dave', password: 'dave-password' },
    ]) {
      const r = await gw.call(LOGIN, { body });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: { code: 'invalid_credentials', message: 'Wrong username or password.' } });
      expect(r.cookies).toEqual([]);
    }
  });

  it('writes audit rows for success and failure, with the reason and never the password', async () => {
    await gw.call(LOGIN, { body: { username: 'alice', password: 'alice-password' } });
    await gw.call(LOGIN, { body: { username: 'alice', password: 'wrong-secret-xyz' } });
    await gw.call(LOGIN, { body: { username: 'ghost', password: 'wrong-secret-xyz' } });
    const rows = await gw.store.listAudit({ action: 'auth.login' });
    const ok = rows.find((r) => r.result === 'ok');
    expect(ok).toMatchObject({ actor: 'alice', target: 'u-alice', ip: '127.0.0.1' });
    const failed = rows.filter((r) => r.result === 'failed').map((r) => [r.actor, r.details]);
    expect(failed).toEqual(
      expect.arrayContaining([
        ['alice', { reason: 'bad_password' }],
        ['ghost', { reason: 'unknown_user' }],
      ]),
    );
    expect(JSON.stringify(rows)).not.toContain('wrong-secret-xyz');
    expect(JSON.stringify(rows)).not.toContain('alice-password');
  });

  it('refuses malformed JSON with 400 invalid_input', async () => {
    const r = await gw.call(LOGIN, { rawBody: '{"username": "alice", ' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'invalid_input' } });
    expect(r.text).not.toMatch(/at .*\.ts/); // no stack trace
  });

  it('refuses wrong types with 400 whose details name the fields', async () => {
    const r = await gw.call(LOGIN, { body: { username: 42, password: ['x'] } });
    expect(r.status).toBe(400);
    const details = (r.body as { error: { details: { field: string }[] } }).error.details;
    expect(details.map((d) => d.field).sort()).toEqual(['password', 'username']);
  });

  it('throttles a guessed account with 429 + Retry-After, while another account still signs in', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await gw.call(LOGIN, { body: { username: 'alice', password: `guess-${i}-xx` } })).status).toBe(401);
    }
    const locked = await gw.call(LOGIN, { body: { username: 'alice', password: 'alice-password' } });
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ error: { code: 'throttled' } });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(locked.cookies).toEqual([]);

    expect((await gw.call(LOGIN, { body: { username: 'bob', password: 'bob-password' } })).status).toBe(200);
    expect((await gw.call(LOGIN, { body: { username: 'ALICE', password: 'x-whatever' } })).status).toBe(429);

    gw.clock.advance(Number(locked.headers.get('retry-after')) * 1000);
    expect((await gw.call(LOGIN, { body: { username: 'alice', password: 'alice-password' } })).status).toBe(200);
    const throttled = await gw.store.listAudit({ action: 'auth.throttled' });
    expect(throttled[0]).toMatchObject({ actor: 'alice', result: 'denied', details: { scope: 'user' } });
  });

  it('throttles one client address across many usernames', async () => {
    for (let i = 0; i < 20; i++) await gw.call(LOGIN, { body: { username: `user${i}`, password: 'guess-guess' } });
    const r = await gw.call(LOGIN, { body: { username: 'bob', password: 'bob-password' } });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('60');
  });

  it('counts parallel guesses: a burst cannot outrun the limit', async () => {
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => gw.call(LOGIN, { body: { username: 'alice', password: `burst-${i}-xx` } })),
    );
    expect(burst.filter((r) => r.status === 401)).toHaveLength(5);
    expect(burst.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it('refuses a login posted from a foreign origin but accepts one without Origin or from ours', async () => {
    const body = { username: 'alice', password: 'alice-password' };
    const foreign = await gw.call(LOGIN, { body, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ error: { code: 'origin_mismatch' } });
    expect((await gw.call(LOGIN, { body })).status).toBe(200);
    expect((await gw.call(LOGIN, { body, origin: gw.url })).status).toBe(200);
  });
});

describe('POST /auth/logout', () => {
  it('deletes the session server-side: the old cookie no longer works', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    expect((await gw.call('/api/v1/me', { cookie })).status).toBe(200);
    const out = await gw.call('/api/v1/auth/logout', { method: 'POST', cookie, origin: gw.url });
    expect(out.status).toBe(204);
    expect(out.cookies.find((c) => c.startsWith('deskport_session='))).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await gw.call('/api/v1/me', { cookie })).status).toBe(401);
    expect((await gw.store.listAudit({ action: 'auth.logout' }))[0]).toMatchObject({ actor: 'alice', result: 'ok' });
  });

  it('is a cookie-authenticated write, so a cross-site logout is refused', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    expect((await gw.call('/api/v1/auth/logout', { method: 'POST', cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await gw.call('/api/v1/me', { cookie })).status).toBe(200);
  });
});

describe('GET /me', () => {
  it('answers the signed-in user, 401 without a session', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    const me = await gw.call('/api/v1/me', { cookie });
    expect(me.body).toMatchObject({ id: 'u-alice', username: 'alice', displayName: 'alice', roles: ['user'], groups: [] });
    const anon = await gw.call('/api/v1/me');
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({ error: { code: 'unauthorized', message: 'Sign in first.' } });
  });
});

describe('POST /me/tokens', () => {
  it('issues a dpt_ token, shown once, that works as a Bearer credential', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    const r = await gw.call('/api/v1/me/tokens', { body: { name: 'ci', expiresInDays: 30 }, cookie, origin: gw.url });
    expect(r.status).toBe(201);
    const { id, token } = r.body as { id: string; token: string };
    expect(token).toMatch(/^dpt_[A-Za-z0-9_-]{43}$/);
    expect(id).toBeTruthy();
    const me = await gw.call('/api/v1/me', { token });
    expect(me.body).toMatchObject({ username: 'alice' });
    expect((await gw.store.listAudit({ action: 'token.create' }))[0]).toMatchObject({ actor: 'alice', target: id });
    expect(JSON.stringify(await gw.store.listAudit())).not.toContain(token);

    gw.clock.advance(30 * 86400_000);
    expect((await gw.call('/api/v1/me', { token })).status).toBe(401);
  });

  it('cannot be called with a token (a leaked token must not mint permanent ones)', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    const { token } = (await gw.call('/api/v1/me/tokens', { body: { name: 'a' }, cookie, origin: gw.url })).body as { token: string };
    const r = await gw.call('/api/v1/me/tokens', { body: { name: 'b' }, token });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: { code: 'session_required' } });
  });

  it('validates the body', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    const r = await gw.call('/api/v1/me/tokens', { body: { name: '', expiresInDays: 'soon' }, cookie, origin: gw.url });
    expect(r.status).toBe(400);
    const fields = (r.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field);
    expect(fields.sort()).toEqual(['expiresInDays', 'name']);
  });
});

describe('changing one’s own password', () => {
  it('needs the current password, ends other sign-ins, and keeps this browser signed in', async () => {
    const gw = await startGateway();
    try {
      await gw.addUser('erin', 'old-password-1');
      const here = await gw.login('erin', 'old-password-1');
      const elsewhere = await gw.login('erin', 'old-password-1');
      const wrong = await gw.call('/api/v1/me/password', {
        method: 'POST',
        cookie: here,
        origin: gw.url,
        body: { currentPassword: 'nope-nope-1', newPassword: 'new-password-1' },
      });
      expect(wrong.status).toBe(403);
      const short = await gw.call('/api/v1/me/password', {
        method: 'POST',
        cookie: here,
        origin: gw.url,
        body: { currentPassword: 'old-password-1', newPassword: 'short' },
      });
      expect(short.status).toBe(400);
      const ok = await gw.call('/api/v1/me/password', {
        method: 'POST',
        cookie: here,
        origin: gw.url,
        body: { currentPassword: 'old-password-1', newPassword: 'new-password-1' },
      });
      expect(ok.status).toBe(204);
      const fresh = ok.cookies.find((c) => c.startsWith('deskport_session='))!.split(';')[0]!;
      expect((await gw.call('/api/v1/me', { cookie: fresh })).status).toBe(200);
      expect((await gw.call('/api/v1/me', { cookie: elsewhere })).status).toBe(401);
      await expect(gw.login('erin', 'old-password-1')).rejects.toThrow();
      expect(await gw.login('erin', 'new-password-1')).toMatch(/^deskport_session=/);
      const audit = await gw.store.listAudit({ action: 'user.password_change' });
      expect(audit.map((a) => a.result)).toEqual(['ok', 'denied']);
    } finally {
      await gw.close();
    }
  });
});
