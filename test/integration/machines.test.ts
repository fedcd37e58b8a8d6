// Existing machines through a real gateway (SQLite, the built-in agent as the host that reaches
// them): the admin registry with write-only secrets (never in answers, the audit log or the
// gateway's log), entitlement by group, each person's own credentials, why a machine is
// unavailable, and a machine session launched, resumed, resolved for the tunnel and ended.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { PASSTHROUGH_REFUSAL } from '../../server/auth/sign-in-secrets.ts';

const SHARED_PW = 'Shared-Secret-4f9c1e';
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nkey-material-77ab\n-----END OPENSSH PRIVATE KEY-----';
const PERSONAL_PW = 'Personal-Secret-9d3a7b';
const SECRETS = [SHARED_PW, 'key-material-77ab', PERSONAL_PW, 'Replaced-Secret-5e5e'];

let t: TestGateway;
let admin: Api;
let hostId: string;
let logDir: string;
let logFile: string;
const savedLogEnv = process.env.DESKPORT_TEST_LOG;

beforeAll(async () => {
  logDir = mkdtempSync(join(tmpdir(), 'deskport-machines-log-'));
  logFile = join(logDir, 'gateway.log');
  process.env.DESKPORT_TEST_LOG = logFile; // the helper's debug log, read back to look for secrets
  t = await startTestGateway();
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const deadline = Date.now() + 20_000;
  while (!hostId && Date.now() < deadline) {
    const hosts = (await admin.get('/api/v1/admin/hosts')).body as { id: string; state: string }[];
    hostId = hosts.find((h) => h.state === 'online')?.id ?? '';
    if (!hostId) await new Promise((r) => setTimeout(r, 100));
  }
  expect(hostId).toBeTruthy();
});

afterAll(async () => {
  await t?.cleanup();
  if (savedLogEnv === undefined) delete process.env.DESKPORT_TEST_LOG;
  else process.env.DESKPORT_TEST_LOG = savedLogEnv;
  rmSync(logDir, { recursive: true, force: true });
});

async function person(username: string, groups: string[] = []): Promise<{ id: string; api: Api }> {
  const password = `pw-${username}-long-enough`;
  const r = await admin.post('/api/v1/admin/users', { username, password, groups, roles: ['user'] });
  expect(r.status).toBe(201);
  return { id: (r.body as { id: string }).id, api: await signIn(t.url, username, password) };
}

type View = Record<string, unknown> & { id: string };
const rdp = (o: Record<string, unknown> = {}) => ({
  name: `rdp-${Math.random().toString(36).slice(2, 8)}`,
  protocol: 'rdp',
  address: '10.20.30.40',
  port: 3389,
  hostId,
  credentialMode: 'shared',
  username: 'svc-deskport',
  password: SHARED_PW,
  domain: 'CORP',
  security: 'nla',
  ignoreCert: true,
  ...o,
});

