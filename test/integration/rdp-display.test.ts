// /ws/rdp end to end with real parts: an rdp pool's desktop (Xorg + xorgxrdp + xrdp, process
// driver) reached through the embedded agent and a one-connection loopback forward, a real guacd,
// and a Guacamole client in Node. Input is checked on the desktop side (files the xterm creates).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisplayClose } from '../../contract/display.ts';
import { encodeInstruction } from '../../server/guac/instructions.ts';
import { desktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, launchPool, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { followGuacd, startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';

/** The last image of a failed typing check, for looking at (test-artifacts/, like the e2e screenshots). */
function saveFrame(png: Buffer): void {
  const dir = join(process.cwd(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'rdp-display-last-frame.png'), png);
}

let t: TestGateway;
let guacd: GuacdProcess | undefined;
let admin: Api;
let owner: Api;
let helper: Api;
let sessionId: string;
let home: string;
const clients: GuacClient[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The gateway's guacd follows whichever guacd process the test runs now (none after a kill).
const currentGuacd = followGuacd(() => guacd);

async function ticketFor(api: Api, mode: 'control' | 'view' = 'control'): Promise<{ url: string; protocol: string }> {
  const r = await api.post(`/api/v1/sessions/${sessionId}/tickets`, { mode });
  expect(r.status).toBe(201);
  return r.body as { url: string; protocol: string };
}

async function open(path: string, o: { origin?: string } = {}): Promise<GuacClient> {
  const c = await GuacClient.open(t.url, path, o);
  clients.push(c);
  return c;
}

async function waitForFile(name: string, ms = 4_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (existsSync(join(home, name))) return true;
    await sleep(100);
  }
  return false;
}

/** Types a `touch` into the desktop's xterm until the file appears (the xterm may still be mapping). */
async function typeUntilFile(c: GuacClient, name: string): Promise<void> {
  for (let i = 0; i < 6; i++) {
    // Into the xterm (at +40+40): openbox focuses the window clicked.
    c.mouse(200, 200, 0);
    c.mouse(200, 200, 1);
    c.mouse(200, 200, 0);
    c.type(`touch ${name}\n`);
    if (await waitForFile(name)) return;
  }
  throw new Error(`${name} never appeared in the desktop's home`);
}

async function shadowTicket(mode: 'view' | 'control'): Promise<string> {
  const ask = await helper.post(`/api/v1/sessions/${sessionId}/shadow`, { mode, reason: 'rdp test' });
  expect(ask.status).toBe(201);
  const id = (ask.body as { shadow: { id: string } }).shadow.id;
  expect((await owner.post(`/api/v1/shadows/${id}/approve`)).status).toBe(200);
  const r = await helper.post(`/api/v1/shadows/${id}/tickets`);
  expect(r.status).toBe(201);
  const body = r.body as { url: string; protocol: string };
  expect(body.protocol).toBe('rdp');
  return body.url;
}

async function droppedKeys(): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`, { headers: { cookie: '' } })).text();
  return Number(/deskport_relay_dropped_input_total\{type="key",reason="view_only"\} (\d+)/.exec(text)?.[1] ?? 0);
}

beforeAll(async () => {
  guacd = await startGuacd();
  t = await startTestGateway({ guacd: currentGuacd, env: { DESKPORT_METRICS_PUBLIC: 'true' } });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  for (const [name, roles] of [
    ['rita', ['user']],
    ['hank', ['helpdesk']],
  ] as const)
    expect((await admin.post('/api/v1/admin/users', { username: name, password: `${name}-password-1`, roles })).status).toBe(201);
  const pool = await admin.post('/api/v1/admin/pools', { name: 'RDP desktop', driver: 'process', protocol: 'rdp' });
  expect(pool.status).toBe(201);
  const poolId = (pool.body as { id: string }).id;
  owner = await signIn(t.url, 'rita', 'rita-password-1');
  helper = await signIn(t.url, 'hank', 'hank-password-1');
  sessionId = (await launchPool(owner, poolId)).id;
  home = (await desktopInfo(admin, t.dataDir, sessionId)).home;
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await t?.cleanup();
  await guacd?.kill();
});

describe('/ws/rdp', () => {
  it('a ticket of an rdp pool names /ws/rdp with a token that is not the ticket; the display shows pixels and takes keys', async () => {
    const tk = await ticketFor(owner);
    expect(tk.protocol).toBe('rdp');
    expect(tk.url).toMatch(/^\/ws\/rdp\?token=[A-Za-z0-9%]+$/);
    const started = Date.now();
    const c = await open(tk.url);
    const img = await c.firstImage();
    console.info(`/ws/rdp connect → first PNG with pixels: ${Date.now() - started} ms (${img.width}x${img.height})`);
    expect(c.connectionId).toMatch(/^\$/);
    await typeUntilFile(c, 'rdp-control-typed').finally(() => c.lastPng && saveFrame(c.lastPng));
    expect(c.decodeErrors).toEqual([]);
    c.close();
  });

  it('a view ticket sends no input: dropped by the gateway and never on the desktop', async () => {
    const before = await droppedKeys();
    const v = await open((await ticketFor(owner, 'view')).url);
    await v.firstImage();
    v.mouse(300, 300, 1);
    v.mouse(300, 300, 0);
    v.type('touch rdp-view-typed\n');
    // The metric moves as the gateway drops them: wait for it (an event the test can observe).
    for (let i = 0; i < 50 && (await droppedKeys()) - before < 2 * 'touch rdp-view-typed\n'.length; i++) await sleep(100);
    expect((await droppedKeys()) - before).toBe(2 * 'touch rdp-view-typed\n'.length);
    v.close();
    // A control display typed after it: its file appearing while the view's never did shows the
    // view's keys did not reach the desktop (they would have run first).
    const c = await open((await ticketFor(owner)).url);
    await c.firstImage();
    await typeUntilFile(c, 'rdp-after-view');
    expect(existsSync(join(home, 'rdp-view-typed'))).toBe(false);
    c.close();
  });

  it('a replayed ticket is refused, and an Origin from elsewhere is refused without using the ticket', async () => {
    const tk = await ticketFor(owner);
    await expect(open(tk.url, { origin: 'http://evil.example' })).rejects.toMatchObject({ status: 403 });
    const c = await open(tk.url); // still valid: the Origin check came first
    await c.firstImage();
    await expect(open(tk.url)).rejects.toMatchObject({ status: 401 });
    await expect(open('/ws/rdp?token=bm90LWEtdG9rZW4=')).rejects.toMatchObject({ status: 401 });
    c.close();
  });

  it('bad instructions close only that connection (4400) while another viewer keeps getting frames', async () => {
    const main = await open((await ticketFor(owner)).url);
    await main.firstImage();
    const bad = [
      ['malformed', '3.key,2.6x1;'],
      ['oversized', `4.blob,1.1,${'9'.repeat(6)}.${'a'.repeat(100)}`],
      ['unknown opcode', encodeInstruction('select', 'rdp')],
    ];
    for (const [what, text] of bad) {
      // A helpdesk viewer joined to the owner's guacd connection, so both watch the same desktop.
      const other = await open(await shadowTicket('view'));
      await other.firstImage();
      other.send(text!);
      const closed = await other.closed;
      expect(closed.code, what).toBe(DisplayClose.BadViewerStream);
      expect(closed.reason.length, what).toBeGreaterThan(0);
      const seen = main.received.length;
      main.type(' ');
      await main.until(`frames after the ${what} viewer was closed`, () => main.received.slice(seen).some((i) => i.opcode === 'sync'));
    }
    await typeUntilFile(main, 'rdp-still-works');
    main.close();
  });

  it('guacd killed mid-session closes the display with 4504; while it is down the upgrade is accepted and closed with 4504 and the reason, and the ticket is kept', async () => {
    const c = await open((await ticketFor(owner)).url);
    await c.firstImage();
    await guacd!.kill();
    const closed = await c.closed;
    expect(closed.code).toBe(DisplayClose.GuacdUnavailable);
    expect(closed.reason).toMatch(/reconnecting may help/);
    guacd = undefined;
    const tk = await ticketFor(owner);
    // Accepted (a browser would see only 1006 for a refused upgrade), then closed at once with the reason.
    const down = await open(tk.url);
    expect(await down.closed).toEqual({ code: DisplayClose.GuacdUnavailable, reason: expect.stringMatching(/RDP needs guacd/) });
    // Twice: the ticket was not used up by it.
    expect((await (await open(tk.url)).closed).code).toBe(DisplayClose.GuacdUnavailable);
    // A token this gateway never minted is still refused before any of that.
    await expect(open('/ws/rdp?token=bm90LWEtdG9rZW4=')).rejects.toMatchObject({ status: 401 });
    // guacd back (as the supervisor would restart it): the same ticket opens the display, once.
    guacd = await startGuacd();
    const again = await open(tk.url);
    await again.firstImage();
    await expect(open(tk.url)).rejects.toMatchObject({ status: 401 });
    again.close();
  });
});
