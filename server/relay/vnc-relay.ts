// The RFB-terminating relay behind /ws/vnc (docs/architecture.md "Launch" step 5): handshakes with the
// desktop (VncAuth, shared) and the browser (None) at once, then passes desktop bytes through
// to viewers with the desktop's clipboard cut out where the session's clipboard policy or a view-only
// ticket says so (server-messages.ts, clipboard.ts), and browser bytes only as whole, parsed,
// policy-checked messages.
import { WebSocket } from 'ws';
import { DisplayClose } from '../../contract/display.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { ClientMessageParser } from '../rfb/client-messages.ts';
import { POLICY_LIMITS } from '../../contract/api/policy.ts';
import { clipboardRule, gatherLimit, judgeCutText, type ClipboardRule } from '../rfb/clipboard.ts';
import { ClientMessageType } from '../rfb/constants.ts';
import {
  BrowserHandshake,
  DesktopHandshake,
  type BrowserHandshakeResult,
  type DesktopHandshakeResult,
  type HandshakeError,
} from '../rfb/handshake.ts';
import { judgeClientMessage, keepEncodings, listedEncodings, stripEncodings, type Verdict, type ViewerMode } from '../rfb/policy.ts';
import { CONTROL_ENCODINGS, readPixelFormat, VIEW_ENCODINGS } from '../rfb/measured-encodings.ts';
import { ServerMessageFilter } from '../rfb/server-messages.ts';
import { closeWs, isOpen, PauseGate, toBuffer } from '../util/ws.ts';
import type { DesktopLink } from './desktop-link.ts';

export type RelayDirection = 'toBrowser' | 'toDesktop';

export interface VncRelayOptions {
  browser: WebSocket;
  desktop: DesktopLink;
  /** The desktop's VNC password. Only the desktop handshake holds it; it is never logged. */
  secret: string;
  mode: ViewerMode;
  log: Logger;
  /** A control viewer used key, pointer or clipboard. Called at most once per activityIntervalMs. */
  onActivity?: () => void;
  onBytes?: (direction: RelayDirection, bytes: number) => void;
  /** A viewer message the gateway did not forward (view-only input, or an unannounced extension). */
  onDropped?: (type: number, why: NonNullable<Verdict['drop']>) => void;
  /** Desktop clipboard messages withheld from a view-only viewer (how many, in one chunk). */
  onWithheld?: (count: number) => void;
  /** Clipboard messages the session's policy refused (direction not allowed, or over the cap), by direction. */
  onClipboardBlocked?: (direction: 'to_desktop' | 'from_desktop', count: number) => void;
  /** The session policy's clipboard rule (clipboard.ts). Default: both ways, 1 MiB. */
  clipboard?: ClipboardRule;
  /** The parser's hard cap on a viewer's clipboard message: past it that message is dropped (and counted as blocked). */
  maxClipboardBytes?: number;
  /** Both handshakes must finish within this. Default 15 s. */
  handshakeTimeoutMs?: number;
  /** Per-direction send queue above which the sending side's peer stops being read. Default 1 MiB. */
  highWaterMark?: number;
  lowWaterMark?: number;
  activityIntervalMs?: number;
  clock?: Clock;
}

export interface RelayStats {
  bytesToBrowser: number;
  bytesToDesktop: number;
  forwardedMessages: number;
  droppedMessages: number;
  /** Dropped (view-only) messages by RFB message type. */
  droppedByType: Record<number, number>;
  /** Desktop clipboard messages withheld from a view-only viewer. */
  withheldClipboard: number;
  /** Clipboard messages the policy refused, either way. */
  blockedClipboard: { toDesktop: number; fromDesktop: number };
}

export interface RelayResult {
  reason: string;
  /** The close code sent to the browser. */
  code: number;
}

export interface VncRelay {
  /** Resolves once, when the relay ends for any reason. Never rejects. */
  done: Promise<RelayResult>;
  /** End the relay: both sockets are closed with 1000 and this reason. Safe to call twice. */
  close(reason: string): void;
  stats(): RelayStats;
}

/** Coalesce below this many bytes: one frame for a few small messages beats several sends. */
const COALESCE_LIMIT = 64 * 1024;
/** Bytes held from one side while the other side's handshake is still running. */
const HOLD_LIMIT = 4 * 1024 * 1024;

function desktopFailureReason(e: HandshakeError): string {
  switch (e.code) {
    case 'auth-failed':
      return "the desktop refused the gateway's credentials";
    case 'no-auth-offered':
      return 'the desktop does not require a password; refusing to connect';
    case 'refused':
      return e.peerReason ? `the desktop refused the connection: ${e.peerReason}` : 'the desktop refused the connection';
    default:
      return `the desktop's RFB handshake failed (${e.code})`;
  }
}

