// An existing RDP machine end to end with real parts: xrdp + xorgxrdp (no sesman) on a loopback TCP
// port with an xterm on its desktop, registered by an admin with a shared account (user, password,
// domain, TLS security, self-signed certificate accepted), reached through a SEPARATE `deskport agent`
// process limited to 127.0.0.1/32, a real guacd, and Guacamole clients in Node on /ws/rdp. Typed
// commands run on the machine (files appear); a helpdesk shadow joins the owner's guacd connection
// with consent: view-only keys never arrive, control keys do, ending closes it. The same machine with
// certificate checking on is refused with guacd's certificate message.
// xrdp without sesman checks NO password (libxup): the credentials reach guacd and xrdp, but nothing
// verifies them here; wrong credentials are tested against VNC and SSH (machine-logins.test.ts).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisplayClose } from '../../contract/display.ts';
import { startAgentProcess, startOnDisplay, type GroupProcess } from '../helpers/agent-process.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { startXrdp, type XrdpHandle } from '../helpers/xrdp.ts';

const SHARED_PASSWORD = 'rdp-shared-secret-4711';
const S = { UPSTREAM_NOT_FOUND: 0x0207 };

let t: TestGateway;
let guacd: GuacdProcess;
let xrdp: XrdpHandle;
let agent: (GroupProcess & { hostId: string }) | undefined;
let xterm: GroupProcess | undefined;
let admin: Api;
let owner: Api;
let helper: Api;
let dir: string;
let machineId: string;
let sessionId: string;
let ownerDisplay: GuacClient;
const clients: GuacClient[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForFile(name: string, ms = 4_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (existsSync(join(dir, name))) return true;
    await sleep(100);
  }
  return false;
}

async function droppedKeys(): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(/deskport_relay_dropped_input_total\{type="key",reason="view_only"\} (\d+)/.exec(text)?.[1] ?? 0);
}

/** Types `touch name` into the machine's xterm until the file appears (the xterm may still be mapping). */
async function typeUntilFile(c: GuacClient, name: string): Promise<void> {
  for (let i = 0; i < 6; i++) {
    c.mouse(300, 200, 0); // no window manager: the keyboard follows the pointer (PointerRoot)
    c.type(`touch ${name}\n`);
    if (await waitForFile(name)) return;
  }
  throw new Error(`${name} never appeared on the machine (xrdp log: ${xrdp.log().slice(-800)})`);
}

async function open(path: string): Promise<GuacClient> {
  const c = await GuacClient.open(t.url, path);
  clients.push(c);
  return c;
}

async function registerMachine(name: string, extra: Record<string, unknown>): Promise<string> {
  const m = await admin.post('/api/v1/admin/machines', {
    name,
    protocol: 'rdp',
    address: '127.0.0.1',
    port: xrdp.port,
    hostId: agent!.hostId,
    credentialMode: 'shared',
    username: 'svc-deskport',
    password: SHARED_PASSWORD,
    domain: 'EXAMPLE',
    ...extra,
  });
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  expect(JSON.stringify(m.body)).not.toContain(SHARED_PASSWORD);
  expect((m.body as { unavailable?: string }).unavailable).toBeUndefined();
  return (m.body as { id: string }).id;
}

async function connect(api: Api, id: string): Promise<{ sessionId: string; url: string }> {
  const s = await api.post('/api/v1/sessions', { machineId: id });
  expect([200, 201]).toContain(s.status);
  const sid = (s.body as { session: { id: string } }).session.id;
  const tk = await api.post(`/api/v1/sessions/${sid}/tickets`, { mode: 'control' });
  expect(tk.status).toBe(201);
  expect((tk.body as { protocol: string }).protocol).toBe('rdp');
  return { sessionId: sid, url: (tk.body as { url: string }).url };
}

