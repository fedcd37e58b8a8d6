// Account security over HTTP against a real gateway: TOTP enrolment and sign-in with good, bad,
// replayed and recovery codes, remembered browsers, the MFA policy and its enrolment gate, admin
// MFA reset, signed-in browsers and API tokens, the password policy, security headers, and sign-in
// throttling measured from several loopback addresses (127.0.0.x all reach a 127.0.0.1 listener).
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../server/auth/totp.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';

interface Reply {
  status: number;
  body: any;
  cookies: string[];
  headers: Record<string, string | string[] | undefined>;
}

let t: TestGateway;
let admin: Api;
beforeAll(async () => {
  t = await startTestGateway({ embeddedAgent: false });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => t?.cleanup());

/** One JSON request from a chosen loopback source address, with the gateway's Origin. */
function http(method: string, path: string, o: { body?: unknown; cookie?: string; from?: string } = {}): Promise<Reply> {
  const url = new URL(path, t.url);
  const data = o.body === undefined ? undefined : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        localAddress: o.from ?? '127.0.0.1',
        headers: {
          origin: t.url,
          ...(data ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)) } : {}),
          ...(o.cookie ? { cookie: o.cookie } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const cookies = res.headers['set-cookie'] ?? [];
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, cookies, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const cookieOf = (r: Reply, name: string) => r.cookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0];
const login = (username: string, password: string, extra: { otp?: string; remember?: boolean; cookie?: string; from?: string } = {}) =>
  http('POST', '/api/v1/auth/login', {
    body: { username, password, otp: extra.otp, remember: extra.remember },
    cookie: extra.cookie,
    from: extra.from,
  });

async function createUser(username: string, password: string, roles = ['user'], groups: string[] = []) {
  const r = await admin.post('/api/v1/admin/users', { username, password, roles, groups });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string };
}

/** Signs in, sets up TOTP and confirms it; returns the secret, the recovery codes and the session cookie. */
async function enrol(username: string, password: string) {
  if (
    !(await admin.get('/api/v1/admin/users')).body ||
    !((await admin.get('/api/v1/admin/users')).body as { username: string }[]).some((u) => u.username === username)
  ) {
    await createUser(username, password);
  }
  const session = cookieOf(await login(username, password), 'deskport_session')!;
  const setup = await http('POST', '/api/v1/me/mfa/totp/setup', { body: { password }, cookie: session });
  expect(setup.status, JSON.stringify(setup.body)).toBe(201);
  const secret = setup.body.secret as string;
  const confirm = await http('POST', '/api/v1/me/mfa/totp/confirm', { body: { code: totpCode(secret, Date.now()) }, cookie: session });
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  return { secret, recoveryCodes: confirm.body.recoveryCodes as string[], session };
}

const audit = async (action: string) =>
  (await admin.get(`/api/v1/admin/audit?action=${action}`)).body as { actor: string; target: string; result: string; details: any }[];