describe('admin registry', () => {
  it('creates a machine and answers only whether its secrets are set', async () => {
    const r = await admin.post('/api/v1/admin/machines', rdp({ name: 'Finance RDP' }));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name: 'Finance RDP',
      protocol: 'rdp',
      hostId,
      hostLabel: null,
      security: 'nla',
      ignoreCert: true,
      domain: 'CORP',
      username: 'svc-deskport',
      passwordSet: true,
      privateKeySet: false,
      groups: [],
    });
    expect(JSON.stringify(r.body)).not.toContain(SHARED_PW);
    const list = (await admin.get('/api/v1/admin/machines')).body as View[];
    expect(list.map((m) => m.name)).toContain('Finance RDP');
    expect(JSON.stringify(list)).not.toContain(SHARED_PW);
    expect((await admin.post('/api/v1/admin/machines', rdp({ name: 'finance rdp' }))).body).toMatchObject({
      error: { code: 'machine_exists' },
    });
  });

  it('refuses wrong fields with one entry per field', async () => {
    const both = await admin.post('/api/v1/admin/machines', rdp({ hostLabel: 'zone=a' }));
    expect(both.status).toBe(400);
    const neither = await admin.post('/api/v1/admin/machines', rdp({ hostId: undefined }));
    expect((neither.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field)).toEqual(['hostId']);
    const ssh = await admin.post('/api/v1/admin/machines', {
      ...rdp({ protocol: 'ssh', port: 22, credentialMode: 'per_user', username: undefined, password: undefined }),
      privateKey: KEY,
    });
    expect(ssh.status).toBe(400);
    const fields = (ssh.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field).sort();
    expect(fields).toEqual(['domain', 'ignoreCert', 'privateKey', 'security']);
    const vnc = await admin.post(
      '/api/v1/admin/machines',
      rdp({ protocol: 'vnc', security: undefined, ignoreCert: undefined, domain: undefined, privateKey: KEY }),
    );
    expect((vnc.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field)).toEqual(['privateKey']);
    const badHost = await admin.post('/api/v1/admin/machines', rdp({ hostId: 'no-such-host' }));
    expect(badHost.body).toMatchObject({ error: { details: [{ field: 'hostId', problem: 'no such host' }] } });
    const scheme = await admin.post('/api/v1/admin/machines', rdp({ address: 'rdp://10.0.0.1' }));
    expect(scheme.status).toBe(400);
    const port = await admin.post('/api/v1/admin/machines', rdp({ port: 70000 }));
    expect(port.status).toBe(400);
    expect(JSON.stringify([both.body, neither.body, ssh.body, vnc.body, badHost.body])).not.toContain(SHARED_PW);
  });

  it('keeps a secret left out, drops it when the address or port changes, and clears it on null', async () => {
    const m = (
      await admin.post('/api/v1/admin/machines', {
        ...rdp({ protocol: 'ssh', port: 22, security: undefined, ignoreCert: undefined, domain: undefined }),
        privateKey: KEY,
      })
    ).body as View;
    expect(m).toMatchObject({ passwordSet: true, privateKeySet: true });
    const renamed = (await admin.call('PATCH', `/api/v1/admin/machines/${m.id}`, { description: 'jump host' })).body;
    expect(renamed).toMatchObject({ description: 'jump host', passwordSet: true, privateKeySet: true });
    const empty = (await admin.call('PATCH', `/api/v1/admin/machines/${m.id}`, { password: '' })).body;
    expect(empty).toMatchObject({ passwordSet: true });
    const moved = (await admin.call('PATCH', `/api/v1/admin/machines/${m.id}`, { port: 2222 })).body;
    expect(moved).toMatchObject({ port: 2222, passwordSet: false, privateKeySet: false });
    const again = (await admin.call('PATCH', `/api/v1/admin/machines/${m.id}`, { password: 'Replaced-Secret-5e5e', privateKey: KEY })).body;
    expect(again).toMatchObject({ passwordSet: true, privateKeySet: true });
    const cleared = (await admin.call('PATCH', `/api/v1/admin/machines/${m.id}`, { privateKey: null })).body;
    expect(cleared).toMatchObject({ passwordSet: true, privateKeySet: false });
    const label = (await admin.call('PATCH', `/api/v1/admin/machines/${m.id}`, { hostLabel: 'zone=nowhere' })).body;
    expect(label).toMatchObject({ hostId: null, hostLabel: 'zone=nowhere', passwordSet: true });
    expect((label as { unavailable?: string }).unavailable).toMatch(/No host has the label “zone=nowhere”/);
    expect((await admin.call('PATCH', '/api/v1/admin/machines/nope', { port: 1 })).status).toBe(404);
    expect((await admin.del(`/api/v1/admin/machines/${m.id}`)).status).toBe(204);
    expect((await admin.del(`/api/v1/admin/machines/${m.id}`)).status).toBe(404);

    const audit = (await admin.get('/api/v1/admin/audit?limit=1000')).body as {
      action: string;
      target: string;
      details: Record<string, unknown>;
    }[];
    const mine = audit.filter((e) => e.target === m.id).map((e) => e.action);
    expect(mine.filter((a) => a === 'machine.update')).toHaveLength(6);
    expect(mine).toContain('machine.create');
    expect(mine).toContain('machine.delete');
    const movedRow = audit.find((e) => e.target === m.id && e.details.moved === true);
    expect(movedRow?.details.secrets).toEqual({ password: 'dropped', privateKey: 'dropped' });
  });

  it('is for admins only', async () => {
    const { api } = await person('plain-user');
    expect((await api.get('/api/v1/admin/machines')).status).toBe(403);
    expect((await api.post('/api/v1/admin/machines', rdp())).status).toBe(403);
  });
});

