// A corpus of malformed requests thrown at EVERY route of a real gateway (routes read from its
// router stack), anonymous and signed in as admin: bad percent-encoding in each path parameter,
// lying and unknown Content-Encoding, unknown charsets, wrong Content-Types, bodies that are not
// JSON or JSON of the wrong shape, wrong methods, odd credentials and headers beyond Node's limit.
// Nothing may answer 5xx, JSON API errors keep the one shape, and the gateway keeps serving.
import { request } from 'node:http';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, signIn, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { fillPath, listRoutes, type RouteInfo } from '../helpers/routes.ts';

let t: TestGateway;
let routes: RouteInfo[];
let adminCookie = '';

interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}
interface Answer {
  status: number;
  type: string;
  text: string;
}

/** One raw HTTP/1.1 request on its own connection (fetch refuses bodies on GET and odd headers). */
function send(r: Sent): Promise<Answer> {
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: r.method,
        path: r.path,
        agent: false,
        headers: { ...r.headers, ...(r.body !== undefined ? { 'content-length': String(Buffer.byteLength(r.body)) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    // The gateway may answer and close before reading all of a refused body: that is fine.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    req.end(r.body);
  });
}

const failures: string[] = [];
function check(what: string, r: Sent, a: Answer): void {
  const label = `${what}: ${r.method} ${r.path.slice(0, 120)} → ${a.status} ${a.text.slice(0, 160)}`;
  if (a.status >= 500 || a.status === 0) return void failures.push(label);
  if (!r.path.startsWith('/api/') || a.status < 400 || r.method === 'HEAD') return;
  let body: { error?: { code?: unknown; message?: unknown } } | undefined;
  try {
    body = JSON.parse(a.text) as typeof body;
  } catch {
    return void failures.push(`${label} (not JSON)`);
  }
  const e = body?.error;
  if (
    !/application\/json/.test(a.type) ||
    typeof e?.code !== 'string' ||
    typeof e.message !== 'string' ||
    Object.keys(body ?? {}).length !== 1
  )
    failures.push(`${label} (not the error shape)`);
  else if (/at .*\.[tj]s:\d+|node_modules|\/work\/|\/srv\//.test(a.text)) failures.push(`${label} (leaks internals)`);
  // Signed in as admin must stay signed in, or authorization hides the handlers from the corpus.
  else if (what.startsWith('admin') && e.code === 'unauthorized' && !r.headers?.authorization)
    failures.push(`${label} (admin's request was anonymous)`);
}

const BAD_SEGMENTS = ['%ff', '%', '%zz', '%00', '%c0%af', '%e0%80%af', `${'%41'.repeat(3000)}`, 'x'.repeat(8000)];
const PLAIN = '{"mode":"view"}';
const BODIES: { name: string; headers: Record<string, string>; body: string | Buffer }[] = [
  ...['gzip', 'deflate', 'br', 'x-gzip', 'bogus', 'gzip, gzip', 'identity, gzip', ''].map((enc) => ({
    name: `Content-Encoding ${enc || '(empty)'} over plain JSON`,
    headers: { 'content-type': 'application/json', 'content-encoding': enc },
    body: PLAIN,
  })),
  ...['utf-7', 'bogus', 'latin1', 'utf-16', 'utf-32le', '"', ''].map((cs) => ({
    name: `charset ${cs || '(empty)'}`,
    headers: { 'content-type': `application/json; charset=${cs}` },
    body: PLAIN,
  })),
  ...[
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    ';;;',
    'application/json; ===',
    'application/*',
    '*/*',
    'application/merge-patch+json',
  ].map((ct) => ({ name: `Content-Type ${ct}`, headers: { 'content-type': ct }, body: PLAIN })),
  ...[
    'not json',
    '<xml/>',
    '',
    '{"a":',
    '{"a":1}}',
    '\u0000',
    '\ufeff{}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
  ].map((b) => ({ name: `body ${JSON.stringify(b).slice(0, 30)}`, headers: { 'content-type': 'application/json' }, body: b })),
  ...['[]', 'null', '0', '-1e999', '"text"', 'true', '{}', '[{}]', '{"id":null,"mode":{},"name":[],"password":1e400}'].map((b) => ({
    name: `JSON ${b}`,
    headers: { 'content-type': 'application/json' },
    body: b,
  })),
  { name: 'deeply nested arrays', headers: { 'content-type': 'application/json' }, body: `${'['.repeat(20_000)}${']'.repeat(20_000)}` },
  { name: 'deeply nested objects', headers: { 'content-type': 'application/json' }, body: `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}` },
  {
    name: 'invalid UTF-8',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
  },
  { name: 'body over the cap', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 'y'.repeat(200_000) }) },
];
const HEADERS: { name: string; headers: Record<string, string> }[] = [
  { name: 'long cookie', headers: { cookie: `deskport_session=${'A'.repeat(12_000)}` } },
  { name: 'percent-garbage cookie', headers: { cookie: 'deskport_session=%ff%zz; deskport_mfa_pending=%; deskport_oidc_attempt="' } },
  { name: 'long bearer', headers: { authorization: `Bearer ${'A'.repeat(12_000)}` } },
  { name: 'bare bearer', headers: { authorization: 'Bearer' } },
  { name: 'bearer with spaces', headers: { authorization: 'Bearer a b c' } },
  { name: 'bearer of a token shape', headers: { authorization: `Bearer dpt_${'A'.repeat(43)}` } },
  { name: 'basic', headers: { authorization: 'Basic %%%' } },
  { name: 'odd origin', headers: { origin: 'http://[' } },
  { name: 'null origin', headers: { origin: 'null' } },
  { name: 'odd host', headers: { host: '[::1' } },
  { name: 'odd forwarded-for', headers: { 'x-forwarded-for': 'not an address, %ff, ::::' } },
  { name: 'odd accept', headers: { accept: ';;;q=x', 'accept-encoding': 'bogus;q=NaN', 'accept-language': '\u00ff' } },
  { name: 'odd range', headers: { range: 'bytes=9-1,x-y', 'if-none-match': '"', 'if-modified-since': 'yesterday' } },
];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND'];

