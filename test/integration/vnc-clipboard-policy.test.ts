// The clipboard policy against a real Xvnc, mode by mode: a control viewer's paste reaches the
// desktop's CLIPBOARD (read back with xclip inside the desktop) only where the mode allows it, and
// what a program on the desktop copies reaches the viewer only where the mode allows it; a text over
// the cap is dropped whole, either way; a paste over the gateway's hard cap costs only that paste.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { ClipboardMode } from '../../contract/api/policy.ts';
import { silentLogger } from '../../server/log.ts';
import { clipboardRule } from '../../server/rfb/clipboard.ts';
import { msg } from '../../server/rfb/test-messages.ts';
import { socketLink } from '../../server/relay/desktop-link.ts';
import { startVncRelay, type VncRelay } from '../../server/relay/vnc-relay.ts';
import { TestRfbClient } from '../helpers/rfb-client.ts';
import { startXvnc, type XvncHandle } from '../helpers/xvnc.ts';

const PASSWORD = 'dp-Clip42';
let xvnc: XvncHandle | undefined;
let gateway: WebSocketServer | undefined;
const relays = new Map<string, VncRelay>();

beforeAll(async () => {
  xvnc = await startXvnc(PASSWORD);
  const port = xvnc.port;
  // Stands in for /ws/vnc: the query chooses the clipboard policy; the embedded agent's socket link.
  gateway = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  gateway.on('connection', (browser, req) => {
    const q = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      const clipboard = clipboardRule({ clipboard: q.get('clip') as ClipboardMode, clipboardMaxKb: Number(q.get('kb')) });
      relays.set(
        q.get('id') ?? '',
        startVncRelay({ browser, desktop: socketLink(sock), secret: PASSWORD, mode: 'control', log: silentLogger(), clipboard }),
      );
    });
  });
  await new Promise((r) => gateway?.once('listening', r));
});

afterAll(async () => {
  for (const r of relays.values()) r.close('test over');
  await new Promise<void>((r) => (gateway ? gateway.close(() => r()) : r()));
  await xvnc?.stop();
});

const env = () => ({ ...process.env, DISPLAY: `:${xvnc?.display}` });
/** What the desktop's CLIPBOARD holds, as a program inside it sees it. */
const desktopClipboard = () =>
  spawnSync('xclip', ['-o', '-selection', 'clipboard'], { env: env(), timeout: 5000, encoding: 'latin1' }).stdout ?? '';

async function viewer(id: string, clip: ClipboardMode, kb: number): Promise<TestRfbClient> {
  const port = (gateway?.address() as net.AddressInfo).port;
  const c = await TestRfbClient.connect(`ws://127.0.0.1:${port}/?${new URLSearchParams({ id, clip, kb: String(kb) })}`);
  await c.handshake();
  await c.fullFrame();
  return c;
}

/** The viewer pastes; one full frame later the desktop has processed it (RFB is in order). */
async function paste(c: TestRfbClient, text: string): Promise<string> {
  c.send(msg.cutText(Buffer.from(text, 'latin1')));
  await c.fullFrame();
  return desktopClipboard();
}

/** A program on the desktop copies `text`; resolves with what the viewer got once the relay saw the desktop's message. */
async function copyOnDesktop(c: TestRfbClient, relay: VncRelay, text: string): Promise<string[]> {
  const xclip = spawn('xclip', ['-quiet', '-selection', 'clipboard', '-i'], { env: env(), stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    xclip.stdin.end(text);
    const seen = () => c.cutTexts.includes(text) || relay.stats().blockedClipboard.fromDesktop > 0;
    for (let i = 0; i < 50 && !seen(); i++) await c.fullFrame();
    expect(seen()).toBe(true); // the desktop did send it, one way or the other: the checks after can fail
    return c.cutTexts;
  } finally {
    xclip.kill('SIGKILL');
  }
}

const MODES: [ClipboardMode, boolean, boolean][] = [
  ['both', true, true],
  ['to_desktop', true, false],
  ['from_desktop', false, true],
  ['none', false, false],
];

describe('clipboard policy on /ws/vnc against a real Xvnc', () => {
  for (const [mode, toDesktop, fromDesktop] of MODES) {
    it(`${mode}: paste ${toDesktop ? 'reaches' : 'never reaches'} the desktop, copy ${fromDesktop ? 'reaches' : 'never reaches'} the viewer`, async () => {
      const c = await viewer(mode, mode, 64);
      try {
        const pasted = `pasted-${mode}-${randomBytes(4).toString('hex')}`;
        expect((await paste(c, pasted)) === pasted).toBe(toDesktop);
        const copied = `copied-${mode}-${randomBytes(4).toString('hex')}`;
        expect((await copyOnDesktop(c, relays.get(mode)!, copied)).includes(copied)).toBe(fromDesktop);
        const stats = relays.get(mode)!.stats().blockedClipboard;
        expect(stats).toEqual({ toDesktop: toDesktop ? 0 : 1, fromDesktop: fromDesktop ? 0 : expect.any(Number) });
      } finally {
        c.close();
      }
    });
  }

  it('both ways with a 1 KiB cap: a text over it is dropped whole, a text under it crosses', async () => {
    const c = await viewer('cap', 'both', 1);
    try {
      const big = `big-${randomBytes(4).toString('hex')}-${'x'.repeat(2000)}`;
      expect(await paste(c, big)).not.toContain('big-');
      const small = `small-${randomBytes(4).toString('hex')}`;
      expect(await paste(c, small)).toBe(small);
      const bigCopy = `bigcopy-${'y'.repeat(3000)}`;
      expect((await copyOnDesktop(c, relays.get('cap')!, bigCopy)).some((t) => t.startsWith('bigcopy-'))).toBe(false);
      expect(relays.get('cap')!.stats().blockedClipboard.toDesktop).toBe(1);
      expect(relays.get('cap')!.stats().blockedClipboard.fromDesktop).toBeGreaterThan(0);
    } finally {
      c.close();
    }
  });

  it('a paste over the 10 MiB hard cap is refused alone: the viewer stays connected and the next paste crosses', async () => {
    const c = await viewer('hard-cap', 'both', 10 * 1024);
    try {
      // Sent as noVNC sends it: in 10 KiB WebSocket frames.
      const huge = msg.cutText(Buffer.alloc(10 * 1024 * 1024 + 1, 0x7a));
      for (let off = 0; off < huge.length; off += 10 * 1024) c.send(huge.subarray(off, off + 10 * 1024));
      await c.fullFrame(); // the relay is past the whole paste and still answers
      expect(desktopClipboard()).not.toContain('zzzz');
      expect(relays.get('hard-cap')!.stats().blockedClipboard.toDesktop).toBe(1);
      const after = `after-${randomBytes(4).toString('hex')}`;
      expect(await paste(c, after)).toBe(after);
    } finally {
      c.close();
    }
  });
});
