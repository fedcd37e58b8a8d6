// /ws/rdp and time, with real parts (an rdp pool's xrdp desktop, a real guacd, the gateway): a viewer
// that sends nothing is closed (viewerTimeoutS, here 3 s) and its guacd connection process ends; one
// that pings as guacamole-common-js does stays; keys and pointer keep the session from its idle
// timeout as on /ws/vnc, while resizes alone do not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DisplayClose } from '../../contract/display.ts';
import { withDescendants } from '../../server/display/peer-check.ts';
import { encodeInstruction } from '../../server/guac/instructions.ts';
import { ADMIN_PASSWORD, launchPool, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { until } from '../helpers/until.ts';

const VIEWER_TIMEOUT_S = 3;
const IDLE_TIMEOUT_S = 20;

let t: TestGateway;
let guacd: GuacdProcess;
let owner: Api;
let admin: Api;
let poolId: string;
let sessionId: string;
const clients: GuacClient[] = [];
const sockets: WebSocket[] = [];
const timers: NodeJS.Timeout[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ticketUrl(): Promise<string> {
  const r = await owner.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
  expect(r.status).toBe(201);
  return (r.body as { url: string }).url;
}

/** guacd's connection processes (one per display). */
const guacdChildren = () => withDescendants(guacd.guacd.status().pid!).length - 1;

async function endedByIdle(): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(/deskport_sessions_ended_total\{reason="idle_timeout"\} (\d+)/.exec(text)?.[1] ?? 0);
}

beforeAll(async () => {
  guacd = await startGuacd();
  t = await startTestGateway({
    guacd: guacd.guacd,
    env: { DESKPORT_VIEWER_TIMEOUT_S: String(VIEWER_TIMEOUT_S), DESKPORT_METRICS_PUBLIC: 'true' },
  });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  expect((await admin.post('/api/v1/admin/users', { username: 'ida', password: 'ida-password-1', roles: ['user'] })).status).toBe(201);
  // The short idle timeout is set by the test that needs it, so the others are not ended by it.
  const pool = await admin.post('/api/v1/admin/pools', { name: 'RDP idle', driver: 'process', protocol: 'rdp' });
  expect(pool.status).toBe(201);
  poolId = (pool.body as { id: string }).id;
  owner = await signIn(t.url, 'ida', 'ida-password-1');
  sessionId = (await launchPool(owner, poolId)).id;
}, 90_000);

afterAll(async () => {
  for (const x of timers) clearInterval(x);
  for (const c of clients) c.close();
  for (const s of sockets) s.terminate();
  await t?.cleanup();
  await guacd?.kill();
});

describe('/ws/rdp and silence', () => {
  it('a viewer that sends nothing is closed with 4408 after viewerTimeoutS, and its guacd connection ends', async () => {
    const before = guacdChildren();
    const url = `${t.url.replace(/^http/, 'ws')}${await ticketUrl()}&width=1024&height=768`;
    // A raw socket that never sends a byte: no pings, no sync answers.
    const ws = new WebSocket(url, 'guacamole', { headers: { origin: t.url } });
    sockets.push(ws);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const opened = Date.now();
    await until('guacd to start a connection process for it', () => guacdChildren() > before);
    const c = await closed;
    const after = Date.now() - opened;
    expect(c.code).toBe(DisplayClose.ViewerSilent);
    expect(c.reason).toMatch(/sent nothing for 3 s/);
    // The gateway's watchdog, not guacd's own 15 s limit for a silent client.
    expect(after).toBeGreaterThanOrEqual(VIEWER_TIMEOUT_S * 1000 - 500);
    expect(after).toBeLessThan(10_000);
    await until('guacd to end the connection process', () => guacdChildren() === before);
  });

  it('a viewer that pings as guacamole-common-js does stays open while the desktop is idle', async () => {
    const c = await GuacClient.open(t.url, await ticketUrl());
    clients.push(c);
    c.keepAlive(); // guacamole-common-js's pings: answered by the gateway, never forwarded
    await c.firstImage();
    const race = await Promise.race([c.closed, sleep(3 * VIEWER_TIMEOUT_S * 1000).then(() => 'open' as const)]);
    expect(race).toBe('open');
    c.close();
  });
});

describe('/ws/rdp input and the session idle timeout', () => {
  it('keys and pointer keep the session from its idle timeout; resizes alone do not, and it ends by policy', async () => {
    const c = await GuacClient.open(t.url, await ticketUrl());
    clients.push(c);
    c.keepAlive(); // guacamole-common-js's pings: answered by the gateway, never forwarded
    await c.firstImage();
    c.mouse(300, 300, 0); // written at once as the session's last activity
    await sleep(1000);
    expect((await admin.call('PATCH', `/api/v1/admin/pools/${poolId}`, { idleTimeoutS: IDLE_TIMEOUT_S })).status).toBe(200);
    // Pointer and keys for longer than the idle timeout (activity is written at most every 15 s).
    const busyUntil = Date.now() + (IDLE_TIMEOUT_S + 6) * 1000;
    for (let i = 0; Date.now() < busyUntil; i++) {
      c.mouse(300 + (i % 50), 300, 0);
      c.key(0xffe1, true); // Shift: types nothing
      c.key(0xffe1, false);
      await sleep(1000);
    }
    expect(await endedByIdle()).toBe(0);
    expect(((await owner.get(`/api/v1/sessions/${sessionId}`)).body as { session: { state: string } }).session.state).toBe('ready');
    // Now only resizes (a window being dragged) and pings: the session ends as idle.
    const quietSince = Date.now();
    timers.push(setInterval(() => c.send(encodeInstruction('size', '1000', String(700 + (Date.now() % 2) * 20))), 4000));
    const end = await c.closed;
    expect(end.code).toBe(DisplayClose.SessionEnded);
    // The viewers are closed as the session starts ending; the metric counts it once it has ended.
    await until('the session to be counted as ended by its idle timeout', async () => (await endedByIdle()) === 1, 10_000);
    // At most the idle timeout after the last activity write (≤ 15 s before quietSince), plus sweeps.
    expect(Date.now() - quietSince).toBeLessThan((IDLE_TIMEOUT_S + 5) * 1000);
  }, 120_000);
});