describe('TOTP enrolment and sign-in', () => {
  const PW = 'orbit-lantern-42';

  it('needs the password to start, shows secret + QR once, and enables only with a right code', async () => {
    await createUser('tess', PW);
    const session = cookieOf(await login('tess', PW), 'deskport_session')!;
    expect((await http('POST', '/api/v1/me/mfa/totp/setup', { body: { password: 'not-my-password' }, cookie: session })).status).toBe(403);
    const setup = await http('POST', '/api/v1/me/mfa/totp/setup', { body: { password: PW }, cookie: session });
    expect(setup.status).toBe(201);
    expect(setup.body.otpauthUri).toContain(`secret=${setup.body.secret}`);
    expect(setup.body.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect((await http('GET', '/api/v1/me/mfa', { cookie: session })).body).toMatchObject({ enabled: false, totp: { pending: true } });

    const wrong = await http('POST', '/api/v1/me/mfa/totp/confirm', { body: { code: '000000' }, cookie: session });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('invalid_otp');
    const ok = await http('POST', '/api/v1/me/mfa/totp/confirm', {
      body: { code: totpCode(setup.body.secret, Date.now()) },
      cookie: session,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.recoveryCodes).toHaveLength(10);
    expect((await http('GET', '/api/v1/me/mfa', { cookie: session })).body).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
    expect((await http('GET', '/api/v1/me', { cookie: session })).body).toMatchObject({ mfaEnabled: true, mfaEnrollmentRequired: false });
    expect(await audit('mfa.enroll')).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'tess', result: 'ok' })]));
  });

  it('asks for the code after a right password, refuses wrong and replayed codes, accepts a newer one', async () => {
    const { secret } = await enrol('otto', PW);
    const noCode = await login('otto', PW);
    expect(noCode.status).toBe(401);
    expect(noCode.body.error).toMatchObject({ code: 'otp_required', details: { rememberDays: 0 } });
    expect(cookieOf(noCode, 'deskport_session')).toBeUndefined();

    const wrong = await login('otto', PW, { otp: '000000' === totpCode(secret, Date.now()) ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_otp');
    expect(cookieOf(wrong, 'deskport_session')).toBeUndefined();

    // The confirm step used the current step; the next step's code is within the window and newer.
    const next = totpCode(secret, Date.now() + 30_000);
    const good = await login('otto', PW, { otp: next });
    expect(good.status).toBe(200);
    expect(cookieOf(good, 'deskport_session')).toBeDefined();
    const replay = await login('otto', PW, { otp: next });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('invalid_otp');
    const older = await login('otto', PW, { otp: totpCode(secret, Date.now()) });
    expect(older.status).toBe(401);

    const reasons = (await audit('auth.login'))
      .filter((e) => e.actor === 'otto')
      .map((e) => e.details.reason)
      .filter(Boolean);
    expect(reasons).toEqual(expect.arrayContaining(['otp_required', 'invalid_otp', 'otp_replay']));
  });

  it('accepts each recovery code once', async () => {
    const { recoveryCodes } = await enrol('rita', PW);
    const code = recoveryCodes[0]!;
    expect((await login('rita', PW, { otp: code.toUpperCase() })).status).toBe(200);
    expect((await login('rita', PW, { otp: code })).status).toBe(401);
    const session = cookieOf(await login('rita', PW, { otp: recoveryCodes[1] }), 'deskport_session')!;
    expect((await http('GET', '/api/v1/me/mfa', { cookie: session })).body.recoveryCodesLeft).toBe(8);
    expect((await audit('mfa.recovery_used')).filter((e) => e.actor === 'rita')).toHaveLength(2);
  });

  it('can be turned off with the password, and then sign-in needs no code', async () => {
    const { session } = await enrol('dora', PW);
    expect((await http('DELETE', '/api/v1/me/mfa/totp', { body: { password: 'wrong-password-x' }, cookie: session })).status).toBe(403);
    expect((await http('DELETE', '/api/v1/me/mfa/totp', { body: { password: PW }, cookie: session })).status).toBe(204);
    expect((await login('dora', PW)).status).toBe(200);
    expect((await audit('mfa.disable')).find((e) => e.actor === 'dora')).toMatchObject({ result: 'ok' });
  });
});

