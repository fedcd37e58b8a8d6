// Passthrough machines end to end, all real: a directory user (slapd) signs in with their password,
// connects to an SSH machine in `passthrough` mode on a real OpenSSH server that checks that same
// password (test/helpers/sshd-password.ts), through the embedded agent, the one-connection forward,
// a real guacd and /ws/rdp; the typed command runs there as that user. The kept password is never
// in an API answer, the gateway's log or the database file in plain text, and goes at sign-out.
// A local-password sign-in and an OIDC sign-in get the clear refusal instead.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisplayClose } from '../../contract/display.ts';
import { PASSTHROUGH_REFUSAL } from '../../server/auth/sign-in-secrets.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { OidcBrowser } from '../helpers/oidc-browser.ts';
import { CONFIDENTIAL_CLIENT, OIDC_ACCOUNTS, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { BASE_DN, PASSWORDS, READER_DN, READER_PASSWORD, startSlapd, type TestSlapd } from '../helpers/slapd.ts';
import { startPasswordSshd, type PasswordSshd } from '../helpers/sshd-password.ts';

const USER = 'bob';
const PASSWORD = PASSWORDS.bob;

let dir: string;
let logFile: string;
let slapd: TestSlapd;
let idp: TestOidcProvider;
let sshd: PasswordSshd;
let guacd: GuacdProcess;
let t: TestGateway;
let admin: Api;
let machineId: string;
const answers: string[] = [];
const clients: GuacClient[] = [];
const previousLog = process.env.DESKPORT_TEST_LOG;

/** Every API answer is kept, to prove the password is in none of them. */
function recorded(api: Api): Api {
  const keep = async (r: Promise<{ status: number; body: unknown }>) => {
    const x = await r;
    answers.push(JSON.stringify(x.body));
    return x;
  };
  return {
    cookie: api.cookie,
    get: (p) => keep(api.get(p)),
    post: (p, b) => keep(api.post(p, b)),
    del: (p) => keep(api.del(p)),
    call: (m, p, b) => keep(api.call(m, p, b)),
  };
}

const db = () => new BetterSqlite3(join(t.dataDir, 'deskport.db'), { readonly: true, fileMustExist: true });
const keptRows = () => {
  const d = db();
  try {
    return d.prepare('SELECT web_session_id, username, password_sealed FROM web_session_secrets').all() as {
      web_session_id: string;
      username: string;
      password_sealed: string;
    }[];
  } finally {
    d.close();
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deskport-passthrough-'));
  logFile = join(dir, 'gateway.log');
  process.env.DESKPORT_TEST_LOG = logFile; // the gateway logs at debug level into it (test/helpers/gateway.ts)
  sshd = await startPasswordSshd(dir, USER, PASSWORD);
  guacd = await startGuacd();
  // The gateway shares this test's event loop with the OIDC provider's start (a synchronous RSA key
  // generation): its overload admission would refuse the display for that. Off here; admission.test.ts covers it.
  t = await startTestGateway({ guacd: guacd.guacd, env: { DESKPORT_MAX_LOOP_DELAY_MS: '0' } });
  [slapd, idp] = await Promise.all([startSlapd(), startOidcProvider({ redirectUris: [`${t.url}/api/v1/auth/oidc/corp-sso/callback`] })]);
  admin = recorded(await signIn(t.url, 'admin', ADMIN_PASSWORD));
  const ldap = await admin.post('/api/v1/admin/identity-providers', {
    kind: 'ldap',
    id: 'corp-ldap',
    name: 'Corp directory',
    config: {
      url: slapd.url,
      bindDn: READER_DN,
      bindPassword: READER_PASSWORD,
      userBase: `ou=people,${BASE_DN}`,
      groupBase: `ou=groups,${BASE_DN}`,
      timeoutMs: 3000,
    },
  });
  expect(ldap.status).toBe(201);
  const oidc = await admin.post('/api/v1/admin/identity-providers', {
    kind: 'oidc',
    id: 'corp-sso',
    name: 'Corp SSO',
    config: { issuer: idp.issuer, ...CONFIDENTIAL_CLIENT, scopes: 'openid profile email groups', allowHttpIssuer: true },
  });
  expect(oidc.status).toBe(201);
  const hosts = (await admin.get('/api/v1/admin/hosts')).body as { id: string }[];
  const m = await admin.post('/api/v1/admin/machines', {
    name: 'Directory SSH',
    protocol: 'ssh',
    address: '127.0.0.1',
    port: sshd.port,
    hostId: hosts[0]!.id,
    credentialMode: 'passthrough',
  });
  expect(m.status).toBe(201);
  machineId = (m.body as { id: string }).id;
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await t?.cleanup();
  await Promise.all([guacd?.kill(), sshd?.stop(), slapd?.stop(), idp?.stop()]);
  if (previousLog === undefined) delete process.env.DESKPORT_TEST_LOG;
  else process.env.DESKPORT_TEST_LOG = previousLog;
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('a passthrough SSH machine', () => {
  it('logs a directory user in with the password they signed in with; the password shows up nowhere and goes at sign-out', async () => {
    const bob = recorded(await signIn(t.url, USER, PASSWORD));
    const tile = ((await bob.get('/api/v1/machines')).body as { id: string; credentialMode: string; unavailable?: string }[]).find(
      (x) => x.id === machineId,
    );
    expect(tile).toMatchObject({ credentialMode: 'passthrough' });
    expect(tile?.unavailable).toBeUndefined();
    const kept = keptRows();
    expect(kept).toHaveLength(1);
    expect(kept[0]!.username).toBe(USER);
    expect(kept[0]!.password_sealed).toMatch(/^v1:[0-9a-f]{16}:/);

    const s = await bob.post('/api/v1/sessions', { machineId });
    expect(s.status).toBe(201);
    const sessionId = (s.body as { session: { id: string } }).session.id;
    const tk = await bob.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
    expect(tk.status).toBe(201);
    const c = await GuacClient.open(t.url, (tk.body as { url: string }).url);
    clients.push(c);
    await c.firstImage().catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await c.closed)} ${JSON.stringify(c.received.slice(-5))}`);
    });
    // The shell runs as the directory user: the file is created in their home, by them.
    const marker = join(sshd.home, 'passthrough-typed');
    const deadline = Date.now() + 20_000;
    while (!existsSync(marker) && Date.now() < deadline) {
      c.type(`id -un > ${marker}\n`);
      for (let i = 0; i < 20 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
    }
    expect(existsSync(marker)).toBe(true);
    await expect.poll(() => readFileSync(marker, 'utf8').trim(), { timeout: 5000 }).toBe(USER);
    expect(c.received.some((i) => i.args.some((a) => a.includes(PASSWORD)))).toBe(false);
    c.close();

    // A ticket issued before sign-out dies with the web session it came from.
    const pending = await bob.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
    expect(pending.status).toBe(201);
    expect((await bob.post('/api/v1/auth/logout')).status).toBeLessThan(300);
    expect(keptRows()).toEqual([]);
    await expect(GuacClient.open(t.url, (pending.body as { url: string }).url)).rejects.toThrow(/401/);

    for (const a of answers) expect(a).not.toContain(PASSWORD);
    expect(readFileSync(logFile, 'utf8')).toContain('display connected'); // the log was written at debug level
    expect(readFileSync(logFile, 'utf8')).not.toContain(PASSWORD);
    // Every file of the database (main file, WAL, shared memory): no plaintext copy anywhere.
    const dbFiles = readdirSync(t.dataDir).filter((f) => f.startsWith('deskport.db'));
    expect(dbFiles).toContain('deskport.db');
    for (const f of dbFiles) expect(readFileSync(join(t.dataDir, f)).includes(Buffer.from(PASSWORD))).toBe(false);
  }, 90_000);

  it('refuses a local-password sign-in clearly: on the tile before a click, at launch', async () => {
    const tile = ((await admin.get('/api/v1/machines')).body as { id: string; unavailable?: string }[]).find((x) => x.id === machineId);
    expect(tile?.unavailable).toBe(PASSTHROUGH_REFUSAL);
    const r = await admin.post('/api/v1/sessions', { machineId });
    expect(r).toMatchObject({ status: 409, body: { error: { code: 'directory_sign_in_required', message: PASSTHROUGH_REFUSAL } } });
  });

  it('refuses an OIDC sign-in clearly, a display whose kept password went, and a directory user’s API token', async () => {
    const b = new OidcBrowser(t.url);
    await b.request(await b.atProvider(await b.start('corp-sso'), { username: 'bob', password: OIDC_ACCOUNTS.bob!.password }));
    const list = (await (await b.request(`${t.url}/api/v1/machines`)).json()) as { id: string; unavailable?: string }[];
    expect(list.find((x) => x.id === machineId)?.unavailable).toBe(PASSTHROUGH_REFUSAL);
    const launch = await b.request(`${t.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.url },
      body: JSON.stringify({ machineId }),
    });
    expect(launch.status).toBe(409);
    expect(((await launch.json()) as { error: { message: string } }).error.message).toBe(PASSTHROUGH_REFUSAL);

    // The directory user's live session, resumed with a token: no ticket, the same message.
    const bob = recorded(await signIn(t.url, USER, PASSWORD));
    const s = await bob.post('/api/v1/sessions', { machineId });
    const sessionId = (s.body as { session: { id: string } }).session.id;

    // The kept password gone after the ticket was issued (as when a newer sign-in brought a changed
    // password): the display closes with the same message instead of trying a login.
    const tk = await bob.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
    expect(tk.status).toBe(201);
    const w = new BetterSqlite3(join(t.dataDir, 'deskport.db'), { fileMustExist: true });
    try {
      expect(w.prepare('DELETE FROM web_session_secrets').run().changes).toBe(1);
    } finally {
      w.close();
    }
    const c = await GuacClient.open(t.url, (tk.body as { url: string }).url);
    clients.push(c);
    expect(await c.closed).toEqual({ code: DisplayClose.DesktopFailed, reason: PASSTHROUGH_REFUSAL });

    const token = ((await bob.post('/api/v1/me/tokens', { name: 'script' })).body as { token: string }).token;
    const r = await fetch(`${t.url}/api/v1/sessions/${sessionId}/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'control' }),
    });
    expect(r.status).toBe(409);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('directory_sign_in_required');
  });
});