const CHECKER = { username: 'corpus-checker', password: 'corpus-checker-password-1' };

beforeAll(async () => {
  t = await startTestGateway({ embeddedAgent: false });
  routes = listRoutes(t.gw.server.listeners('request')[0] as Express);
  // The corpus makes wrong-password re-authentications as admin (MFA set-up with no password), which
  // rightly throttles admin's sign-ins from here: the checks afterwards sign in as someone else.
  const admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  expect((await admin.post('/api/v1/admin/users', { ...CHECKER, roles: ['admin'] })).status).toBe(201);
});
afterAll(async () => t?.cleanup());

/** The admin's cookie, signing in again when a route (logout) ended the session. */
async function admin(): Promise<Record<string, string>> {
  const me = adminCookie ? await send({ method: 'GET', path: '/api/v1/me', headers: { cookie: adminCookie } }) : null;
  if (me?.status !== 200) adminCookie = (await signIn(t.url, 'admin', ADMIN_PASSWORD)).cookie;
  // Origin set, or the write is refused before its handler runs and the corpus proves nothing.
  return { cookie: adminCookie, origin: t.url };
}

const sample = (route: RouteInfo) => (typeof route.path === 'string' ? fillPath(route.path, () => 'x-nope') : '/some/page');

async function corpusFor(route: RouteInfo, who: 'anonymous' | 'admin'): Promise<void> {
  const auth = async (): Promise<Record<string, string>> => (who === 'admin' ? admin() : {});
  const what = (s: string) => `${who} ${s}`;
  const go = async (name: string, r: Sent) => check(what(name), r, await send(r));
  const target = sample(route);
  if (typeof route.path === 'string') {
    for (const param of route.params) {
      for (const bad of BAD_SEGMENTS) {
        const path = fillPath(route.path, (p) => (p === param ? bad : 'x-nope'));
        await go(`:${param}=${bad.slice(0, 12)}`, {
          method: route.method,
          path,
          headers: { ...(await auth()), 'content-type': 'application/json' },
          body: '{}',
        });
        await go(`:${param}=${bad.slice(0, 12)} + query`, {
          method: route.method,
          path: `${path}?next=%ff&state=%&q=${bad}`,
          headers: await auth(),
        });
      }
    }
  }
  if (route.method === 'HEAD') return;
  for (const b of BODIES)
    await go(b.name, { method: route.method, path: target, headers: { ...(await auth()), ...b.headers }, body: b.body });
  for (const h of HEADERS) {
    const mine = await auth();
    // Odd cookies come after admin's own, which still counts (the first of a name wins).
    const cookie = [mine.cookie, h.headers.cookie].filter(Boolean).join('; ');
    await go(h.name, {
      method: route.method,
      path: target,
      headers: { ...mine, ...h.headers, ...(cookie ? { cookie } : {}) },
      ...(route.method === 'GET' ? {} : { body: '{}' }),
    });
  }
}