describe('remembered browsers, policy and admin reset', () => {
  const PW = 'saffron-kettle-77';

  it("remembers a browser for the policy's days, until sign-out everywhere else or an admin reset", async () => {
    expect((await admin.call('PUT', '/api/v1/admin/mfa-policy', { requiredRoles: [], requiredGroups: [], rememberDays: 14 })).status).toBe(
      200,
    );
    const u = await createUser('remi', PW);
    const { secret, recoveryCodes } = await enrol('remi', PW);
    const first = await login('remi', PW, { otp: totpCode(secret, Date.now() + 30_000), remember: true });
    expect(first.status).toBe(200);
    const remember = first.cookies.find((c) => c.startsWith('deskport_mfa_remember='))!;
    expect(remember).toMatch(/HttpOnly/i);
    expect(remember).toMatch(/Path=\/api\/v1\/auth/i);
    expect(remember).toMatch(/Max-Age=1209600/);
    const rememberCookie = remember.split(';')[0]!;

    const again = await login('remi', PW, { cookie: rememberCookie });
    expect(again.status).toBe(200);
    // Another browser (no cookie) is still asked; the cookie does nothing for another account.
    expect((await login('remi', PW)).body.error.code).toBe('otp_required');
    await createUser('mallory', PW);
    await enrol('mallory', PW);
    expect((await login('mallory', PW, { cookie: rememberCookie })).body.error.code).toBe('otp_required');

    // "Sign out everywhere else" forgets every remembered browser: the code is asked again.
    const s2 = cookieOf(again, 'deskport_session')!;
    const revoke = await http('POST', '/api/v1/me/sessions/revoke-others', { cookie: s2 });
    expect(revoke.status).toBe(200);
    expect(revoke.body.rememberedBrowsersForgotten).toBe(1);
    expect((await login('remi', PW, { cookie: rememberCookie })).body.error.code).toBe('otp_required');

    // Remembered again, then an admin MFA reset clears the factor, the codes and remembered browsers.
    const second = await login('remi', PW, { otp: recoveryCodes[0], remember: true });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const remember2 = cookieOf(second, 'deskport_mfa_remember')!;
    expect((await admin.post(`/api/v1/admin/users/${u.id}/mfa/reset`)).status).toBe(204);
    expect((await http('GET', `/api/v1/admin/users/${u.id}`, { cookie: admin.cookie })).body.mfa.enabled).toBe(false);
    const afterReset = await login('remi', PW, { cookie: remember2 });
    expect(afterReset.status).toBe(200); // no factor any more: the password alone
    expect((await audit('mfa.reset'))[0]).toMatchObject({ actor: 'admin', target: u.id, result: 'ok' });
    const users = (await admin.get('/api/v1/admin/users')).body as { username: string; mfa: { enabled: boolean } }[];
    expect(users.find((x) => x.username === 'remi')?.mfa.enabled).toBe(false);
    expect(users.find((x) => x.username === 'mallory')?.mfa.enabled).toBe(true);
  });

  it('a policy-required user signs in, sees mfaEnrollmentRequired, and cannot launch until enrolled', async () => {
    const group = (await admin.post('/api/v1/admin/groups', { name: 'finance' })).body as { id: string };
    // Requiring helpdesk would cover admins too (roles include the ones below them): this admin has
    // no second factor, so the gateway refuses rather than lock them out of administration.
    const lockout = await admin.call('PUT', '/api/v1/admin/mfa-policy', {
      requiredRoles: ['helpdesk'],
      requiredGroups: [],
      rememberDays: 0,
    });
    expect(lockout.status).toBe(409);
    expect((lockout.body as any).error.code).toBe('mfa_enroll_first');
    const put = await admin.call('PUT', '/api/v1/admin/mfa-policy', { requiredRoles: [], requiredGroups: ['finance'], rememberDays: 0 });
    expect(put.body).toEqual({ requiredRoles: [], requiredGroups: [group.id], rememberDays: 0 });
    expect((await audit('mfa.policy_change'))[0]).toMatchObject({ actor: 'admin', result: 'ok' });
    await createUser('fin', PW, ['user'], ['finance']);
    await createUser('plain', PW);

    const session = cookieOf(await login('fin', PW), 'deskport_session')!;
    expect((await http('GET', '/api/v1/me', { cookie: session })).body.mfaEnrollmentRequired).toBe(true);
    const pools = await http('GET', '/api/v1/pools', { cookie: session });
    expect(pools.status).toBe(403);
    expect(pools.body.error.code).toBe('mfa_enrollment_required');
    const launch = await http('POST', '/api/v1/sessions', { body: { poolId: 'any' }, cookie: session });
    expect(launch.body.error.code).toBe('mfa_enrollment_required');
    expect((await http('POST', '/api/v1/sessions/abc/tickets', { body: {}, cookie: session })).body.error.code).toBe(
      'mfa_enrollment_required',
    );
    expect((await http('POST', '/api/v1/me/tokens', { body: { name: 'x' }, cookie: session })).body.error.code).toBe(
      'mfa_enrollment_required',
    );
    // The account itself stays open so the person can enrol.
    expect((await http('GET', '/api/v1/me/sessions', { cookie: session })).status).toBe(200);

    const plain = cookieOf(await login('plain', PW), 'deskport_session')!;
    expect((await http('GET', '/api/v1/pools', { cookie: plain })).status).toBe(200);

    const { session: enrolled } = await enrol('fin', PW);
    expect((await http('GET', '/api/v1/pools', { cookie: enrolled })).status).toBe(200);
    await admin.call('PUT', '/api/v1/admin/mfa-policy', { requiredRoles: [], requiredGroups: [], rememberDays: 0 });
  });
});

describe('signed-in browsers and API tokens', () => {
  const PW = 'lantern-meadow-19';

  it("lists this user's sessions with address and browser, marks this one, and revokes one or all others", async () => {
    await createUser('sam', PW);
    const a = cookieOf(await login('sam', PW, { from: '127.0.0.2' }), 'deskport_session')!;
    const b = cookieOf(await login('sam', PW, { from: '127.0.0.3' }), 'deskport_session')!;
    const c = cookieOf(await login('sam', PW, { from: '127.0.0.4' }), 'deskport_session')!;
    const list = (await http('GET', '/api/v1/me/sessions', { cookie: a })).body as {
      id: string;
      current: boolean;
      ip: string;
      userAgent: string | null;
    }[];
    expect(list).toHaveLength(3);
    expect(list.filter((s) => s.current).map((s) => s.ip)).toEqual(['127.0.0.2']);
    expect(list.map((s) => s.ip).sort()).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    expect(JSON.stringify(list)).not.toMatch(/[0-9a-f]{64}/); // never a hash

    const bId = list.find((s) => s.ip === '127.0.0.3')!.id;
    expect((await http('DELETE', `/api/v1/me/sessions/${bId}`, { cookie: a })).status).toBe(204);
    expect((await http('GET', '/api/v1/me', { cookie: b })).status).toBe(401);
    expect((await http('DELETE', `/api/v1/me/sessions/${bId}`, { cookie: a })).status).toBe(404);

    const r = await http('POST', '/api/v1/me/sessions/revoke-others', { cookie: a });
    expect(r.body.revoked).toBe(1);
    expect((await http('GET', '/api/v1/me', { cookie: c })).status).toBe(401);
    expect((await http('GET', '/api/v1/me', { cookie: a })).status).toBe(200);
    expect((await audit('session.revoke')).filter((e) => e.actor === 'sam')).toHaveLength(2);

    // Another user cannot revoke sam's session by id.
    await createUser('eve', PW);
    const eve = cookieOf(await login('eve', PW), 'deskport_session')!;
    const aId = list.find((s) => s.current)!.id;
    expect((await http('DELETE', `/api/v1/me/sessions/${aId}`, { cookie: eve })).status).toBe(404);
  });

  it('lists tokens without the secret and revokes them', async () => {
    await createUser('tina', PW);
    const s = cookieOf(await login('tina', PW), 'deskport_session')!;
    const created = await http('POST', '/api/v1/me/tokens', { body: { name: 'ci', expiresInDays: 30 }, cookie: s });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    const bearer = await fetch(`${t.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(200);
    const list = await http('GET', '/api/v1/me/tokens', { cookie: s });
    expect(list.body).toEqual([
      expect.objectContaining({ id: created.body.id, name: 'ci', lastUsedAt: expect.any(Number), expired: false }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect((await http('DELETE', `/api/v1/me/tokens/${created.body.id}`, { cookie: s })).status).toBe(204);
    expect((await fetch(`${t.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await audit('token.revoke'))[0]).toMatchObject({ actor: 'tina', target: created.body.id });
  });
});

