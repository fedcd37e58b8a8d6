// /ws/rdp: the browser's Guacamole display WebSocket (guacamole-common-js), for desktops of rdp
// pools. Same gate as /ws/vnc (display-gate.ts); then a one-connection loopback forward onto an
// agent stream to the desktop's xrdp (forward.ts), and guacamole-lite's guacd client pointed at it.
// Every browser instruction passes the guard (server/guac/guard.ts) before guacd sees it.
// docs/architecture.md, "The /ws/rdp byte path".
// guacamole-lite's Server is not used: its constructor installs SIGTERM/SIGINT handlers, it logs
// to the console unconditionally, and it forwards browser messages to guacd untouched. The gateway
// owns the WebSocket side (guard, ping answers, close codes, backpressure) and reuses guacamole-lite
// for the guacd side (GuacdClient: select, args/connect handshake with version negotiation, ready).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import GuacdClient, { type GuacdSettings } from 'guacamole-lite/lib/GuacdClient.js';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { DisplayClose } from '../../contract/display.ts';
import { DomainError } from '../errors.ts';
import type { Guacd } from '../guacd/guacd.ts';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../../contract/api/policy.ts';
import { displayAudio } from '../guac/audio.ts';
import { createClipboardWithholder } from '../guac/clipboard-withhold.ts';
import { displayStreams, type DisplayStreams } from '../guac/session-streams.ts';
import type { Transfer } from '../guac/stream-policy.ts';
import { createGuard, InstructionError } from '../guac/guard.ts';
import * as snap from '../guac/shadow-snapshot.ts';
import { browserDisplay, joinSettings, machineSettings, ownRdpDesktop } from '../guac/settings.ts';
import type { GuacTokens } from '../guac/token.ts';
import type { Logger } from '../log.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import type { Desktop, Protocol, Session } from '../store/types.ts';
import { closeWs, refuseUpgrade, upgradePath } from '../util/ws.ts';
import { createDisplayGate, type DisplayGateDeps, type Redeemed } from './display-gate.ts';
import { openForward, type Forward } from './forward.ts';
import { answerGuacdDown } from './guacd-down.ts';
import { guacdOnly } from './peer-check.ts';
import { watchSilence } from './viewer-silence.ts';
import { createGuacConnections, type GuacConnections } from './guac-connections.ts';
import { watchMachineLogin, type MachineLogin } from './machine-login.ts';
import type { GuacRecordingHandle } from '../recording/guac-recording.ts';

export interface GuacEndpointDeps extends DisplayGateDeps {
  guacd: Guacd;
  tokens: GuacTokens;
  /** A byte stream to one of the desktop's display servers. */
  openDesktop: (desktop: Desktop, channel: 'rdp') => Promise<DesktopLink>;
  /** The protocol of a pool (what its desktops serve), or null for a pool that is gone. */
  poolProtocol: (poolId: string) => Promise<Protocol | null>;
  /** sessionId → guacd's id of the owner's live connection, for helpdesk joins and thumbnails. */
  connections?: GuacConnections;
  /** An existing machine's session: guacd's protocol and parameters (credentials resolved server-side) and a
   *  byte stream to the machine dialled by an agent that may reach it (server/broker/machines.ts). */
  openMachine?: (
    session: Session,
    webSessionId?: string,
  ) => Promise<{ protocol: 'rdp' | 'vnc' | 'ssh'; settings: Record<string, string>; link: DesktopLink }>;
  /** The session's policy (server/broker/policy.ts): clipboard and files. Default DEFAULT_SESSION_POLICY. */
  policyOf?: (session: Session) => Promise<SessionPolicy>;
  /** A file transfer through guacd ended (audited by the gateway as file.upload / file.download). */
  onTransfer?: (session: Session, t: Transfer) => void;
  /** Where existing RDP machines' drive folders live (<dataDir>/guac-drives); without it, no RDP drive. */
  drivesDir?: string;
  /** A viewer silent this long is closed (viewer-silence.ts; config viewerTimeoutS). Default 15 s. */
  viewerTimeoutMs?: number;
  /** guacd's recording parameters for an owner's connection whose policy records (server/recording/guac-recording.ts). */
  recordGuac?: (session: Session) => Promise<GuacRecordingHandle | null>;
}

