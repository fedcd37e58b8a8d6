import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorHandler } from './errors.ts';
import { silentLogger } from '../log.ts';
import type { Role, User } from '../store/types.ts';
import { hasRole } from '../auth/roles.ts';
import { requireRole } from './auth-middleware.ts';
import { startGateway, type TestGateway } from './testing/harness.ts';

let gw: TestGateway;
beforeEach(async () => {
  gw = await startGateway();
  await gw.addUser('alice', 'alice-password');
});
afterEach(() => gw.close());

async function tokenFor(cookie: string): Promise<string> {
  const r = await gw.call('/api/v1/me/tokens', { body: { name: 't' }, cookie, origin: gw.url });
  return (r.body as { token: string }).token;
}

describe('originCheck', () => {
  it('refuses a cookie-authenticated write from a foreign origin, accepts it from ours', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    const foreign = await gw.call('/api/v1/me/tokens', { body: { name: 'x' }, cookie, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ error: { code: 'origin_mismatch' } });
    expect((await gw.call('/api/v1/me/tokens', { body: { name: 'x' }, cookie, origin: gw.url })).status).toBe(201);
  });

  it('refuses a cookie-authenticated write without Origin, and Origin: null', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    expect((await gw.call('/api/v1/me/tokens', { body: { name: 'x' }, cookie })).status).toBe(403);
    expect((await gw.call('/api/v1/me/tokens', { body: { name: 'x' }, cookie, origin: 'null' })).status).toBe(403);
  });

  it('lets cookie-authenticated reads through whatever the Origin', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    expect((await gw.call('/api/v1/me', { cookie, origin: 'http://evil.example' })).status).toBe(200);
  });

  it('lets bearer-token writes through without Origin', async () => {
    const token = await tokenFor(await gw.login('alice', 'alice-password'));
    expect((await gw.call('/api/v1/auth/logout', { method: 'POST', token })).status).toBe(204);
  });

  it('uses the configured public URL as the only acceptable origin', async () => {
    const pub = await startGateway({ config: { publicUrl: 'https://desk.example.com/portal' } });
    try {
      await pub.addUser('bob', 'bob-password');
      const body = { username: 'bob', password: 'bob-password' };
      expect((await pub.call('/api/v1/auth/login', { body, origin: pub.url })).status).toBe(403);
      expect((await pub.call('/api/v1/auth/login', { body, origin: 'https://desk.example.com' })).status).toBe(200);
      expect((await pub.call('/api/v1/auth/login', { body, origin: 'https://desk.example.com:443' })).status).toBe(200);
    } finally {
      await pub.close();
    }
  });
});

describe('authenticate', () => {
  it('ignores unknown or malformed bearer tokens (401 at requireUser), and does not fall back to the cookie', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    for (const token of ['dpt_' + 'A'.repeat(43), 'nonsense']) {
      expect((await gw.call('/api/v1/me', { token, cookie })).status).toBe(401);
    }
    expect((await fetch(`${gw.url}/api/v1/me`, { headers: { cookie, authorization: 'Bearer' } })).status).toBe(401);
  });

  it('does not let a non-Bearer Authorization header hide the cookie', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    const r = await fetch(`${gw.url}/api/v1/me`, { headers: { cookie, authorization: 'Basic YTpi' } });
    expect(r.status).toBe(200);
  });

  it('stops honouring the cookie and the tokens of a user who was disabled', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    const token = await tokenFor(cookie);
    await gw.store.updateUser('u-alice', { disabled: true });
    expect((await gw.call('/api/v1/me', { cookie })).status).toBe(401);
    expect((await gw.call('/api/v1/me', { token })).status).toBe(401);
  });

  it('forgets a principal that a deleted user left behind', async () => {
    const cookie = await gw.login('alice', 'alice-password');
    await gw.store.deleteUser('u-alice');
    expect((await gw.call('/api/v1/me', { cookie })).status).toBe(401);
  });
});

describe('roles', () => {
  const user = (roles: Role[]) => ({ roles }) as User;

  it('admin implies helpdesk implies user, never the other way', () => {
    expect(hasRole(user(['admin']), 'helpdesk')).toBe(true);
    expect(hasRole(user(['admin']), 'user')).toBe(true);
    expect(hasRole(user(['helpdesk']), 'user')).toBe(true);
    expect(hasRole(user(['helpdesk']), 'admin')).toBe(false);
    expect(hasRole(user(['user']), 'helpdesk')).toBe(false);
    expect(hasRole(user([]), 'user')).toBe(false);
  });

  it('requireRole answers 401 when signed out and 403 when the role is missing', async () => {
    const app = express();
    app.use((req, res, next) => {
      const r = req.headers['x-roles'];
      if (typeof r === 'string') res.locals.principal = { user: user(r ? (r.split(',') as Role[]) : []), via: 'cookie' };
      next();
    });
    app.get('/hd', requireRole('helpdesk'), (_req, res) => void res.json({ ok: true }));
    app.use(errorHandler(silentLogger()));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hd`;
    try {
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { 'x-roles': 'user' } })).status).toBe(403);
      const denied = await fetch(url, { headers: { 'x-roles': 'user' } });
      expect(await denied.json()).toMatchObject({ error: { code: 'forbidden' } });
      expect((await fetch(url, { headers: { 'x-roles': 'helpdesk' } })).status).toBe(200);
      expect((await fetch(url, { headers: { 'x-roles': 'admin' } })).status).toBe(200);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