describe('password policy', () => {
  it('refuses short, common and username passwords on create, reset and change, naming the field', async () => {
    for (const password of ['shortpass', 'password1234', 'Paula.Example']) {
      const r = await admin.post('/api/v1/admin/users', { username: 'paula.example', password });
      expect(r.status).toBe(400);
      expect((r.body as any).error.details[0].field).toBe('password');
    }
    const u = await createUser('paula.example', 'juniper-violin-83');
    expect((await admin.call('PATCH', `/api/v1/admin/users/${u.id}`, { password: 'qwertyuiop123' })).status).toBe(400);
    const s = cookieOf(await login('paula.example', 'juniper-violin-83'), 'deskport_session')!;
    const change = await http('POST', '/api/v1/me/password', {
      body: { currentPassword: 'juniper-violin-83', newPassword: 'tooshort1' },
      cookie: s,
    });
    expect(change.status).toBe(400);
    expect(change.body.error.details).toEqual([{ field: 'newPassword', problem: 'must be at least 12 characters' }]);
  });
});

describe('security headers', () => {
  it('sends a strict CSP and the other helmet headers', async () => {
    const r = await fetch(`${t.url}/healthz`);
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('sign-in throttling', () => {
  const PW = 'granite-harbor-55';

  it('throttles one account and one address while a different user elsewhere still signs in promptly', async () => {
    await createUser('victim', PW);
    await createUser('bystander', PW);
    // The owner signed in from home before the attack.
    expect((await login('victim', PW, { from: '127.0.0.10' })).status).toBe(200);

    // One attacker address against one account: the pair locks after 5.
    for (let i = 0; i < 5; i++) expect((await login('victim', `guess-${i}-xxxxxx`, { from: '127.0.0.11' })).status).toBe(401);
    const pairLocked = await login('victim', PW, { from: '127.0.0.11' });
    expect(pairLocked.status).toBe(429);
    expect(Number(pairLocked.headers['retry-after'])).toBeGreaterThan(0);

    // One address spraying many accounts: the address locks after 20.
    for (let i = 0; i < 20; i++) await login(`nobody${i}`, 'spray-spray-spray', { from: '127.0.0.12' });
    expect((await login('bystander', PW, { from: '127.0.0.12' })).status).toBe(429);

    // Distributed guesses at the victim from more addresses push the account past its soft limit.
    for (const from of ['127.0.0.13', '127.0.0.14']) for (let i = 0; i < 4; i++) await login('victim', `guess-${from}-${i}`, { from });
    const stranger = await login('victim', PW, { from: '127.0.0.15' });
    expect(stranger.status).toBe(429);
    expect(Number(stranger.headers['retry-after'])).toBeLessThanOrEqual(60);

    // Meanwhile: a different user from a different address, promptly; and the owner from home.
    const t0 = performance.now();
    const other = await login('bystander', PW, { from: '127.0.0.16' });
    const elapsed = performance.now() - t0;
    expect(other.status).toBe(200);
    expect(elapsed).toBeLessThan(1000);
    expect((await login('victim', PW, { from: '127.0.0.10' })).status).toBe(200);

    const throttled = await audit('auth.throttled');
    expect(new Set(throttled.map((e) => e.details.scope))).toEqual(new Set(['user', 'address', 'account']));
  });
});