describe('for the people entitled', () => {
  it('lists only machines their groups allow, says why one is unavailable, and keeps their own credentials', async () => {
    const lab = ((await admin.post('/api/v1/admin/groups', { name: 'machine-lab' })).body as { id: string }).id;
    const inLab = await person('lab-member', [lab]);
    const outside = await person('outsider');
    const open = (await admin.post('/api/v1/admin/machines', rdp({ name: 'Open desk' }))).body as View;
    const labOnly = (
      await admin.post(
        '/api/v1/admin/machines',
        rdp({ name: 'Lab desk', groups: [lab], credentialMode: 'per_user', username: undefined, password: undefined }),
      )
    ).body as View;
    const far = (await admin.post('/api/v1/admin/machines', rdp({ name: 'Far desk', hostId: undefined, hostLabel: 'site=mars' })))
      .body as View;

    const seen = (await inLab.api.get('/api/v1/machines')).body as View[];
    expect(seen.map((m) => m.name).sort()).toEqual(expect.arrayContaining(['Far desk', 'Lab desk', 'Open desk']));
    expect(seen.find((m) => m.id === labOnly.id)).toEqual({
      id: labOnly.id,
      name: 'Lab desk',
      description: '',
      protocol: 'rdp',
      credentialMode: 'per_user',
      credentialsSaved: false,
    });
    expect(seen.find((m) => m.id === far.id)?.unavailable).toMatch(/site=mars/);
    expect(seen.find((m) => m.id === open.id)?.unavailable).toBeUndefined();
    expect(((await outside.api.get('/api/v1/machines')).body as View[]).map((m) => m.id)).not.toContain(labOnly.id);

    // Someone else's machine is "no such machine"; a shared machine takes no personal login.
    expect((await outside.api.call('PUT', `/api/v1/machines/${labOnly.id}/credentials`, { username: 'x', password: 'y' })).status).toBe(
      404,
    );
    const notPerUser = await inLab.api.call('PUT', `/api/v1/machines/${open.id}/credentials`, { username: 'x', password: 'y' });
    expect(notPerUser).toMatchObject({ status: 409, body: { error: { code: 'credentials_not_per_user' } } });
    const bad = await inLab.api.call('PUT', `/api/v1/machines/${labOnly.id}/credentials`, { username: '', password: 'y', extra: 1 });
    expect(bad.status).toBe(400);

    // per_user: refused until saved, then a session; the saved login never comes back.
    const refused = await inLab.api.post('/api/v1/sessions', { machineId: labOnly.id });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'credentials_required' } } });
    const saved = await inLab.api.call('PUT', `/api/v1/machines/${labOnly.id}/credentials`, {
      username: 'lab\\ann',
      password: PERSONAL_PW,
    });
    expect(saved.status).toBe(204);
    const after = ((await inLab.api.get('/api/v1/machines')).body as View[]).find((m) => m.id === labOnly.id);
    expect(after).toMatchObject({ credentialsSaved: true });
    expect(JSON.stringify(after)).not.toContain(PERSONAL_PW);
    const launched = await inLab.api.post('/api/v1/sessions', { machineId: labOnly.id });
    expect(launched.status).toBe(201);
    const session = (launched.body as { session: { id: string } }).session;
    const c = await t.gw.machines.machineConnection(session.id);
    expect(c).toEqual({
      hostId,
      target: { address: '10.20.30.40', port: 3389 },
      protocol: 'rdp',
      settings: { username: 'lab\\ann', password: PERSONAL_PW, domain: 'CORP', security: 'nla', 'ignore-cert': 'true' },
    });
    expect((await inLab.api.del(`/api/v1/sessions/${session.id}`)).status).toBe(204);
    expect((await inLab.api.del(`/api/v1/machines/${labOnly.id}/credentials`)).status).toBe(204);
    expect(((await inLab.api.get('/api/v1/machines')).body as View[]).find((m) => m.id === labOnly.id)).toMatchObject({
      credentialsSaved: false,
    });
    expect((await inLab.api.post('/api/v1/sessions', { machineId: labOnly.id })).status).toBe(409);

    // Not entitled: as if it did not exist. Unreachable: 503 with the reason.
    expect((await outside.api.post('/api/v1/sessions', { machineId: labOnly.id })).status).toBe(404);
    const unreachable = await inLab.api.post('/api/v1/sessions', { machineId: far.id });
    expect(unreachable).toMatchObject({ status: 503, body: { error: { code: 'machine_unreachable' } } });

    const audit = (await admin.get('/api/v1/admin/audit?limit=1000')).body as { action: string; actor: string; target: string }[];
    expect(
      audit
        .filter((e) => e.target === labOnly.id && e.actor === 'lab-member')
        .map((e) => e.action)
        .sort(),
    ).toEqual(['machine.credentials.forget', 'machine.credentials.save']);
  });

  it('a passthrough machine refuses a local-password sign-in clearly, on the tile before a click and at launch', async () => {
    const m = (await admin.post('/api/v1/admin/machines', rdp({ credentialMode: 'passthrough', username: undefined, password: undefined })))
      .body as View;
    // Machine-wide nothing is wrong: whether it works depends on how each person signed in.
    expect(m.unavailable).toBeUndefined();
    const mine = ((await admin.get('/api/v1/machines')).body as { id: string; unavailable?: string }[]).find((x) => x.id === m.id);
    expect(mine?.unavailable).toBe(PASSTHROUGH_REFUSAL);
    const r = await admin.post('/api/v1/sessions', { machineId: m.id });
    expect(r).toMatchObject({ status: 409, body: { error: { code: 'directory_sign_in_required', message: PASSTHROUGH_REFUSAL } } });
  });
});

