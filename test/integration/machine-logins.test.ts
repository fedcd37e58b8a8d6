// Signing in to existing machines, right and wrong, with real servers: a TigerVNC Xvnc with VNC
// Authentication (an xterm on it) and an OpenSSH server that takes passwords, a real guacd, the
// embedded agent, and a Guacamole client in Node on /ws/rdp. What guacd 1.6.0 itself sends for a
// refused login is asserted (VNC: 0x0207 "Aborted. See logs.", the same as an unreachable server;
// SSH: 0x0301), and what the browser gets through the gateway (0x0301 for both: the viewer's "wrong
// user name or password" sentence, client/src/modules/viewer/guac/guacStatus.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisplayClose } from '../../contract/display.ts';
import { connectGuacd } from '../../server/display/guac-thumbnail.ts';
import { startOnDisplay, type GroupProcess } from '../helpers/agent-process.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { startSshd, type SshdHandle } from '../helpers/sshd.ts';
import { startXvnc, type XvncHandle } from '../helpers/xvnc.ts';

const VNC_PASSWORD = 'vnc-right-pw';
const S = { UPSTREAM_NOT_FOUND: 0x0207, CLIENT_UNAUTHORIZED: 0x0301 };

let t: TestGateway;
let guacd: GuacdProcess;
let xvnc: XvncHandle;
let sshd: SshdHandle;
let xterm: GroupProcess | undefined;
let admin: Api;
let hostId: string;
let dir: string;
const clients: GuacClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deskport-machine-logins-'));
  [xvnc, sshd, guacd] = await Promise.all([startXvnc(VNC_PASSWORD), startSshd({ passwords: true }), startGuacd()]);
  // Something to draw: Xvnc's bare root window is one colour.
  xterm = startOnDisplay(xvnc.display, 'xterm', ['-geometry', '80x24+10+10'], dir);
  t = await startTestGateway({ guacd: guacd.guacd });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  hostId = ((await admin.get('/api/v1/admin/hosts')).body as { id: string }[])[0]!.id;
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await t?.cleanup();
  await xterm?.stop();
  await guacd?.kill();
  await xvnc?.stop();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Registers a shared-login machine, connects as admin, and opens its display. */
async function display(name: string, body: Record<string, unknown>): Promise<GuacClient> {
  const m = await admin.post('/api/v1/admin/machines', { name, address: '127.0.0.1', hostId, credentialMode: 'shared', ...body });
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  const s = await admin.post('/api/v1/sessions', { machineId: (m.body as { id: string }).id });
  expect([200, 201]).toContain(s.status);
  const sessionId = (s.body as { session: { id: string } }).session.id;
  const tk = await admin.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
  expect(tk.status).toBe(201);
  const c = await GuacClient.open(t.url, (tk.body as { url: string }).url);
  clients.push(c);
  return c;
}

/**
 * guacd's `error` instruction: [message, status]. guacamole-common-js disconnects as soon as it gets
 * one (guacd itself lingers for many seconds before closing), so the test waits for the instruction.
 */
async function refusal(c: GuacClient): Promise<{ message: string; status: number; ms: number }> {
  const started = Date.now();
  const error = () => c.received.find((i) => i.opcode === 'error');
  await c.until('guacd’s error instruction', () => error() !== undefined, 40_000);
  c.close();
  return { message: error()!.args[0]!, status: Number(error()!.args[1]), ms: Date.now() - started };
}

describe('VNC machines with a password', () => {
  it('guacd 1.6.0 itself answers a wrong VNC password like an unreachable server (0x0207, no detail)', async () => {
    const c = connectGuacd(
      { host: '127.0.0.1', port: guacd.port },
      {
        selector: 'vnc',
        params: { hostname: '127.0.0.1', port: String(xvnc.port), password: 'not-the-password' },
        width: 800,
        height: 600,
      },
    );
    await c.ready;
    // connectGuacd ends with guacd's error: its message and status.
    expect((await c.ended).message).toBe(`guacd refused: Aborted. See logs. (status ${S.UPSTREAM_NOT_FOUND})`);
  });

  it('the right password draws the desktop', async () => {
    const c = await display('VNC right', { protocol: 'vnc', port: xvnc.port, password: VNC_PASSWORD });
    const img = await c.firstImage();
    expect(img.distinct).toBeGreaterThan(1);
    expect(JSON.stringify(c.received)).not.toContain(VNC_PASSWORD);
    c.close();
  });

  it('a wrong password reaches the browser as refused credentials (0x0301), told apart by the gateway', async () => {
    const c = await display('VNC wrong', { protocol: 'vnc', port: xvnc.port, password: 'not-the-password' });
    const r = await refusal(c);
    expect(r.status).toBe(S.CLIENT_UNAUTHORIZED);
    expect(r.message).toMatch(/^VNC authentication failed: wrong password/);
    console.info(`wrong VNC password → error in the browser: ${r.ms} ms (${r.message})`);
  });

  it('an unreachable VNC server stays "unreachable" (0x0207), not "wrong password"', async () => {
    const closedPort = await (await import('../helpers/xvnc.ts')).freePort();
    const c = await display('VNC nowhere', { protocol: 'vnc', port: closedPort, password: VNC_PASSWORD });
    // The agent cannot dial it: the display closes without guacd ever being asked.
    const closed = await c.closed;
    expect(c.received.some((i) => i.opcode === 'error' && Number(i.args[1]) === S.CLIENT_UNAUTHORIZED)).toBe(false);
    expect(closed.code).not.toBe(1000);
  });
});

describe('SSH machines with a password', () => {
  it('a wrong password: guacd sends 0x0301 and the gateway passes it on untouched', async () => {
    const c = await display('SSH wrong', { protocol: 'ssh', port: sshd.port, username: sshd.user, password: 'not-the-password' });
    const r = await refusal(c);
    expect(r.status).toBe(S.CLIENT_UNAUTHORIZED);
    expect(r.message).toBe('Aborted. See logs.');
    console.info(`wrong SSH password → error in the browser: ${r.ms} ms`);
  });
});
