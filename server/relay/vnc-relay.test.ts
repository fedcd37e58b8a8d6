// The relay with a scripted fake desktop on loopback: ordering around ServerInit, pipelining,
// coalescing, encoding stripping, failures and their close codes, backpressure, activity throttling.
import { POLICY_LIMITS } from '../../contract/api/policy.ts';
import { DisplayClose } from '../../contract/display.ts';
import { clipboardRule } from '../rfb/clipboard.ts';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ManualClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import { msg } from '../rfb/test-messages.ts';
import { vncAuthResponse } from '../rfb/vncauth.ts';
import { TestRfbClient } from '../../test/helpers/rfb-client.ts';
import { closeAllPairs, closedWith, wsPair } from '../../test/helpers/ws-pair.ts';
import { wsLink } from './desktop-link.ts';
import { startVncRelay, type VncRelayOptions } from './vnc-relay.ts';

const SECRET = 'fake-secret';
const CHALLENGE = Buffer.alloc(16, 0x5a);
const SERVER_INIT = Buffer.concat([
  Buffer.from([0x04, 0x00, 0x03, 0x00, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0, 0, 0, 0, 4]),
  Buffer.from('fake'),
]);
const VIEWER_HANDSHAKE = Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1])]);

afterEach(closeAllPairs);

/** Relay between a test viewer and a scripted desktop; `desktop` is the fake server's end. */
async function setup(extra: Partial<VncRelayOptions> = {}) {
  const [browserEnd, viewerWs] = await wsPair();
  const [desktopEnd, relayDesktopEnd] = await wsPair();
  const relay = startVncRelay({
    browser: browserEnd,
    desktop: wsLink(relayDesktopEnd),
    secret: SECRET,
    mode: 'control',
    log: silentLogger(),
    ...extra,
  });
  // Count the relay's pauses of each side, to see backpressure engage.
  const pauses = { browser: 0, desktop: 0 };
  for (const [side, ws] of [
    ['browser', browserEnd],
    ['desktop', relayDesktopEnd],
  ] as const) {
    const pause = ws.pause.bind(ws);
    ws.pause = () => (pauses[side]++, pause());
  }
  return { relay, pauses, viewer: TestRfbClient.wrap(viewerWs), desktop: TestRfbClient.wrap(desktopEnd), viewerWs, desktopWs: desktopEnd };
}

/** Plays a TigerVNC-like 3.8 server up to (not including) ServerInit; checks the gateway's answers. */
async function desktopAuth(d: TestRfbClient): Promise<void> {
  d.send(Buffer.from('RFB 003.008\n'));
  expect((await d.read(12)).toString()).toBe('RFB 003.008\n');
  d.send(Buffer.from([1, 2]));
  expect([...(await d.read(1))]).toEqual([2]);
  d.send(CHALLENGE);
  expect(await d.read(16)).toEqual(vncAuthResponse(CHALLENGE, SECRET));
  d.send(Buffer.from([0, 0, 0, 0]));
  expect([...(await d.read(1))]).toEqual([1]); // shared, always
}

/** Collect whole WebSocket messages arriving at the fake desktop (to see how the relay framed them). */
function frames(ws: WebSocket): Buffer[] {
  const out: Buffer[] = [];
  ws.on('message', (d) => out.push(Buffer.from(d as Buffer)));
  return out;
}

