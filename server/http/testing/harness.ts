// Test-only: an in-process gateway with just the auth pieces, wired the way the app wires them,
// listening on an ephemeral loopback port and driven with fetch.
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createAudit } from '../../audit.ts';
import { createAccessGuard } from '../../broker/access.ts';
import { Viewers } from '../../broker/viewers.ts';
import { ManualClock } from '../../clock.ts';
import { errorHandler, notFoundHandler } from '../errors.ts';
import { silentLogger } from '../../log.ts';
import type { Role, Store, User } from '../../store/types.ts';
import { createAdminMfaRouter } from '../routes/admin-mfa.ts';
import { createAdminUsersRouter } from '../routes/admin-users.ts';
import type { AuthConfig, AuthDeps } from '../../auth/deps.ts';
import { authenticate, originCheck, requireRole } from '../auth-middleware.ts';
import { hashPassword } from '../../auth/passwords.ts';
import { createAuthRouter, type AuthRouterOptions } from '../routes/auth.ts';
import { openTestStore } from '../../auth/testing/test-store.ts';

export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
  cookies: string[];
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  rawBody?: string;
  cookie?: string;
  origin?: string;
  token?: string;
}

export interface TestGateway {
  url: string;
  deps: AuthDeps;
  store: Store;
  clock: ManualClock;
  call(path: string, o?: CallOptions): Promise<Reply>;
  addUser(username: string, password: string, extra?: { roles?: Role[]; disabled?: boolean }): Promise<User>;
  /** Signs in and returns the `name=value` of the session cookie. */
  login(username: string, password: string): Promise<string>;
  close(): Promise<void>;
}

export async function startGateway(o: { config?: Partial<AuthConfig>; router?: AuthRouterOptions } = {}): Promise<TestGateway> {
  const clock = new ManualClock();
  const store = await openTestStore(clock);
  const log = silentLogger();
  const audit = createAudit(store, log);
  // The real access guard; with no broker here there are no desktop sessions for it to end.
  const access = createAccessGuard({
    store,
    audit,
    log,
    viewers: new Viewers(),
    endSession: () => Promise.reject(new Error('no broker in the auth harness')),
  });
  const deps: AuthDeps = { store, clock, log, audit, access, config: { cookieSecure: false, sessionTtlS: 12 * 3600, ...o.config } };

  const app = express();
  app.use(express.json({ limit: '64kb' }));
  app.use('/api/v1', authenticate(deps), originCheck(deps));
  app.use('/api/v1', createAuthRouter(deps, o.router));
  app.use('/api/v1/admin', requireRole('admin'), createAdminUsersRouter(deps));
  app.use('/api/v1/admin', requireRole('admin'), createAdminMfaRouter(deps));
  app.use(notFoundHandler());
  app.use(errorHandler(log));

  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function call(path: string, c: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (c.body !== undefined || c.rawBody !== undefined) headers['content-type'] = 'application/json';
    if (c.cookie) headers.cookie = c.cookie;
    if (c.origin) headers.origin = c.origin;
    if (c.token) headers.authorization = `Bearer ${c.token}`;
    const res = await fetch(url + path, {
      method: c.method ?? (c.body !== undefined || c.rawBody !== undefined ? 'POST' : 'GET'),
      headers,
      body: c.rawBody ?? (c.body !== undefined ? JSON.stringify(c.body) : undefined),
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: res.status, headers: res.headers, body, text, cookies: res.headers.getSetCookie() };
  }

  return {
    url,
    deps,
    store,
    clock,
    call,
    async addUser(username, password, extra = {}) {
      return store.createUser({
        id: `u-${username}`,
        username,
        displayName: username,
        roles: extra.roles ?? ['user'],
        groups: [],
        disabled: extra.disabled ?? false,
        passwordHash: await hashPassword(password),
        createdAt: clock.now(),
      });
    },
    async login(username, password) {
      const r = await call('/api/v1/auth/login', { body: { username, password } });
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
      const c = r.cookies.find((s) => s.startsWith('deskport_session='));
      if (!c) throw new Error('login set no session cookie');
      return c.split(';')[0]!;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