/** How long a closed display's forward waits for guacd to finish with the target before it is cut. */
const FORWARD_LINGER_MS = 2_000;
/** Browser messages are single instructions; a clipboard blob is the largest (≈ 8 KiB). */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** Text queued toward a slow side before the other side stops being read. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = HIGH_WATER / 4;
/** What a browser may send before guacd is ready (in practice: pings). */
const MAX_EARLY_CHARS = 64 * 1024;

/** guacamole-lite's logger levels (lib/Logger.js): only ERRORS (10) is kept, at debug. Its DEBUG
 *  level prints every instruction, the `connect` with its arguments included: never enabled. */
const GUAC_ERRORS = 10;

export function createGuacEndpoint(deps: GuacEndpointDeps) {
  const { log } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE_BYTES,
    // guacamole-common-js asks for the subprotocol "guacamole".
    handleProtocols: (protocols) => (protocols.has('guacamole') ? 'guacamole' : false),
  });
  const gate = createDisplayGate(deps);
  const owners = deps.connections ?? createGuacConnections();
  const snapshots = snap.createSnapshotRegistry();

  /** The forward's one connection is for guacd only (peer-check.ts). */
  const peerGuard = () =>
    guacdOnly(
      () => deps.guacd.status().pid,
      () => deps.metrics.forwardPeerRefused(),
    );

  async function accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!gate.precheck(req, socket)) return;
    const q = upgradePath(req).searchParams;
    const ticket = deps.tokens.ticketOf(q.get('token') ?? '');
    // guacd down: accepted and closed with 4504, the ticket kept (guacd-down.ts says why).
    if (answerGuacdDown({ wss, guacd: deps.guacd, req, socket, head, ticket, log })) return;
    const r = await gate.redeem(req, socket, ticket ?? '');
    if (!r) return;
    if (!r.session.machineId && (!r.session.poolId || (await deps.poolProtocol(r.session.poolId)) !== 'rdp'))
      return refuseUpgrade(socket, 409, 'this session’s display is VNC: open it at /ws/vnc', 'wrong_display_endpoint');
    const display = browserDisplay(q);
    wss.handleUpgrade(req, socket, head, (browser) => {
      const slog = log.child({ sessionId: r.session.id, mode: r.mode, ...(r.shadowId ? { shadowId: r.shadowId } : {}) });
      const viewer = gate.attach(browser, r, slog);
      void connect(browser, r, viewer.left, slog, display).catch((err: Error) => {
        slog.warn({ err: err.message }, 'could not open an RDP display');
        // A refusal the person can act on (e.g. a passthrough machine without a directory sign-in) says so.
        if (err instanceof DomainError && err.kind === 'conflict') return closeWs(browser, DisplayClose.DesktopFailed, err.message);
        closeWs(browser, DisplayClose.DesktopUnreachable, 'the desktop is unreachable right now; retrying may help');
      });
    });
  }

  async function connect(
    browser: WebSocket,
    r: Redeemed,
    left: () => boolean,
    slog: Logger,
    display: ReturnType<typeof browserDisplay>,
  ): Promise<void> {
    const { session, mode } = r;
    const isOwner = !r.shadowId && mode === 'control';
    let recording: GuacRecordingHandle | null = null;
    let streams: DisplayStreams | undefined;
    // The browser's streams are judged once the policy is known; until then the browser only pings.
    const guard = createGuard(mode, undefined, {
      take: (ins, back, on) =>
        streams ? (streams.fromBrowser?.take(ins, back, on) ?? null) : EARLY_STREAM_OPS.has(ins.opcode) ? '' : null,
      active: () => streams?.fromBrowser?.active() ?? 0,
    });
    let early = '';
    let client: GuacdClient | undefined;
    let opened = false;
    let fwd: Forward | undefined;
    let guacdError: string | null = null;
    let closing = false;
    // Existing VNC machines: a refused password told apart from an unreachable server (machine-login.ts).
    let login: MachineLogin | undefined;
    const own = isOwner ? snap.createOwnerSnapshots((t) => browser.readyState === browser.OPEN && browser.send(t)) : undefined;
    if (own) snapshots.set(session.id, own);

    const finish = (code: number, reason: string) => {
      if (closing) return;
      closing = true;
      silence.stop();
      closeWs(browser, code, reason);
      release(reason);
    };
    /**
     * The display is over: guacd hears `disconnect` and loses this user, and the forward stays up until
     * guacd's client has said goodbye to the target (or FORWARD_LINGER_MS), so guacd's connection
     * process ends in about a second instead of being killed after its 5 s shutdown timeout.
     */
    let released = false;
    const release = (reason: string) => {
      if (released) return; // finish() and then the browser's close both end here
      released = true;
      void recording?.end();
      streams?.close();
      if (client && opened) client.send('10.disconnect;');
      client?.close();
      const f = fwd;
      if (!f) return;
      const linger = setTimeout(() => f.close(reason), FORWARD_LINGER_MS);
      linger.unref();
      void f.done.then(() => clearTimeout(linger));
    };

    const silence = watchViewer(deps.viewerTimeoutMs ?? VIEWER_TIMEOUT_MS, slog, finish);
    // Listen at once: the browser's first pings must not be lost while the desktop is dialled.
    browser.on('message', (data: RawData, isBinary: boolean) => {
      silence.heard();
      if (isBinary) return finish(DisplayClose.BadViewerStream, 'binary messages are not Guacamole instructions');
      const text = data.toString();
      if (own && text.startsWith(snap.SNAPSHOT_PREFIX))
        return void (own.receive(text) || finish(DisplayClose.BadViewerStream, 'a malformed display snapshot'));
      if (r.shadowId && text.startsWith(snap.SNAPSHOT_ACK_PREFIX)) return; // the join's picture is the gateway's stream
      let out;
      try {
        out = guard.receive(text);
      } catch (err) {
        if (!(err instanceof InstructionError)) throw err;
        slog.warn({ reason: err.message }, 'viewer sent a bad instruction');
        return finish(DisplayClose.BadViewerStream, err.message);
      }
      for (const op of out.dropped) deps.metrics.droppedInput(op, 'view_only');
      if (out.input > 0) deps.activity(session.id);
      for (const t of out.toBrowser) browser.send(t);
      if (!out.toGuacd) return;
      if (!opened || !client) {
        early += out.toGuacd;
        if (early.length > MAX_EARLY_CHARS) finish(DisplayClose.BadViewerStream, 'too much input before the display was ready');
        return;
      }
      toGuacd(out.toGuacd);
    });
    browser.once('close', () => {
      closing = true;
      silence.stop();
      release('viewer left');
      if (own) (own.close(), snapshots.remove(session.id, own));
      // A helpdesk join's guacd id is the owner's connection: only the owner's own display unregisters it.
      if (isOwner && client?.guacamoleConnectionId) owners.remove(session.id, client.guacamoleConnectionId);
    });

    const toGuacd = (text: string) => {
      if (!client) return;
      client.send(text);
      const sock = client.guacdConnection;
      if (sock.writableLength > HIGH_WATER && !browser.isPaused) {
        browser.pause();
        sock.once('drain', () => browser.resume());
      }
    };

    const endpoint = deps.guacd.endpoint();
    if (!endpoint) return finish(DisplayClose.GuacdUnavailable, 'guacd is not running right now; reconnecting may help shortly');
    let selector = 'rdp';
    let settings: GuacdSettings;
    const policy = deps.policyOf ? await deps.policyOf(session) : DEFAULT_SESSION_POLICY;
    if (left()) return;
    const streamsFor = (protocol: 'rdp' | 'vnc' | 'ssh', machine: boolean, username?: string) =>
      (streams = displayStreams({
        policy,
        mode,
        join: Boolean(r.shadowId),
        protocol,
        machine,
        sessionId: session.id,
        drivesDir: deps.drivesDir,
        username,
        events: {
          clipboardBlocked: (direction) => deps.metrics.clipboardBlocked(direction, 1),
          transfer: (t) => deps.onTransfer?.(session, t),
        },
      }));
    if (r.shadowId) {
      // The helpdesk joins the owner's guacd connection: a second RDP connection would take the
      // desktop away from its owner (xorgxrdp serves one client).
      const ownerConnection = owners.current(session.id);
      if (!ownerConnection)
        return finish(DisplayClose.DesktopFailed, 'the person’s RDP display is not open right now; try again when they are connected');
      selector = ownerConnection;
      streamsFor('rdp', Boolean(session.machineId));
      settings = joinSettings({ display, mode });
    } else if (session.machineId) {
      if (!deps.openMachine) return finish(DisplayClose.DesktopFailed, 'this gateway does not serve existing machines');
      const m = await deps.openMachine(session, r.webSessionId);
      if (left()) return m.link.close('viewer left');
      login = watchMachineLogin(m.protocol, m.link);
      const extra = streamsFor(m.protocol, true, m.settings.username).params;
      // guacd's SFTP is a second SSH connection to the same host and port: a second stream to the machine.
      const open = deps.openMachine;
      const second = extra['enable-sftp'] ? async () => (await open(session, r.webSessionId)).link : undefined;
      fwd = await openForward({ link: login.link, log: slog, ...peerGuard(), second });
      void fwd.done.then((why) => slog.debug({ why }, 'forward ended'));
      selector = m.protocol;
      settings = machineSettings({ port: fwd.port, display, mode, protocol: m.protocol, settings: m.settings, extra });
    } else {
      if (!r.desktop) return finish(DisplayClose.DesktopFailed, 'this session has no desktop');
      const link = await deps.openDesktop(r.desktop, 'rdp');
      if (left()) return link.close('viewer left');
      fwd = await openForward({ link, log: slog, ...peerGuard() });
      void fwd.done.then((why) => slog.debug({ why }, 'forward ended'));
      const extra = streamsFor('rdp', false).params;
      settings = ownRdpDesktop({ port: fwd.port, display, mode, secret: r.desktop.secret, extra });
    }
    if (left()) return finish(DisplayClose.Normal, 'viewer left');
    // Sound (docs/audio.md): guacd's parameters here, and the gateway drops the streams itself below.
    // Deskport's own RDP desktops too: their agent feeds xrdp's sound channel (agents/process/rdp-sound.ts).
    const sound = displayAudio({
      policyAudio: policy.audio,
      join: Boolean(r.shadowId),
      shadowSound: () => Boolean(r.shadowId && r.shadowSound),
      protocol: selector,
    });
    settings = { ...settings, ...sound.params };
    // A helpdesk join shares the owner's connection, and with it the owner's recording.
    if (!r.shadowId && deps.recordGuac) {
      recording = await deps.recordGuac(session);
      if (recording) settings = { ...settings, ...recording.settings };
      if (left()) return finish(DisplayClose.Normal, 'viewer left');
    }

    const guacLog = {
      log: (level: number, ...args: unknown[]) => level <= GUAC_ERRORS && slog.debug({ guacd: args.map(String).join(' ') }, 'guacd client'),
    };
    const c = new GuacdClient(endpoint, selector, settings, guacLog);
    client = c;
    c.on('open', () => {
      opened = true;
      if (isOwner && c.guacamoleConnectionId) owners.add(session.id, c.guacamoleConnectionId);
      slog.info({ join: Boolean(r.shadowId) }, 'display connected');
      if (early) toGuacd(early);
      early = '';
    });
    const withhold = mode === 'view' ? createClipboardWithholder() : null; // view: never the desktop's clipboard
    let lastSync = '';
    const drawOwnersPicture = async (again: boolean) => {
      const png = await snapshots.request(session.id);
      if (!png || closing || browser.readyState !== browser.OPEN) return;
      for (const t of snap.snapshotInstructions(png, lastSync)) browser.send(t);
      // Once more when the owner's display has settled: the first picture can predate guacd's repaint
      // after the owner's resize for the shadow banner, and, drawn after that repaint reached the join,
      // cover it with the black the repaint had fixed (a static desktop never repaints it again).
      if (again) setTimeout(() => void drawOwnersPicture(false), snap.SNAPSHOT_AGAIN_MS).unref();
    };
    c.on('data', (raw: string) => {
      if (raw.startsWith('4.sync,')) {
        // A join's first sync ends guacd's copy of the display: then the owner's picture goes over it.
        if (r.shadowId && !lastSync) void drawOwnersPicture(true);
        lastSync = /^4\.sync,\d+\.(\d+)/.exec(raw)?.[1] ?? lastSync;
      }
      if (raw.startsWith('5.error,')) {
        raw = login?.explain(raw) ?? raw;
        guacdError = errorMessage(raw);
      }
      if (browser.readyState !== browser.OPEN) return;
      let text: string;
      try {
        // A display that may not hear: what the filter cannot follow closes it (audio.ts fails closed).
        text = sound.filter.filter(raw);
        if (text !== '' && streams && !withhold) text = streams.fromGuacd(text, toGuacd);
        if (text !== '' && withhold) {
          const kept = withhold.filter(text);
          if (kept.withheld > 0) deps.metrics.withheldClipboard(kept.withheld);
          text = kept.text;
        }
      } catch (err) {
        slog.warn({ err: (err as Error).message }, 'guacd sent what the gateway cannot parse');
        return finish(DisplayClose.DesktopFailed, 'the display proxy sent what the gateway cannot read');
      }
      if (text === '') return;
      browser.send(text, (err) => {
        if (!err && c.guacdConnection.isPaused() && browser.bufferedAmount < LOW_WATER) c.guacdConnection.resume();
      });
      deps.metrics.relayBytes('toBrowser', text.length);
      if (browser.bufferedAmount > HIGH_WATER) c.guacdConnection.pause();
    });
    c.on('error', (err: NodeJS.ErrnoException) => {
      slog.warn({ err: err.message, code: err.code }, 'guacd connection failed');
    });
    c.on('close', () => {
      if (closing) return;
      // guacd's own limit for a silent client (15 s) may come first: the same close as the gateway's.
      if (guacdError === VIEWER_NOT_RESPONDING) return silence.silent();
      if (guacdError) return finish(DisplayClose.DesktopFailed, `the desktop connection failed: ${guacdError}`);
      slog.warn('guacd ended the display unexpectedly');
      finish(DisplayClose.GuacdUnavailable, 'the display proxy (guacd) stopped; reconnecting may help');
    });
  }

  return {
    /** The owners' pictures: for helpdesk joins here and shadow-only recordings (server/recording/guac-shadow.ts). */
    snapshots,
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      if (upgradePath(req).pathname !== '/ws/rdp') return false;
      accept(req, socket, head).catch((err) => {
        log.error({ err }, 'display upgrade failed');
        refuseUpgrade(socket, 503, 'the gateway could not open the display');
      });
      return true;
    },
    close(): void {
      for (const c of wss.clients) closeWs(c, DisplayClose.DesktopGone, 'gateway shutting down');
      wss.close();
    },
  };
}