describe('a machine session', () => {
  it('is ready at once, resumed on a second launch, resolves for the tunnel with the shared login, and ends', async () => {
    const m = (await admin.post('/api/v1/admin/machines', rdp({ name: 'Shared desk' }))).body as View;
    const { api } = await person('desk-user');
    const first = await api.post('/api/v1/sessions', { machineId: m.id });
    expect(first.status).toBe(201);
    const s = (first.body as { session: Record<string, unknown> & { id: string } }).session;
    expect(s).toMatchObject({ state: 'ready', machineId: m.id, protocol: 'rdp', hostId });
    expect(s.poolId).toBeUndefined();
    const again = await api.post('/api/v1/sessions', { machineId: m.id });
    expect(again).toMatchObject({ status: 200, body: { session: { id: s.id } } });
    expect((await api.post('/api/v1/sessions', { machineId: m.id, poolId: 'x' })).status).toBe(400);

    const c = await t.gw.machines.machineConnection(s.id);
    expect(c.settings).toEqual({ username: 'svc-deskport', password: SHARED_PW, domain: 'CORP', security: 'nla', 'ignore-cert': 'true' });

    const ticket = await api.post(`/api/v1/sessions/${s.id}/tickets`, { mode: 'control' });
    expect(ticket.status).toBe(201);
    // The ticket redeems to the machine (no desktop), which /ws/vnc does not show: 400, not 401/403.
    const vnc = new WebSocket(`${t.url.replace('http', 'ws')}/ws/vnc?ticket=${(ticket.body as { ticket: string }).ticket}`, {
      headers: { origin: t.url },
    });
    const refusal = await new Promise<number>((resolve, reject) => {
      vnc.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      vnc.once('open', () => reject(new Error('/ws/vnc opened a machine session')));
      vnc.once('error', () => undefined);
    });
    vnc.terminate();
    expect(refusal).toBe(400);
    expect((await api.del(`/api/v1/sessions/${s.id}`)).status).toBe(204);
    expect(((await api.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string } }).session.state).toBe('ended');
    const third = await api.post('/api/v1/sessions', { machineId: m.id });
    expect(third.status).toBe(201);
    // Deleting the machine ends its live sessions.
    expect((await admin.del(`/api/v1/admin/machines/${m.id}`)).status).toBe(204);
    const ended = (
      (await api.get(`/api/v1/sessions/${(third.body as { session: { id: string } }).session.id}`)).body as {
        session: { state: string; error?: string };
      }
    ).session;
    expect(ended).toMatchObject({ state: 'ended', error: 'The machine was removed by an admin.' });
  });

  it('ends when the person loses the group that entitled them', async () => {
    const grp = ((await admin.post('/api/v1/admin/groups', { name: 'desk-group' })).body as { id: string }).id;
    const p = await person('grouped', [grp]);
    const m = (await admin.post('/api/v1/admin/machines', rdp({ groups: [grp] }))).body as View;
    const s = ((await p.api.post('/api/v1/sessions', { machineId: m.id })).body as { session: { id: string } }).session;
    expect((await admin.call('PATCH', `/api/v1/admin/users/${p.id}`, { groups: [] })).status).toBe(200);
    const after = ((await p.api.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string } }).session;
    expect(after.state).toBe('ended');
  });

  it('ends when the machine’s groups no longer include the person', async () => {
    const [g1, g2] = await Promise.all(
      ['desk-a', 'desk-b'].map(async (name) => ((await admin.post('/api/v1/admin/groups', { name })).body as { id: string }).id),
    );
    const p = await person('regrouped', [g1!]);
    const m = (await admin.post('/api/v1/admin/machines', rdp({ groups: [g1] }))).body as View;
    const s = ((await p.api.post('/api/v1/sessions', { machineId: m.id })).body as { session: { id: string } }).session;
    expect((await admin.call('PATCH', `/api/v1/admin/machines/${m.id}`, { groups: [g1, g2] })).status).toBe(200);
    expect(((await p.api.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string } }).session.state).toBe('ready');
    expect((await admin.call('PATCH', `/api/v1/admin/machines/${m.id}`, { groups: [g2] })).status).toBe(200);
    expect(((await p.api.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string } }).session.state).toBe('ended');
  });

  it('never leaves a secret in the gateway log or the audit log', async () => {
    const audit = JSON.stringify((await admin.get('/api/v1/admin/audit?limit=1000')).body);
    const log = readFileSync(logFile, 'utf8');
    expect(log.length).toBeGreaterThan(1000); // the log was really captured
    expect(log).toContain('machine');
    for (const secret of SECRETS) {
      expect(audit).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
  });
});
