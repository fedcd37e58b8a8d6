import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../util/random.ts';
import { startGateway, type TestGateway } from './testing/harness.ts';
import { parseCookies } from './cookies.ts';

describe('parseCookies', () => {
  it('reads name=value pairs, first occurrence wins, quotes and escapes undone', () => {
    const c = parseCookies('a=1; deskport_session=abc; a=2; q="x y"; e=%41%42; bad; =nameless; broken=%E0%A4%A');
    expect(c.get('a')).toBe('1');
    expect(c.get('deskport_session')).toBe('abc');
    expect(c.get('q')).toBe('x y');
    expect(c.get('e')).toBe('AB');
    expect(c.get('broken')).toBe('%E0%A4%A');
    expect(c.has('bad')).toBe(false);
    expect(parseCookies(undefined).size).toBe(0);
  });
});

describe('web sessions', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startGateway({ config: { sessionTtlS: 3600 } });
    await gw.addUser('alice', 'alice-password');
  });
  afterEach(() => gw.close());

  const me = (cookie: string) => gw.call('/api/v1/me', { cookie });

  it('stores only the sha256 of the cookie value', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    const value = cookie.split('=')[1]!;
    expect(await gw.store.getWebSession(value)).toBeNull();
    expect(await gw.store.getWebSession(sha256(value))).toMatchObject({ userId: 'u-alice' });
  });

  it('slides the expiry with use, touching at most once a minute', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    const hash = sha256(cookie.split('=')[1]!);
    const created = (await gw.store.getWebSession(hash))!;
    gw.clock.advance(30_000);
    const quiet = await me(cookie);
    expect(quiet.status).toBe(200);
    expect(quiet.cookies).toEqual([]); // no write, no re-sent cookie
    expect((await gw.store.getWebSession(hash))!.expiresAt).toBe(created.expiresAt);

    gw.clock.advance(40_000);
    const touched = await me(cookie);
    expect(touched.cookies[0]).toMatch(/^deskport_session=.*Max-Age=3600/);
    expect((await gw.store.getWebSession(hash))!.expiresAt).toBe(gw.clock.now() + 3600_000);

    // Kept alive past its original expiry by use...
    for (let i = 0; i < 3; i++) {
      gw.clock.advance(50 * 60_000);
      expect((await me(cookie)).status).toBe(200);
    }
    // ...and gone (deleted) after a full idle TTL.
    gw.clock.advance(3600_000);
    expect((await me(cookie)).status).toBe(401);
    expect(await gw.store.getWebSession(hash)).toBeNull();
  });

  it('never outlives 7 days from sign-in, however busy', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    for (let h = 0; h < 7 * 24 - 1; h++) {
      gw.clock.advance(3600_000 - 1);
      expect((await me(cookie)).status).toBe(200);
    }
    gw.clock.advance(3600_000);
    expect((await me(cookie)).status).toBe(401);
  });

  it('ignores cookies that do not have the shape of ours', async () => {
    expect((await me('deskport_session=short')).status).toBe(401);
    expect((await me(`deskport_session=${'A'.repeat(43)}`)).status).toBe(401);
  });
});