describe('startVncRelay', () => {
  it('keeps pipelined viewer bytes and post-ServerInit desktop bytes, in order, and strips -316', async () => {
    const { viewer, desktop, desktopWs } = await setup();
    // The viewer sends its whole handshake and first messages before the desktop has authenticated.
    expect((await viewer.read(12)).toString()).toBe('RFB 003.008\n');
    viewer.send(Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1]), msg.setEncodings([7, -316, 0]), msg.fbur()]));
    await desktopAuth(desktop);
    const seen = frames(desktopWs);
    desktop.send(Buffer.concat([SERVER_INIT, Buffer.from([2])])); // ServerInit, then a Bell in the same chunk
    expect([...(await viewer.read(2))]).toEqual([1, 1]);
    expect((await viewer.read(4)).readUInt32BE(0)).toBe(0);
    expect(await viewer.read(SERVER_INIT.length)).toEqual(SERVER_INIT);
    expect([...(await viewer.read(1))]).toEqual([2]);
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toEqual(Buffer.concat([msg.setEncodings([7, 0]), msg.fbur()]));
  });

  it('holds what the desktop sends after ServerInit until the viewer finishes its handshake', async () => {
    const { viewer, desktop } = await setup();
    await desktopAuth(desktop);
    desktop.send(SERVER_INIT);
    desktop.send(Buffer.from([2]));
    await new Promise((r) => setTimeout(r, 50));
    viewer.send(VIEWER_HANDSHAKE);
    await viewer.read(12 + 2 + 4);
    expect(await viewer.read(SERVER_INIT.length)).toEqual(SERVER_INIT);
    expect([...(await viewer.read(1))]).toEqual([2]);
  });

  it('sends the messages of one viewer chunk to the desktop as one frame', async () => {
    const { viewer, desktop, desktopWs, relay } = await setup();
    viewer.send(VIEWER_HANDSHAKE);
    await desktopAuth(desktop);
    desktop.send(SERVER_INIT);
    await viewer.read(12 + 2 + 4 + SERVER_INIT.length);
    const seen = frames(desktopWs);
    const chunk = Buffer.concat([msg.pointer(0, 1, 1), msg.pointer(1, 2, 2), msg.key(1, 0x61), msg.fbur()]);
    viewer.send(chunk);
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toEqual(chunk);
    expect(relay.stats().forwardedMessages).toBe(4);
  });

  it('refuses a paste over the hard clipboard cap without closing the viewer, and counts it as blocked', async () => {
    const blocked: [string, number][] = [];
    const { viewer, desktop, desktopWs, relay } = await setup({
      maxClipboardBytes: 64 * 1024,
      onClipboardBlocked: (d, n) => blocked.push([d, n]),
    });
    viewer.send(VIEWER_HANDSHAKE);
    await desktopAuth(desktop);
    desktop.send(SERVER_INIT);
    await viewer.read(12 + 2 + 4 + SERVER_INIT.length);
    const seen = frames(desktopWs);
    // In 10 KiB pieces, as noVNC sends it, then a key: only the key reaches the desktop.
    const paste = msg.cutText(Buffer.alloc(200 * 1024, 0x41));
    for (let off = 0; off < paste.length; off += 10 * 1024) viewer.send(paste.subarray(off, off + 10 * 1024));
    viewer.send(msg.key(1, 0x61));
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toEqual(msg.key(1, 0x61));
    expect(blocked).toEqual([['to_desktop', 1]]);
    expect(relay.stats().blockedClipboard.toDesktop).toBe(1);
    // A paste within the cap still goes through on the same connection.
    const ok = msg.cutText(Buffer.from('hello'));
    viewer.send(ok);
    await expect.poll(() => seen.length).toBe(2);
    expect(seen[1]).toEqual(ok);
  });

  it('closes the viewer as a failed desktop when the desktop offers no authentication', async () => {
    const { viewerWs, desktop, relay } = await setup();
    const closed = closedWith(viewerWs);
    desktop.send(Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1])]));
    expect(await closed).toEqual({
      code: DisplayClose.DesktopFailed,
      reason: 'the desktop does not require a password; refusing to connect',
    });
    expect(await relay.done).toMatchObject({ code: DisplayClose.DesktopFailed });
  });

  it('closes the viewer as a failed desktop when the desktop does not finish its handshake in time', async () => {
    const { viewerWs } = await setup({ handshakeTimeoutMs: 100 });
    expect(await closedWith(viewerWs)).toEqual({
      code: DisplayClose.DesktopFailed,
      reason: 'the desktop did not complete the RFB handshake in time',
    });
  });

  it('closes the viewer as a bad viewer stream on a text frame or a bad handshake, and closes the desktop too', async () => {
    const a = await setup();
    const [aViewer, aDesktop] = [closedWith(a.viewerWs), closedWith(a.desktopWs)];
    a.viewerWs.send('hello');
    expect(await aViewer).toMatchObject({ code: DisplayClose.BadViewerStream });
    expect(await aDesktop).toMatchObject({ code: 1000 });
    const b = await setup();
    const bViewer = closedWith(b.viewerWs);
    b.viewer.send(Buffer.from('RFB 003.008\n\u0002'));
    expect(await bViewer).toMatchObject({ code: DisplayClose.BadViewerStream, reason: expect.stringContaining('only None') });
  });

  it('keeps both streams intact under backpressure, pausing the side that sends too fast', async () => {
    // The desktop below sends a byte pattern, not RFB: the clipboard policy with nothing to refuse
    // (both ways, the largest cap) is the one that leaves a control viewer's stream unparsed.
    const clipboard = clipboardRule({ clipboard: 'both', clipboardMaxKb: POLICY_LIMITS.clipboardMaxKb.max });
    const { viewer, desktop, relay, pauses, viewerWs, desktopWs } = await setup({
      highWaterMark: 64 * 1024,
      lowWaterMark: 16 * 1024,
      clipboard,
    });
    viewer.send(VIEWER_HANDSHAKE);
    await desktopAuth(desktop);
    desktop.send(SERVER_INIT);
    await viewer.read(12 + 2 + 4 + SERVER_INIT.length);
    pauses.browser = pauses.desktop = 0; // the handshake wait pauses one side too; count only what follows
    // Both peers stop reading, so kernel buffers fill and the relay's send queues grow past the mark.
    viewerWs.pause();
    desktopWs.pause();
    const total = 24 * 1024 * 1024;
    const pattern = Buffer.alloc(total);
    for (let i = 0; i < total; i++) pattern[i] = (i * 7) & 0xff;
    for (let off = 0; off < total; off += 65536) desktop.send(pattern.subarray(off, off + 65536));
    const clip = Array.from({ length: 24 }, (_, i) => msg.cutText(Buffer.alloc(1024 * 1024, i)));
    for (const c of clip) viewer.send(c);
    await expect.poll(() => pauses.desktop > 0 && pauses.browser > 0, { timeout: 10_000 }).toBe(true);
    viewerWs.resume();
    desktopWs.resume();
    const [down, up] = await Promise.all([viewer.read(total, 20_000), desktop.read(24 * clip[0]!.length, 20_000)]);
    expect(down.equals(pattern)).toBe(true);
    expect(up.equals(Buffer.concat(clip))).toBe(true);
    expect(relay.stats().forwardedMessages).toBe(24);
  });

  it('reports activity at most once per interval, and never for a view viewer', async () => {
    const clock = new ManualClock();
    let activity = 0;
    const { viewer, desktop } = await setup({ clock, onActivity: () => activity++ });
    viewer.send(VIEWER_HANDSHAKE);
    await desktopAuth(desktop);
    desktop.send(SERVER_INIT);
    for (let i = 0; i < 5; i++) viewer.send(msg.pointer(0, i, i));
    await desktop.read(30);
    expect(activity).toBe(1);
    clock.advance(1000);
    viewer.send(msg.key(1, 0x61));
    await desktop.read(8);
    expect(activity).toBe(2);
  });

  it('survives callbacks that throw, counts bytes, and close() is safe twice', async () => {
    const counted = { toBrowser: 0, toDesktop: 0 };
    const { viewer, desktop, relay, viewerWs } = await setup({
      onBytes: (dir, n) => (counted[dir] += n),
      onActivity: () => {
        throw new Error('broker hiccup');
      },
    });
    viewer.send(VIEWER_HANDSHAKE);
    await desktopAuth(desktop);
    desktop.send(SERVER_INIT);
    viewer.send(msg.pointer(0, 1, 1));
    await desktop.read(6);
    const closed = closedWith(viewerWs);
    relay.close('session ended');
    relay.close('again');
    expect(await relay.done).toEqual({ reason: 'session ended', code: 1000 });
    expect(await closed).toEqual({ code: 1000, reason: 'session ended' });
    expect(counted).toEqual({ toBrowser: relay.stats().bytesToBrowser, toDesktop: relay.stats().bytesToDesktop });
    expect(counted.toDesktop).toBe(12 + 1 + 16 + 1 + 6);
  });
});