describe('malformed requests at every route', () => {
  it('the router stack lists the API, the OIDC sign-in and the operations routes', () => {
    const paths = new Set(routes.map((r) => `${r.method} ${String(r.path)}`));
    for (const p of [
      'POST /api/v1/auth/login',
      'GET /api/v1/auth/oidc/:providerId/start',
      'GET /api/v1/auth/oidc/:providerId/callback',
      'POST /api/v1/auth/login/code',
      'POST /api/v1/sessions/:id/tickets',
      'PATCH /api/v1/admin/users/:id',
      'GET /healthz',
      'GET /metrics',
    ]) {
      expect(paths, p).toContain(p);
    }
    expect(routes.length).toBeGreaterThan(60);
  });

  it('no route answers 5xx to the corpus, anonymous or as admin; API errors keep the one shape', async () => {
    failures.length = 0;
    // Sign-out first: it ends admin's session each time, and signing in again works only before the
    // corpus's wrong-password re-authentications throttle admin's sign-ins.
    const first = (r: RouteInfo) => (r.path === '/api/v1/auth/logout' ? 0 : 1);
    for (const route of [...routes].sort((a, b) => first(a) - first(b))) {
      await corpusFor(route, 'anonymous');
      await corpusFor(route, 'admin');
    }
    expect(failures).toEqual([]);
  }, 600_000);

  it('wrong methods on every known path are client errors', async () => {
    failures.length = 0;
    const byPath = new Map<string, Set<string>>();
    for (const r of routes) if (typeof r.path === 'string') byPath.set(r.path, (byPath.get(r.path) ?? new Set()).add(r.method));
    for (const [path, served] of byPath) {
      for (const method of METHODS.filter((m) => !served.has(m))) {
        const p = fillPath(path, () => 'x-nope');
        check(
          'anonymous wrong method',
          { method, path: p },
          await send({ method, path: p, body: '{}', headers: { 'content-type': 'application/json' } }),
        );
        check(
          'admin wrong method',
          { method, path: p },
          await send({ method, path: p, body: '{}', headers: { ...(await admin()), 'content-type': 'application/json' } }),
        );
      }
    }
    expect(failures).toEqual([]);
  });

  it('headers beyond Node’s limit get 431 in the error shape, and the gateway keeps serving', async () => {
    for (const headers of [
      { cookie: `a=${'b'.repeat(70_000)}` },
      { authorization: `Bearer ${'A'.repeat(70_000)}` },
      Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`x-h${i}`, 'v'.repeat(20)])),
    ]) {
      for (const path of ['/api/v1/auth/login', '/api/v1/me', '/healthz']) {
        const a = await send({ method: 'POST', path, headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
        expect(a.status, path).toBe(431);
        expect(JSON.parse(a.text)).toMatchObject({ error: { code: 'headers_too_large' } });
      }
    }
    const ok = await signIn(t.url, CHECKER.username, CHECKER.password);
    expect((await ok.get('/api/v1/me')).status).toBe(200);
  });

  it('the gateway still serves a good request after the corpus', async () => {
    expect((await send({ method: 'GET', path: '/healthz' })).status).toBe(200);
    const api = await signIn(t.url, CHECKER.username, CHECKER.password);
    expect((await api.get('/api/v1/admin/users')).status).toBe(200);
    expect((await api.post('/api/v1/admin/groups', { name: 'after-the-corpus' })).status).toBe(201);
  });
});
