// Bad input at every edge of a real gateway (real Xvnc behind it): each gets the contract's error
// or a close with a reason, and everyone else keeps being served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ADMIN_PASSWORD, launchDesktop, signIn, startTestGateway, ticket, type Api, type TestGateway } from '../helpers/gateway.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';

let t: TestGateway;
let api: Api;
let sessionId: string;

beforeAll(async () => {
  t = await startTestGateway({ env: { DESKPORT_TICKET_TTL_S: '1' } });
  api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  sessionId = (await launchDesktop(api, t.url)).id;
});
afterAll(async () => t?.cleanup());

const raw = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  fetch(`${t.url}${path}`, { ...init, headers: { cookie: api.cookie, origin: t.url, ...init.headers } });

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
  return body;
}

const errorCodeOf = (body: unknown) => (body as { error: { code: string } }).error.code;
const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  raw(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('HTTP edge', () => {
  it('malformed JSON is a 400 in the contract shape', async () => {
    await expectError(await post('/api/v1/sessions', '{"poolId":'), 400, 'invalid_input');
  });
  it('wrong types list the fields', async () => {
    const b = (await expectError(await post('/api/v1/sessions', '{"poolId":5}'), 400, 'invalid_input')) as unknown as {
      error: { details: { field: string }[] };
    };
    expect(b.error.details.map((d) => d.field)).toContain('poolId');
  });
  it('a huge body is refused without being buffered whole', async () => {
    await expectError(await post('/api/v1/sessions', JSON.stringify({ poolId: 'x'.repeat(2_000_000) })), 413, 'body_too_large');
  });
  it('an unknown pool is a 404, an unknown endpoint too', async () => {
    await expectError(await post('/api/v1/sessions', '{"poolId":"p-nope"}'), 404, 'not_found');
    await expectError(await raw('/api/v1/no-such-thing'), 404, 'not_found');
  });
  it('cross-origin cookie writes are refused', async () => {
    await expectError(await post('/api/v1/sessions', '{"poolId":"x"}', { origin: 'https://evil.example' }), 403, 'origin_mismatch');
  });
  it('pool edits are validated: fields listed, unknown groups refused, names unique', async () => {
    const bad = await api.post('/api/v1/admin/pools', { name: '', driver: 'vmware', protocol: 'vnc', maxDesktops: 0 });
    expect(bad.status).toBe(400);
    const fields = (bad.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field).sort();
    expect(fields).toEqual(['driver', 'maxDesktops', 'name']);
    const ghost = await api.post('/api/v1/admin/pools', { name: 'Ghost', driver: 'process', protocol: 'vnc', groups: ['g-nope'] });
    expect(ghost.status).toBe(400);
    const made = (await api.post('/api/v1/admin/pools', { name: 'Renamed later', driver: 'process', protocol: 'vnc' })).body as {
      id: string;
    };
    const clash = await api.call('PATCH', `/api/v1/admin/pools/${made.id}`, { name: 'Linux desktop (local)' });
    expect(clash.status).toBe(409);
    expect(errorCodeOf(clash.body)).toBe('name_taken');
    // A restricted network only on qemu pools: refused on create and on a change of either field.
    const wired = await api.post('/api/v1/admin/pools', { name: 'Wired', driver: 'process', protocol: 'vnc', network: 'restricted' });
    expect(wired.status).toBe(400);
    expect((wired.body as { error: { details: { field: string }[] } }).error.details.map((d) => d.field)).toEqual(['network']);
    expect((await api.call('PATCH', `/api/v1/admin/pools/${made.id}`, { network: 'restricted' })).status).toBe(400);
    const vm = (await api.post('/api/v1/admin/pools', { name: 'VM net', driver: 'qemu', protocol: 'vnc', network: 'restricted' })).body as {
      id: string;
      network: string;
    };
    expect(vm.network).toBe('restricted');
    expect((await api.call('PATCH', `/api/v1/admin/pools/${vm.id}`, { driver: 'docker' })).status).toBe(400);
    expect((await api.call('PATCH', `/api/v1/admin/pools/${vm.id}`, { driver: 'docker', network: 'none' })).status).toBe(200);
    expect((await api.del(`/api/v1/admin/pools/${vm.id}`)).status).toBe(204);
    expect((await api.del(`/api/v1/admin/pools/${made.id}`)).status).toBe(204);
  });

  it('not signed in is a 401', async () => {
    await expectError(await fetch(`${t.url}/api/v1/sessions`), 401, 'unauthorized');
  });
});

describe('display tickets', () => {
  const status = (p: Promise<unknown>) =>
    p.then(
      () => 101,
      (e: { status?: number }) => e.status ?? 0,
    );
  it('a forged ticket is refused at the upgrade', async () => {
    expect(await status(RfbViewer.open(t.url, `/ws/vnc?ticket=dpk_${'A'.repeat(43)}`))).toBe(401);
    expect(await status(RfbViewer.open(t.url, '/ws/vnc'))).toBe(401);
  });
  it('a used ticket is refused', async () => {
    const url = await ticket(api, sessionId);
    (await RfbViewer.open(t.url, url)).close();
    expect(await status(RfbViewer.open(t.url, url))).toBe(401);
  });
  it('an expired ticket is refused', async () => {
    const url = await ticket(api, sessionId);
    await new Promise((r) => setTimeout(r, 1300));
    expect(await status(RfbViewer.open(t.url, url))).toBe(401);
  });
  it('a display upgrade from a foreign page is refused', async () => {
    const url = await ticket(api, sessionId);
    expect(await status(RfbViewer.open(t.url, url, { origin: 'https://evil.example' }))).toBe(403);
  });
  it('refusals are audited', async () => {
    const audit = (await api.get('/api/v1/admin/audit?action=ticket.refuse')).body as unknown[];
    expect(audit.length).toBeGreaterThanOrEqual(3);
  });
});

describe('malformed peers', () => {
  it('a browser sending garbage RFB is closed with a reason; another viewer keeps working', async () => {
    const good = await RfbViewer.open(t.url, await ticket(api, sessionId));
    await good.handshake();
    const bad = await RfbViewer.open(t.url, await ticket(api, sessionId));
    await bad.handshake();
    bad.send([99, 1, 2, 3]);
    const code = await new Promise<number>((r) => (bad.closeInfo ? r(bad.closeInfo.code) : bad.ws.once('close', (c) => r(c))));
    expect(code).not.toBe(1000);
    expect(bad.closeInfo?.reason).toMatch(/\w+/);
    expect((await good.capture()).distinctColours).toBeGreaterThan(1);
    good.close();
  });

  it('an agent without credentials is refused; a malformed agent is disconnected with a reason', async () => {
    const noCred = new WebSocket(`${t.url.replace('http', 'ws')}/agent/v1/connect`);
    const refused = await new Promise<number>((r) => noCred.once('unexpected-response', (_q, res) => r(res.statusCode ?? 0)));
    expect(refused).toBe(401);
    const token = ((await api.post('/api/v1/admin/hosts/enrollments')).body as { token: string }).token;
    const agent = new WebSocket(`${t.url.replace('http', 'ws')}/agent/v1/connect`, { headers: { 'x-deskport-enroll': token } });
    await new Promise((r) => agent.once('open', r));
    agent.send(JSON.stringify({ type: 'hello', protocol: 'deskport.agent.v1', name: 'x'.repeat(10_000) }));
    const [code, reason] = await new Promise<[number, string]>((r) => agent.once('close', (c, why) => r([c, why.toString()])));
    expect(code).toBe(4400);
    expect(reason).toMatch(/invalid message/);
    // The used token cannot enroll a second time.
    const again = new WebSocket(`${t.url.replace('http', 'ws')}/agent/v1/connect`, { headers: { 'x-deskport-enroll': token } });
    expect(await new Promise<number>((r) => again.once('unexpected-response', (_q, res) => r(res.statusCode ?? 0)))).toBe(401);
  });

  it('an oversized agent message, a wrong protocol version and a forged credential are refused with reasons', async () => {
    const base = t.url.replace('http', 'ws');
    const enrolled = async () => {
      const token = ((await api.post('/api/v1/admin/hosts/enrollments')).body as { token: string }).token;
      const ws = new WebSocket(`${base}/agent/v1/connect`, { headers: { 'x-deskport-enroll': token } });
      await new Promise((r) => ws.once('open', r));
      return ws;
    };
    const closed = (ws: WebSocket) => new Promise<[number, string]>((r) => ws.once('close', (c, why) => r([c, why.toString()])));
    const big = await enrolled();
    big.send('x'.repeat(300 * 1024));
    expect((await closed(big))[0]).toBe(1009); // message too big, refused by the frame cap
    const old = await enrolled();
    old.send(
      JSON.stringify({
        type: 'hello',
        protocol: 'deskport.agent.v0',
        agentVersion: '0',
        name: 'old',
        drivers: ['process'],
        capacity: { desktops: 1, cpu: 1, memoryMb: 1 },
        inventory: [],
      }),
    );
    const [code, reason] = await closed(old);
    expect(code).toBe(4400);
    expect(reason).toMatch(/protocol/);
    const forged = new WebSocket(`${base}/agent/v1/connect`, { headers: { authorization: `Bearer dph_${'A'.repeat(43)}` } });
    expect(await new Promise<number>((r) => forged.once('unexpected-response', (_q, res) => r(res.statusCode ?? 0)))).toBe(401);
  });

  it('the gateway still serves everyone afterwards', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const v = await RfbViewer.open(t.url, await ticket(api, sessionId));
    await v.handshake();
    expect(v.width).toBeGreaterThan(0);
    v.close();
  });
});
