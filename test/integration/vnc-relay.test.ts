// The relay against a real Xvnc: viewer ─ws─> relay ─ws─> "agent" (pipeWebSocketToSocket) ─tcp─> Xvnc.
// Real VncAuth (proves the DES), real frames, view-only drops, refused credentials, and isolation.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createLogger } from '../../server/log.ts';
import { msg } from '../../server/rfb/test-messages.ts';
import { pipeWebSocketToSocket, type PipeHandle } from '../../agents/pipe-socket.ts';
import { TestRfbClient } from '../helpers/rfb-client.ts';
import { startXvnc, type XvncHandle } from '../helpers/xvnc.ts';
import { socketLink, wsLink, type DesktopLink } from '../../server/relay/desktop-link.ts';
import { startVncRelay, type VncRelay } from '../../server/relay/vnc-relay.ts';

const PASSWORD = 'dp-Xk9q2';
const logLines: string[] = [];
const log = createLogger({
  level: 'debug',
  destination: new Writable({ write: (c: Buffer, _e, cb) => (logLines.push(c.toString()), cb()) }),
});

let xvnc: XvncHandle | undefined;
let agent: WebSocketServer | undefined;
let gateway: WebSocketServer | undefined;
const pipes: PipeHandle[] = [];
const relays = new Map<string, { relay: VncRelay; activity: () => number }>();

const listening = (s: WebSocketServer) =>
  new Promise<number>((resolve) => s.once('listening', () => resolve((s.address() as net.AddressInfo).port)));

beforeAll(async () => {
  xvnc = await startXvnc(PASSWORD);
  const port = xvnc.port;
  // Stands in for the agent's display stream: a WebSocket piped to the desktop's TCP port.
  agent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  agent.on('connection', (ws) => pipes.push(pipeWebSocketToSocket(ws, net.connect(port, '127.0.0.1'), { log })));
  const agentPort = await listening(agent);
  // Stands in for /ws/vnc: query parameters choose the mode, the secret and a name for the test.
  gateway = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  gateway.on('connection', (browser, req) => {
    const q = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const start = (desktop: DesktopLink) => {
      let activity = 0;
      const relay = startVncRelay({
        browser,
        desktop,
        log,
        secret: q.get('pw') ?? PASSWORD,
        mode: q.get('mode') === 'view' ? 'view' : 'control',
        onActivity: () => activity++,
      });
      relays.set(q.get('id') ?? 'anon', { relay, activity: () => activity });
    };
    // link=socket: the embedded agent's way, the desktop's own TCP socket with no WebSocket hop.
    if (q.get('link') === 'socket') {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('error', () => browser.close(4502, 'desktop unreachable'));
      sock.once('connect', () => start(socketLink(sock)));
      return;
    }
    const desktop = new WebSocket(`ws://127.0.0.1:${agentPort}/`, { perMessageDeflate: false });
    desktop.once('error', () => browser.close(4502, 'desktop unreachable'));
    desktop.once('open', () => start(wsLink(desktop)));
  });
  await listening(gateway);
});

afterAll(async () => {
  for (const { relay } of relays.values()) relay.close('test over');
  for (const p of pipes) p.close('test over');
  await new Promise<void>((r) => (gateway ? gateway.close(() => r()) : r()));
  await new Promise<void>((r) => (agent ? agent.close(() => r()) : r()));
  await xvnc?.stop();
});

function url(params: Record<string, string>): string {
  const port = (gateway?.address() as net.AddressInfo).port;
  return `ws://127.0.0.1:${port}/?${new URLSearchParams(params)}`;
}

async function viewer(params: Record<string, string>): Promise<TestRfbClient> {
  const c = await TestRfbClient.connect(url(params));
  await c.handshake();
  return c;
}

