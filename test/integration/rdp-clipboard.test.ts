// Clipboard both ways on an RDP desktop Deskport starts, with real parts: an rdp pool's desktop
// (Xorg + xorgxrdp + xrdp + xrdp-chansrv, process driver) reached through /ws/rdp, a real guacd and a
// Guacamole client in Node. The desktop side is checked with xclip run as the desktop's user on its
// display (the driver's runInDesktop), never through the viewer that sent or received the text.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessDriver, type ProcessDriver } from '../../agents/process/driver.ts';
import type { RunResult } from '../../agents/process/sandbox.ts';
import { createInstructionParser, encodeInstruction } from '../../server/guac/instructions.ts';
import { desktopInfo } from '../helpers/desktops.ts';
import { ADMIN_PASSWORD, launchPool, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { followGuacd, startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';

let t: TestGateway;
let guacd: GuacdProcess | undefined;
let owner: Api;
let helper: Api;
let sessionId: string;
let desktopId: string;
/** A second handle on the gateway's desktops (re-adopted from their records): runs xclip inside one. */
let driver: ProcessDriver;
const clients: GuacClient[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The gateway's guacd follows whichever guacd process the test runs now (none after a kill).
const currentGuacd = followGuacd(() => guacd);

async function open(path: string): Promise<GuacClient> {
  const c = await GuacClient.open(t.url, path);
  clients.push(c);
  return c;
}

async function display(mode: 'control' | 'view' = 'control'): Promise<GuacClient> {
  const r = await owner.post(`/api/v1/sessions/${sessionId}/tickets`, { mode });
  expect(r.status).toBe(201);
  const c = await open((r.body as { url: string }).url);
  await c.firstImage(30_000);
  return c;
}

/** The texts of every `clipboard` stream the display received (clipboard + blob… + end), as guacamole-common-js reads them. */
function clipboardsOf(c: GuacClient): string[] {
  const texts: string[] = [];
  const open = new Map<string, string[]>();
  const parser = createInstructionParser({ maxInstructionChars: 16 * 1024 * 1024, maxElements: 64 });
  c.ws.on('message', (data) => {
    for (const ins of parser.push(data.toString())) {
      const [stream = '', value = ''] = ins.args;
      if (ins.opcode === 'clipboard' && value.startsWith('text/')) open.set(stream, []);
      else if (ins.opcode === 'blob' && open.has(stream)) open.get(stream)!.push(value);
      else if (ins.opcode === 'end' && open.has(stream)) {
        texts.push(Buffer.concat(open.get(stream)!.map((b) => Buffer.from(b, 'base64'))).toString('utf8'));
        open.delete(stream);
      }
    }
  });
  return texts;
}

/** What guacamole-common-js sends for the clipboard panel: a text/plain stream of one blob. */
function sendClipboard(c: GuacClient, text: string, stream = '7'): void {
  c.send(encodeInstruction('clipboard', stream, 'text/plain'));
  c.send(encodeInstruction('blob', stream, Buffer.from(text, 'utf8').toString('base64')));
  c.send(encodeInstruction('end', stream));
}

/** The desktop's X clipboard as its own user reads it. Polled: nothing inside the desktop signals the change. */
async function desktopClipboardBecomes(want: string, ms = 20_000): Promise<string> {
  let got = '';
  for (const end = Date.now() + ms; Date.now() < end; await sleep(200)) {
    got = (await driver.runInDesktop(desktopId, ['xclip', '-o', '-selection', 'clipboard'])).stdout;
    if (got === want) break;
  }
  return got;
}

/** Puts `text` on the desktop's X clipboard: xclip, as the desktop's user, owns the selection until
 *  another program takes it (then it exits), or until the timeout kills it. */
function copyInDesktop(text: string): Promise<RunResult | Error> {
  const argv = ['sh', '-c', 'printf %s "$0" | exec xclip -quiet -i -selection clipboard', text];
  return driver.runInDesktop(desktopId, argv, { timeoutMs: 60_000 }).catch((e: Error) => e);
}

beforeAll(async () => {
  guacd = await startGuacd();
  t = await startTestGateway({ guacd: currentGuacd });
  const admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  for (const [name, roles] of [
    ['cleo', ['user']],
    ['hal', ['helpdesk']],
  ] as const)
    expect((await admin.post('/api/v1/admin/users', { username: name, password: `${name}-password-1`, roles })).status).toBe(201);
  const pool = await admin.post('/api/v1/admin/pools', { name: 'RDP desktop', driver: 'process', protocol: 'rdp' });
  expect(pool.status).toBe(201);
  owner = await signIn(t.url, 'cleo', 'cleo-password-1');
  helper = await signIn(t.url, 'hal', 'hal-password-1');
  sessionId = (await launchPool(owner, (pool.body as { id: string }).id)).id;
  desktopId = (await desktopInfo(admin, t.dataDir, sessionId)).desktopId;
  driver = createProcessDriver({ dataDir: t.dataDir });
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await driver?.close();
  await t?.cleanup();
  await guacd?.kill();
});

describe('RDP clipboard (xrdp-chansrv in the desktop)', () => {
  it("desktop → browser: text copied in the desktop arrives as a text/plain clipboard stream; the browser's text reaches the desktop", async () => {
    const c = await display();
    const received = clipboardsOf(c);
    const copied = `copied-in-desktop ${randomBytes(3).toString('hex')} ✓`;
    let t0 = Date.now();
    const xclip = copyInDesktop(copied);
    await c.until('the desktop’s clipboard', () => received.includes(copied), 20_000);
    console.info(`RDP clipboard desktop → browser: ${Date.now() - t0} ms (xclip start included)`);

    // browser → desktop, on the same display: the pasted text becomes the X clipboard's owner's
    // (chansrv's), so the xclip that held the copied text loses the selection and exits.
    const pasted = `from-the-browser ${randomBytes(3).toString('hex')} ✓ ünïcode`;
    t0 = Date.now();
    sendClipboard(c, pasted);
    expect(await desktopClipboardBecomes(pasted)).toBe(pasted);
    console.info(`RDP clipboard browser → desktop: ${Date.now() - t0} ms (polled every 200 ms)`);
    const ended = await xclip;
    expect(ended instanceof Error ? ended.message : ended.code).toBe(0);
    c.close();
  });

  it('a new display after the last one closed still has the clipboard (chansrv takes xrdp’s next connection)', async () => {
    const c = await display();
    const pasted = `second-display ${randomBytes(3).toString('hex')}`;
    sendClipboard(c, pasted, '3');
    expect(await desktopClipboardBecomes(pasted)).toBe(pasted);
    c.close();
  });

  it('the clipboard still works after the display was resized (an RDP display update)', async () => {
    const c = await display();
    const received = clipboardsOf(c);
    const frames = c.received.length;
    c.send(encodeInstruction('size', '900', '640'));
    await c.until('frames after the resize', () => c.received.slice(frames).some((i) => i.opcode === 'size'), 20_000);
    const pasted = `after-resize ${randomBytes(3).toString('hex')}`;
    sendClipboard(c, pasted, '4');
    expect(await desktopClipboardBecomes(pasted)).toBe(pasted);
    const copied = `copied-after-resize ${randomBytes(3).toString('hex')}`;
    const xclip = copyInDesktop(copied);
    await c.until('the desktop’s clipboard', () => received.includes(copied), 20_000);
    sendClipboard(c, 'done', '6');
    await xclip;
    c.close();
  });

  it('a view-only helpdesk shadow neither pastes into the desktop nor receives what is copied there', async () => {
    const c = await display();
    const toOwner = clipboardsOf(c);
    const ask = await helper.post(`/api/v1/sessions/${sessionId}/shadow`, { mode: 'view', reason: 'clipboard test' });
    expect(ask.status).toBe(201);
    const id = (ask.body as { shadow: { id: string } }).shadow.id;
    expect((await owner.post(`/api/v1/shadows/${id}/approve`)).status).toBe(200);
    const tk = await helper.post(`/api/v1/shadows/${id}/tickets`);
    expect(tk.status).toBe(201);
    const v = await open((tk.body as { url: string }).url);
    const toShadow = clipboardsOf(v);
    await v.firstImage(30_000);
    sendClipboard(v, 'from-a-view-only-shadow', '5');
    // The owner pastes after it: once the owner's text is there, the shadow's (sent first) never came.
    const after = `owner-after-view ${randomBytes(3).toString('hex')}`;
    sendClipboard(c, after, '9');
    expect(await desktopClipboardBecomes(after)).toBe(after);
    // Copied in the desktop: the owner's display gets it; by then the shadow's would have too.
    const secret = `copied-while-watched ${randomBytes(3).toString('hex')}`;
    const xclip = copyInDesktop(secret);
    await c.until('the desktop’s clipboard', () => toOwner.includes(secret), 20_000);
    const seen = v.received.length;
    c.type(' '); // one more frame for both displays: anything guacd sent the shadow before it has arrived
    await v.until('a frame after the copy', () => v.received.slice(seen).some((i) => i.opcode === 'sync'));
    expect(toShadow).toEqual([]);
    expect(v.received.filter((i) => i.opcode === 'clipboard')).toEqual([]);
    sendClipboard(c, 'done', '11'); // takes the selection: the xclip above exits
    await xclip;
    v.close();
    c.close();
    await helper.post(`/api/v1/shadows/${id}/end`);
  });
});