/** The helpdesk asks, the owner answers yes, the helpdesk gets a ticket in that mode. */
async function approvedShadow(mode: 'view' | 'control'): Promise<{ id: string; url: string }> {
  const ask = await helper.post(`/api/v1/sessions/${sessionId}/shadow`, { mode, reason: 'ticket #12: printer' });
  expect(ask.status, JSON.stringify(ask.body)).toBe(201);
  const shadow = (ask.body as { shadow: { id: string; state: string; consent: string } }).shadow;
  expect(shadow).toMatchObject({ state: 'pending', consent: 'owner' }); // machines always ask the person
  expect((await helper.post(`/api/v1/shadows/${shadow.id}/tickets`)).status).toBe(409);
  expect((await owner.post(`/api/v1/shadows/${shadow.id}/approve`)).status).toBe(200);
  const tk = await helper.post(`/api/v1/shadows/${shadow.id}/tickets`);
  expect(tk.status).toBe(201);
  expect(tk.body).toMatchObject({ mode, protocol: 'rdp' });
  return { id: shadow.id, url: (tk.body as { url: string }).url };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deskport-rdp-machine-'));
  [xrdp, guacd] = await Promise.all([startXrdp(), startGuacd()]);
  xterm = startOnDisplay(xrdp.display, 'xterm', ['-geometry', '100x30+0+0', '-e', '/bin/sh'], dir);
  t = await startTestGateway({ guacd: guacd.guacd, embeddedAgent: false, env: { DESKPORT_METRICS_PUBLIC: 'true' } });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  agent = await startAgentProcess(t.url, admin, { stateDir: join(dir, 'agent'), name: 'machine-agent', targets: '127.0.0.1/32' });
  for (const [name, roles] of [
    ['rita', ['user']],
    ['hank', ['helpdesk']],
  ] as const)
    expect((await admin.post('/api/v1/admin/users', { username: name, password: `${name}-password-1`, roles })).status).toBe(201);
  owner = await signIn(t.url, 'rita', 'rita-password-1');
  helper = await signIn(t.url, 'hank', 'hank-password-1');
  machineId = await registerMachine('Finance PC', { security: 'tls', ignoreCert: true });
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await t?.cleanup();
  await agent?.stop();
  await xterm?.stop();
  await guacd?.kill();
  await xrdp?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('an existing RDP machine through a separate agent process', () => {
  it('draws the desktop and runs what is typed; the shared password never reaches the browser side', async () => {
    const c = await connect(owner, machineId);
    sessionId = c.sessionId;
    const started = Date.now();
    ownerDisplay = await open(c.url);
    const img = await ownerDisplay.firstImage();
    console.info(`RDP machine: connect → first PNG with pixels ${Date.now() - started} ms (${img.width}x${img.height})`);
    await typeUntilFile(ownerDisplay, 'rdp-machine-typed');
    const seen = JSON.stringify(ownerDisplay.received);
    expect(seen).not.toContain(SHARED_PASSWORD);
    expect(JSON.stringify((await admin.get('/api/v1/admin/machines')).body)).not.toContain(SHARED_PASSWORD);
    expect(ownerDisplay.decodeErrors).toEqual([]);
  });

  it('a helpdesk shadow asks the person; view-only keys never arrive, control keys do; ending closes it', async () => {
    const view = await approvedShadow('view');
    const watcher = await open(view.url);
    await watcher.firstImage();
    watcher.mouse(300, 200, 1);
    watcher.mouse(300, 200, 0);
    const before = await droppedKeys();
    const typed = 'touch shadow-view-typed\n';
    watcher.type(typed);
    // The gateway drops them (its metric moves as it does: an event to wait for) ...
    for (let i = 0; i < 50 && (await droppedKeys()) - before < 2 * typed.length; i++) await sleep(100);
    expect((await droppedKeys()) - before).toBe(2 * typed.length);
    // ... and the machine never sees them: the owner's keys do arrive, and the shadow's file does not
    // appear in the seconds after (two guacd users' keys are not ordered, so "after" needs that margin).
    await typeUntilFile(ownerDisplay, 'owner-after-view');
    expect(await waitForFile('shadow-view-typed', 3_000)).toBe(false);

    const control = await approvedShadow('control');
    // Allowing control replaced the view shadow: its display closes with the shadow-ended code.
    expect((await watcher.closed).code).toBe(DisplayClose.ShadowEnded);
    const driver = await open(control.url);
    await driver.firstImage();
    await typeUntilFile(driver, 'shadow-control-typed');

    expect((await helper.post(`/api/v1/shadows/${control.id}/end`)).status).toBe(200);
    expect((await driver.closed).code).toBe(DisplayClose.ShadowEnded);
    expect(ownerDisplay.ws.readyState).toBe(ownerDisplay.ws.OPEN); // the person keeps their display
    const audit = (await admin.get('/api/v1/admin/audit?limit=200')).body as { action: string; target: string; actor: string }[];
    const here = audit.filter((a) => a.target === sessionId).map((a) => `${a.actor}:${a.action}`);
    for (const a of ['hank:shadow.request', 'rita:shadow.approve', 'hank:shadow.end']) expect(here).toContain(a);
    // Each helpdesk display that opened is audited against its shadow.
    const started = audit.filter((a) => a.action === 'shadow.start' && a.actor === 'hank').map((a) => a.target);
    expect(started).toEqual(expect.arrayContaining([view.id, control.id]));
  });

  it('with certificate checking on, xrdp’s self-signed certificate is refused with guacd’s certificate message', async () => {
    const strict = await registerMachine('Strict PC', { security: 'tls', ignoreCert: false });
    const c = await connect(owner, strict);
    const started = Date.now();
    const display = await open(c.url);
    const error = () => display.received.find((i) => i.opcode === 'error');
    // guacamole-common-js disconnects on guacd's error instruction; guacd itself closes much later.
    await display.until('guacd’s error instruction', () => error() !== undefined, 60_000);
    console.info(`certificate refused after ${Date.now() - started} ms: ${JSON.stringify(error())}`);
    expect(error()?.args[1]).toBe(String(S.UPSTREAM_NOT_FOUND));
    expect(error()?.args[0]).toMatch(/certificate/);
    display.close();
    expect(await owner.call('DELETE', `/api/v1/sessions/${c.sessionId}`)).toMatchObject({ status: expect.any(Number) });
  });
});