describe('vnc relay against a real Xvnc', () => {
  it("authenticates with VncAuth, forwards ServerInit with the desktop's size and full raw frames", async () => {
    const c = await viewer({ id: 'control' });
    expect(c.serverInit).toMatchObject({ width: 1024, height: 768, bitsPerPixel: 32 });
    expect(c.serverInit?.name).toContain('deskport-test');
    const frames = [];
    for (let i = 0; i < 3; i++) frames.push(await c.fullFrame());
    for (const f of frames) expect(f.rawBytes).toBe(1024 * 768 * 4);
    console.info(`full 1024x768x32 raw frames through relay+pipe: ${frames.map((f) => `${f.ms} ms`).join(', ')}`);
    c.send(msg.pointer(0, 10, 10));
    await c.fullFrame(); // the pointer event went through without breaking the stream
    expect(relays.get('control')?.activity()).toBe(1);
    c.close();
  });

  it('a view viewer cannot type, point, paste or resize; its desktop connection stays up', async () => {
    const c = await viewer({ id: 'view', mode: 'view' });
    const input = [
      ...Array.from({ length: 50 }, (_, i) => msg.pointer(i % 2, 100 + i, 100)),
      ...Array.from({ length: 20 }, (_, i) => msg.key(i % 2, 0x61)),
      msg.cutText(Buffer.from('rm -rf ~\n')),
      msg.setDesktopSize(1),
      msg.qemuKey(),
      msg.xvp(),
    ];
    c.send(Buffer.concat(input));
    const f = await c.fullFrame();
    expect(f.rawBytes).toBe(1024 * 768 * 4);
    const entry = relays.get('view');
    const stats = entry?.relay.stats();
    expect(stats?.droppedMessages).toBe(input.length);
    expect(stats?.droppedByType).toEqual({ 4: 20, 5: 50, 6: 1, 250: 1, 251: 1, 255: 1 });
    // Only the handshake (version 12 + type 1 + auth 16 + ClientInit 1), SetEncodings (8) and the request (10).
    expect(stats?.bytesToDesktop).toBe(30 + 8 + 10);
    expect(entry?.activity()).toBe(0);
    c.close();
  });

  it("a view viewer never receives the desktop's clipboard; a control viewer does", async () => {
    const [control, view] = await Promise.all([viewer({ id: 'clip-control' }), viewer({ id: 'clip-view', mode: 'view' })]);
    // What noVNC announces, extended clipboard included (less the cursor: Xvnc closes a client that
    // drops cursor support later, as fullFrame() does): the gateway must not let it through for view.
    view.send(
      msg.setEncodings([1, 7, -260, 16, 21, 5, 2, 50, 0, -26, -256, -223, -224, -258, -308, -309, -312, -313, -307, -1063131698, -316]),
    );
    const secret = `owner-copied-${randomBytes(6).toString('hex')}`;
    // A program on the desktop owns the clipboard, as when the owner copies in a terminal.
    const xclip = spawn('xclip', ['-quiet', '-selection', 'clipboard', '-i'], {
      env: { ...process.env, DISPLAY: `:${xvnc?.display}` },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    try {
      xclip.stdin.end(secret);
      for (let i = 0; i < 50 && !control.cutTexts.includes(secret); i++) await control.fullFrame();
      expect(control.cutTexts).toContain(secret); // the desktop did announce it: the check below can fail
      expect((await view.fullFrame()).rawBytes).toBe(1024 * 768 * 4);
      expect(view.cutTexts).toEqual([]);
      expect(relays.get('clip-view')?.relay.stats().withheldClipboard).toBeGreaterThan(0);
    } finally {
      xclip.kill('SIGKILL');
      control.close();
      view.close();
    }
  });

  it('an unannounced SetDesktopSize never reaches the desktop, which keeps serving', async () => {
    const c = await viewer({ id: 'resize' });
    c.send(msg.setEncodings([0])); // no ExtendedDesktopSize: TigerVNC 1.12 crashes on the message
    c.send(msg.setDesktopSize(1));
    expect((await c.fullFrame()).rawBytes).toBe(1024 * 768 * 4);
    expect(relays.get('resize')?.relay.stats().droppedByType).toEqual({ 251: 1 });
    expect(() => process.kill(xvnc?.pid ?? 0, 0)).not.toThrow();
    c.close();
  });

  it("a wrong desktop secret closes the viewer with 4502 and says the desktop refused the gateway's credentials", async () => {
    const c = await TestRfbClient.connect(url({ id: 'wrongpw', pw: 'not-it' }));
    await expect(c.handshake()).rejects.toThrow();
    const closed = await c.closed;
    expect(closed.code).toBe(4502);
    expect(closed.reason).toBe("the desktop refused the gateway's credentials");
  });

  it('a malformed message closes that viewer with a reason while a parallel relay keeps working', async () => {
    const [bad, good] = await Promise.all([viewer({ id: 'bad' }), viewer({ id: 'good' })]);
    const pipesBefore = pipes.length;
    bad.send(Buffer.from([99, 0, 0, 0]));
    const closed = await bad.closed;
    expect(closed).toEqual({ code: 4400, reason: 'malformed RFB message: unknown client message type 99' });
    const result = await relays.get('bad')?.relay.done;
    expect(result?.code).toBe(4400);
    expect((await good.fullFrame()).rawBytes).toBe(1024 * 768 * 4);
    expect(pipes.length).toBe(pipesBefore);
    good.close();
  });

  it('closing the viewer ends the agent pipe and its TCP connection', async () => {
    const c = await viewer({ id: 'leaver' });
    const pipe = pipes[pipes.length - 1];
    c.close();
    await expect(pipe?.done).resolves.toMatchObject({ reason: expect.stringContaining('websocket closed') });
  });

  it("over the desktop's own socket (embedded agent): frames, view-only drops, and the socket closes with the viewer", async () => {
    const c = await viewer({ id: 'socket-view', mode: 'view', link: 'socket' });
    expect(c.serverInit).toMatchObject({ width: 1024, height: 768 });
    c.send(Buffer.concat([msg.key(1, 0x61), msg.key(0, 0x61), msg.pointer(1, 5, 5)]));
    expect((await c.fullFrame()).rawBytes).toBe(1024 * 768 * 4);
    const entry = relays.get('socket-view');
    expect(entry?.relay.stats().droppedByType).toEqual({ 4: 2, 5: 1 });
    const control = await viewer({ id: 'socket-control', link: 'socket' });
    control.send(msg.pointer(0, 10, 10));
    expect((await control.fullFrame()).rawBytes).toBe(1024 * 768 * 4);
    expect(relays.get('socket-control')?.activity()).toBe(1);
    c.close();
    control.close();
    await expect(entry?.relay.done).resolves.toMatchObject({ reason: expect.stringContaining('the viewer closed') });
  });

  it('a wrong secret over a direct socket still closes the viewer with 4502', async () => {
    const c = await TestRfbClient.connect(url({ id: 'socket-wrongpw', pw: 'not-it', link: 'socket' }));
    await expect(c.handshake()).rejects.toThrow();
    expect((await c.closed).code).toBe(4502);
  });

  it('never logs the desktop secret', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('')).not.toContain(PASSWORD);
  });
});