/** Stream instructions a browser sends before the policy is known are dropped: none is legitimate then. */
const EARLY_STREAM_OPS = new Set(['clipboard', 'file', 'put', 'get', 'blob', 'end']);

/** guacd's message when a connected client sent nothing for 15 s (libguac user-handshake.c). */
const VIEWER_NOT_RESPONDING = 'User is not responding.';
const VIEWER_TIMEOUT_MS = 15_000;

/** The silence watchdog of one display, closing it with 4408 (ViewerSilent) and a reason. */
function watchViewer(timeoutMs: number, slog: Logger, finish: (code: number, reason: string) => void) {
  const silent = () => {
    slog.info({ timeoutS: timeoutMs / 1000 }, 'viewer sent nothing in time; closing its display');
    finish(DisplayClose.ViewerSilent, `the viewer sent nothing for ${Math.round(timeoutMs / 1000)} s; its display was closed`);
  };
  return { ...watchSilence({ timeoutMs, onSilent: silent }), silent };
}

/** The message of guacd's `error` instruction (5.error,LEN.MESSAGE,LEN.STATUS;), trimmed for a close reason. */
function errorMessage(text: string): string {
  const m = /^5\.error,\d+\.([^,;]*)/.exec(text);
  return (m?.[1] ?? 'guacd reported an error').replace(/[^\x20-\x7e]/g, '?').slice(0, 60);
}
