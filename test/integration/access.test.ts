// Losing access against a real gateway and real process desktops (Xvnc under bubblewrap): disabling
// a user, or taking away the last group a pool allows, closes their open display within a second
// with a reason, ends the session, revokes what it should, and is audited, while another person's
// display in the same pool keeps working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  launchPool,
  signIn,
  startTestGateway,
  ticket,
  type Api,
  type SessionJson,
  type TestGateway,
} from '../helpers/gateway.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';

let t: TestGateway;
let admin: Api;
let labPool: string;
let labGroup: string;
const opened: RfbViewer[] = [];

beforeAll(async () => {
  t = await startTestGateway();
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  labGroup = ((await admin.post('/api/v1/admin/groups', { name: 'lab' })).body as { id: string }).id;
  const pool = await admin.post('/api/v1/admin/pools', {
    name: 'Lab desktops',
    driver: 'process',
    protocol: 'vnc',
    groups: [labGroup],
    graceS: 600,
  });
  expect(pool.status, JSON.stringify(pool.body)).toBe(201);
  labPool = (pool.body as { id: string }).id;
});
afterAll(async () => {
  for (const v of opened) v.close();
  await t?.cleanup();
});

async function person(username: string, groups: string[] = [], roles = ['user']): Promise<{ id: string; api: Api }> {
  const password = `${username}-password-1`;
  const r = await admin.post('/api/v1/admin/users', { username, password, groups, roles });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: (r.body as { id: string }).id, api: await signIn(t.url, username, password) };
}

const launch = (api: Api, poolId: string): Promise<SessionJson> => launchPool(api, poolId, 30_000);

/** A live control display with the desktop's windows drawn, and a promise of its close. */
async function display(api: Api, sessionId: string, path?: string) {
  const v = await RfbViewer.open(t.url, path ?? (await ticket(api, sessionId, 'control')));
  opened.push(v);
  await v.handshake();
  await v.waitForWindows();
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    v.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })),
  );
  return { v, closed };
}

/** Resolves with the close, or with null when the display is still open after `ms`. */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<null>((r) => setTimeout(() => r(null), ms))]);

const sessionState = async (id: string) =>
  (
    (await admin.get(`/api/v1/admin/sessions?state=starting,ready,ending,ended,failed,lost`)).body as {
      id: string;
      state: string;
      error?: string;
    }[]
  ).find((s) => s.id === id);

const auditOf = async (action: string) =>
  (await admin.get(`/api/v1/admin/audit?action=${action}`)).body as {
    actor: string;
    target: string;
    result: string;
    details: Record<string, unknown>;
  }[];