/** Join slices that sit next to each other in the same chunk (the usual case) into one view. */
function coalesce(parts: Buffer[]): Buffer[] {
  const runs: Buffer[] = [];
  let total = 0;
  for (const p of parts) {
    total += p.length;
    const last = runs[runs.length - 1];
    if (last && last.buffer === p.buffer && last.byteOffset + last.length === p.byteOffset) {
      runs[runs.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + p.length);
    } else runs.push(p);
  }
  return runs.length > 1 && total <= COALESCE_LIMIT ? [Buffer.concat(runs, total)] : runs;
}

export function startVncRelay(options: VncRelayOptions): VncRelay {
  const { browser, desktop, mode, log } = options;
  const high = options.highWaterMark ?? 1024 * 1024;
  const low = options.lowWaterMark ?? 256 * 1024;
  if (!(low >= 0 && low < high)) throw new RangeError('relay water marks need 0 <= lowWaterMark < highWaterMark');
  const clock = options.clock ?? systemClock;
  const activityInterval = options.activityIntervalMs ?? 1000;
  const startedAt = clock.now();

  const desktopHs = new DesktopHandshake(options.secret);
  const browserHs = new BrowserHandshake();
  const parser = new ClientMessageParser({ maxClipboardBytes: options.maxClipboardBytes });
  const browserGate = new PauseGate(browser);
  const desktopGate = new PauseGate(desktop);
  const stats: RelayStats = {
    bytesToBrowser: 0,
    bytesToDesktop: 0,
    forwardedMessages: 0,
    droppedMessages: 0,
    droppedByType: {},
    withheldClipboard: 0,
    blockedClipboard: { toDesktop: 0, fromDesktop: 0 },
  };
  const rule = options.clipboard ?? clipboardRule({ clipboard: 'both', clipboardMaxKb: 1024 });
  // A control viewer's stream is followed unless nothing could be refused: both ways allowed and the
  // cap at the policy's own maximum. Otherwise its encodings are narrowed to what the filter measures.
  const filterControl = !(rule.fromDesktop && rule.maxBytes >= POLICY_LIMITS.clipboardMaxKb.max * 1024);
  /** The encodings of the viewer's latest SetEncodings as forwarded: extension messages need theirs. */
  let announced: ReadonlySet<number> = new Set();
  /** Follows the desktop's messages to withhold its clipboard (view viewers, and control viewers under a policy). */
  let serverFilter: ServerMessageFilter | null = null;

  let phase: 'handshake' | 'relay' | 'closed' = 'handshake';
  let desktopInit: DesktopHandshakeResult | null = null;
  let browserInit: BrowserHandshakeResult | null = null;
  const held = { browser: [] as Buffer[], desktop: [] as Buffer[], browserBytes: 0, desktopBytes: 0 };
  let lastActivity = -Infinity;
  let resolveDone: (r: RelayResult) => void = () => {};
  const done = new Promise<RelayResult>((resolve) => (resolveDone = resolve));

  function finish(reason: string, browserCode: number, desktopReason: string): void {
    if (phase === 'closed') return;
    phase = 'closed';
    clearTimeout(handshakeTimer);
    browserGate.releaseAll();
    desktopGate.releaseAll();
    closeWs(browser, browserCode, reason);
    desktop.close(desktopReason);
    log.info({ reason, code: browserCode, stats, ms: clock.now() - startedAt }, 'vnc relay ended');
    resolveDone({ reason, code: browserCode });
  }
  const badViewer = (why: string) => finish(why, DisplayClose.BadViewerStream, 'the viewer sent an invalid RFB stream');
  const desktopFailed = (why: string) => finish(why, DisplayClose.DesktopFailed, why);

  const onBytes = options.onBytes;
  function callback(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      log.warn({ err, callback: name }, 'vnc relay callback threw');
    }
  }

  /** Send with backpressure: too much queued toward one side stops reading from the other. */
  // One options object and one completion callback per direction, made once: these run for every
  // message, so they allocate nothing of their own.
  const BINARY = { binary: true } as const;
  const browserDrained = (err?: Error) => {
    if (!err && phase !== 'closed' && desktopGate.isHeld('backpressure') && browser.bufferedAmount <= low)
      desktopGate.release('backpressure');
  };
  const desktopDrained = (err?: Error | null) => {
    if (!err && phase !== 'closed' && browserGate.isHeld('backpressure') && desktop.bufferedAmount <= low)
      browserGate.release('backpressure');
  };

  function countBytes(dir: RelayDirection, n: number): void {
    if (!onBytes) return;
    // Called directly (no closure per message): this is the hot path.
    try {
      onBytes(dir, n);
    } catch (err) {
      log.warn({ err, callback: 'onBytes' }, 'vnc relay callback threw');
    }
  }

  function toBrowser(data: Buffer): void {
    if (data.length === 0 || !isOpen(browser)) return;
    browser.send(data, BINARY, browserDrained);
    stats.bytesToBrowser += data.length;
    countBytes('toBrowser', data.length);
    if (browser.bufferedAmount > high) desktopGate.hold('backpressure');
  }

  function toDesktop(data: Buffer): void {
    if (data.length === 0 || !desktop.open) return;
    desktop.send(data, desktopDrained);
    stats.bytesToDesktop += data.length;
    countBytes('toDesktop', data.length);
    if (desktop.bufferedAmount > high) browserGate.hold('backpressure');
  }

  function fromBrowser(chunk: Buffer): void {
    const r = parser.push(chunk);
    if (!r.ok) return badViewer(`malformed RFB message: ${r.error}`);
    const out: Buffer[] = [];
    let input = false;
    for (const m of r.messages) {
      if (m.oversized !== undefined) {
        // Past the hard cap (the policy's own cap is never above it): this paste is refused, read and
        // dropped as it comes; the viewer stays connected. The viewer's clipboard panel says so first.
        log.info({ bytes: m.oversized, cap: parser.maxClipboardBytes }, 'viewer clipboard text over the hard cap refused');
        stats.blockedClipboard.toDesktop++;
        if (options.onClipboardBlocked) callback('onClipboardBlocked', () => options.onClipboardBlocked?.('to_desktop', 1));
        continue;
      }
      if (m.type === ClientMessageType.ClientCutText && mode === 'control' && judgeCutText(m.bytes, 'viewer', rule) !== 'forward') {
        stats.blockedClipboard.toDesktop++;
        if (options.onClipboardBlocked) callback('onClipboardBlocked', () => options.onClipboardBlocked?.('to_desktop', 1));
        continue;
      }
      const v = judgeClientMessage(m, mode, announced);
      if (!v.forward) {
        stats.droppedMessages++;
        stats.droppedByType[m.type] = (stats.droppedByType[m.type] ?? 0) + 1;
        if (options.onDropped && v.drop) callback('onDropped', () => options.onDropped?.(m.type, v.drop!));
        continue;
      }
      input ||= v.input;
      stats.forwardedMessages++;
      if (m.type === ClientMessageType.SetEncodings) {
        // A view viewer may only use encodings the gateway can follow (to find the clipboard).
        // A filtered control viewer likewise (the desktop's clipboard under the policy).
        const sent =
          mode === 'view'
            ? keepEncodings(m.bytes, (e) => VIEW_ENCODINGS.has(e))
            : filterControl
              ? keepEncodings(m.bytes, (e) => CONTROL_ENCODINGS.has(e))
              : stripEncodings(m.bytes);
        announced = new Set(listedEncodings(sent));
        out.push(sent);
        continue;
      }
      if (m.type === ClientMessageType.SetPixelFormat) serverFilter?.setPixelFormat(readPixelFormat(m.bytes, 4));
      out.push(m.bytes);
    }
    for (const b of coalesce(out)) toDesktop(b);
    if (input && options.onActivity && clock.now() - lastActivity >= activityInterval) {
      lastActivity = clock.now();
      callback('onActivity', () => options.onActivity?.());
    }
  }

  function maybeStartRelay(): void {
    if (!desktopInit || !browserInit || phase !== 'handshake') return;
    phase = 'relay';
    clearTimeout(handshakeTimer);
    log.info(
      {
        width: desktopInit.width,
        height: desktopInit.height,
        desktopRfb: desktopInit.version,
        viewerRfb: browserInit.version,
        ms: clock.now() - startedAt,
      },
      'vnc relay started',
    );
    // Order matters: ServerInit first, then whatever the desktop already sent after it.
    toBrowser(desktopInit.serverInit);
    const pf = readPixelFormat(desktopInit.serverInit, 4);
    if (mode === 'view') serverFilter = new ServerMessageFilter(pf);
    else if (filterControl) {
      const judge = (msg: Buffer) => judgeCutText(msg, 'desktop', rule);
      serverFilter = new ServerMessageFilter(pf, { judge, maxBytes: rule.maxBytes, gatherLimit: gatherLimit(rule.maxBytes) });
    }
    for (const b of [desktopInit.leftover, ...held.desktop]) if (phase === 'relay') fromDesktop(b);
    const fromViewer = [browserInit.leftover, ...held.browser];
    held.browser = [];
    held.desktop = [];
    browserGate.release('handshake');
    desktopGate.release('handshake');
    for (const b of fromViewer) if (phase === 'relay' && b.length > 0) fromBrowser(b);
  }

  /** A side that finished its handshake first waits for the other; keep (bounded) what it sends. */
  function hold(side: 'browser' | 'desktop', b: Buffer): void {
    held[side].push(b);
    const bytes = side === 'browser' ? (held.browserBytes += b.length) : (held.desktopBytes += b.length);
    if (bytes > HOLD_LIMIT) {
      if (side === 'browser') badViewer('the viewer sent too much before the desktop was ready');
      else desktopFailed('the desktop sent too much before the viewer was ready');
    }
  }

  function onBrowserMessage(b: Buffer): void {
    if (phase === 'relay') return fromBrowser(b);
    if (browserInit) return hold('browser', b);
    const step = browserHs.feed(b);
    for (const s of step.send) toBrowser(s);
    if (step.status === 'failed') return badViewer(`RFB handshake failed: ${step.error.message}`);
    if (step.status === 'done') {
      browserInit = step.result;
      if (!desktopInit) browserGate.hold('handshake');
      maybeStartRelay();
    }
  }

  const forwardToBrowser = (slice: Buffer) => toBrowser(slice);
  function fromDesktop(b: Buffer): void {
    if (!serverFilter) return toBrowser(b);
    const r = serverFilter.push(b, forwardToBrowser);
    const withheld = serverFilter.withheldMessages - stats.withheldClipboard;
    if (withheld > 0) {
      stats.withheldClipboard += withheld;
      if (options.onWithheld) callback('onWithheld', () => options.onWithheld?.(withheld));
    }
    const blocked = serverFilter.blockedMessages - stats.blockedClipboard.fromDesktop;
    if (blocked > 0) {
      stats.blockedClipboard.fromDesktop += blocked;
      if (options.onClipboardBlocked) callback('onClipboardBlocked', () => options.onClipboardBlocked?.('from_desktop', blocked));
    }
    if (!r.ok) desktopFailed(`the desktop sent what the gateway's clipboard filter cannot follow: ${r.error}`);
  }

  function onDesktopMessage(b: Buffer): void {
    if (phase === 'relay') return fromDesktop(b);
    if (desktopInit) return hold('desktop', b);
    const step = desktopHs.feed(b);
    for (const s of step.send) toDesktop(s);
    if (step.status === 'failed') {
      log.warn({ code: step.error.code, detail: step.error.message }, 'desktop RFB handshake failed');
      return desktopFailed(desktopFailureReason(step.error));
    }
    if (step.status === 'done') {
      desktopInit = step.result;
      if (!browserInit) desktopGate.hold('handshake');
      maybeStartRelay();
    }
  }

  const handshakeTimer = setTimeout(() => {
    if (!desktopInit) desktopFailed('the desktop did not complete the RFB handshake in time');
    else badViewer('the viewer did not complete the RFB handshake in time');
  }, options.handshakeTimeoutMs ?? 15_000);
  handshakeTimer.unref();

  browser.binaryType = 'nodebuffer';
  browser.on('message', (data, isBinary) => {
    if (phase === 'closed') return;
    if (!isBinary) return badViewer('RFB needs binary WebSocket frames');
    onBrowserMessage(toBuffer(data));
  });
  desktop.onData((b) => {
    if (phase !== 'closed') onDesktopMessage(b);
  });
  desktop.onProtocolError((why) => {
    if (phase !== 'closed') desktopFailed(why);
  });
  browser.on('close', (code) => finish(`the viewer closed the connection (${code})`, DisplayClose.Normal, 'the viewer left'));
  desktop.onClose((detail) => {
    if (phase === 'relay') return finish(`the desktop closed the connection (${detail})`, DisplayClose.DesktopGone, 'closed');
    if (phase === 'handshake') log.warn({ detail }, 'desktop stream closed during the RFB handshake');
    desktopFailed('the desktop closed the connection during the RFB handshake');
  });
  browser.on('error', (err) => {
    log.debug({ err }, 'viewer websocket error');
    finish('viewer connection error', DisplayClose.Normal, 'the viewer connection failed');
  });
  desktop.onError((err) => {
    log.debug({ err }, 'desktop link error');
    desktopFailed('the desktop connection failed');
  });

  if (!isOpen(browser) || !desktop.open) finish('a connection was not open at relay start', DisplayClose.DesktopFailed, 'not started');
  else for (const s of browserHs.start()) toBrowser(s);

  return {
    done,
    close: (reason) => finish(reason, DisplayClose.Normal, reason),
    stats: () => ({ ...stats, droppedByType: { ...stats.droppedByType }, blockedClipboard: { ...stats.blockedClipboard } }),
  };
}