describe('losing access', () => {
  it('disabling a user closes their display within a second with the reason, ends the session, revokes sign-ins and tokens, audited', async () => {
    const dora = await person('dora');
    const token = ((await dora.api.post('/api/v1/me/tokens', { name: 'script' })).body as { token: string }).token;
    const asToken = () => fetch(`${t.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await asToken()).toBe(200);
    const s = await launch(
      dora.api,
      ((await dora.api.get('/api/v1/pools')).body as { id: string; name: string }[]).find((p) => p.name === 'Linux desktop (local)')!.id,
    );
    const { closed } = await display(dora.api, s.id);

    const sent = Date.now();
    const r = await admin.call('PATCH', `/api/v1/admin/users/${dora.id}`, { disabled: true });
    expect(r.status).toBe(200);
    const close = await within(closed, 1000);
    expect(close, 'the display was still open a second after the PATCH').not.toBeNull();
    expect(close!.at - sent).toBeLessThan(1000);
    expect(close).toMatchObject({ code: 4010, reason: 'your account was disabled' });

    expect((await dora.api.get('/api/v1/me')).status).toBe(401);
    expect(await asToken()).toBe(401);
    expect(await sessionState(s.id)).toMatchObject({ state: 'ended', error: 'Your account was disabled by an administrator.' });
    // The way back is shut too: re-enabling does not revive the old token.
    expect((await admin.call('PATCH', `/api/v1/admin/users/${dora.id}`, { disabled: false })).status).toBe(200);
    expect(await asToken()).toBe(401);

    const revoked = (await auditOf('user.access_revoked')).find((a) => a.target === dora.id);
    expect(revoked).toMatchObject({
      actor: 'admin',
      result: 'ok',
      details: { reason: 'disabled', cause: 'user.update', displaysClosed: 1, sessionsEnded: [s.id], tokensRevoked: 1 },
    });
    expect((await auditOf('session.end')).find((a) => a.target === s.id)).toMatchObject({
      actor: 'admin',
      details: { reason: 'account_disabled' },
    });
  });

  it('removing the last group the pool allows closes that display within a second; another person’s display keeps working', async () => {
    const erin = await person('erin', [labGroup]);
    const fred = await person('fred', [labGroup]);
    const mine = await launch(erin.api, labPool);
    const theirs = await launch(fred.api, labPool);
    const e = await display(erin.api, mine.id);
    const f = await display(fred.api, theirs.id);

    const sent = Date.now();
    expect((await admin.call('PATCH', `/api/v1/admin/users/${erin.id}`, { groups: [] })).status).toBe(200);
    const close = await within(e.closed, 1000);
    expect(close, 'the display was still open a second after the PATCH').not.toBeNull();
    expect(close!.at - sent).toBeLessThan(1000);
    expect(close).toMatchObject({ code: 4011, reason: 'you no longer have access to this desktop' });
    expect((await sessionState(mine.id))?.state).toBe('ended');

    // Fred's display still answers, and Erin is still signed in (she only lost this pool).
    expect((await f.v.capture()).distinctColours).toBeGreaterThan(2);
    expect(f.v.closeInfo).toBeNull();
    expect((await sessionState(theirs.id))?.state).toBe('ready');
    expect((await erin.api.get('/api/v1/me')).status).toBe(200);
    expect((await erin.api.post(`/api/v1/sessions`, { poolId: labPool })).status).toBe(404);

    const revoked = (await auditOf('user.access_revoked')).find((a) => a.target === erin.id);
    expect(revoked).toMatchObject({
      actor: 'admin',
      details: { reason: 'not_entitled', cause: 'user.update', sessionsEnded: [{ sessionId: mine.id, poolId: labPool }] },
    });
  });

  it('narrowing the pool’s groups does the same to everyone left outside', async () => {
    const ops = ((await admin.post('/api/v1/admin/groups', { name: 'ops' })).body as { id: string }).id;
    const gina = await person('gina', [labGroup]);
    const s = await launch(gina.api, labPool);
    const { closed } = await display(gina.api, s.id);
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${labPool}`, { groups: [ops] })).status).toBe(200);
    expect(await within(closed, 1000)).toMatchObject({ code: 4011 });
    expect((await sessionState(s.id))?.state).toBe('ended');
    expect((await auditOf('user.access_revoked')).find((a) => a.target === gina.id)?.details).toMatchObject({ cause: 'pool.update' });
  });

  it('disabling a helpdesk user closes the shadow display they hold; the owner keeps working', async () => {
    const ivy = await person('ivy');
    const hank = await person('hank', [], ['helpdesk']);
    const s = await launch(
      ivy.api,
      ((await ivy.api.get('/api/v1/pools')).body as { id: string; name: string }[]).find((p) => p.name === 'Linux desktop (local)')!.id,
    );
    const owner = await display(ivy.api, s.id);
    const shadow = (
      (await hank.api.post(`/api/v1/sessions/${s.id}/shadow`, { mode: 'view', reason: 'ticket #12: printer' })).body as {
        shadow: { id: string };
      }
    ).shadow;
    expect((await ivy.api.post(`/api/v1/shadows/${shadow.id}/approve`)).status).toBe(200);
    const url = ((await hank.api.post(`/api/v1/shadows/${shadow.id}/tickets`)).body as { url: string }).url;
    const helper = await display(hank.api, s.id, url);

    expect((await admin.call('PATCH', `/api/v1/admin/users/${hank.id}`, { disabled: true })).status).toBe(200);
    expect(await within(helper.closed, 1000)).toMatchObject({ code: 4010, reason: 'your account was disabled' });
    expect(((await ivy.api.get(`/api/v1/shadows/${shadow.id}`)).body as { shadow: { state: string } }).shadow.state).toBe('ended');
    expect((await owner.v.capture()).distinctColours).toBeGreaterThan(2);
    expect(owner.v.closeInfo).toBeNull();
    expect((await sessionState(s.id))?.state).toBe('ready');
  });
});
