// The viewer's connection: one explicit state machine around noVNC's RFB. Every attempt gets a FRESH
// ticket (tickets are single-use, 30 s); unexpected drops reconnect with capped backoff + jitter; and
// each attempt first asks for the session, so an ended desktop says so instead of retrying forever,
// and an unknown (or someone else's) session says that instead. Where tickets come from is pluggable
// (a TicketSource): the owner's session (sessionTicketSource, the default) or a helpdesk shadow
// (modules/viewer/shadowTicketSource).
import type RFB from '@novnc/novnc';
import { isApiError } from '../../api/client.ts';
import { createTicket, getSession, isFinal, type Session, type Ticket } from '../../api/desktops.ts';
import { backoffDelay } from '../backoff.ts';
import { publishDebug, type RfbDebugState } from './debugHook.ts';
import { accessEndedNote } from './disconnectNote.ts';
import { toWebSocketUrl } from './wsUrl.ts';

/** What to do before asking for a ticket. */
export type Preflight =
  | { kind: 'open' }
  | { kind: 'ended'; message: string }
  /** Not now, try again with backoff (`hostLost`: the machine stopped answering). */
  | { kind: 'retry'; hostLost?: boolean }
  /** Another page takes over: the connection stops, then `run` runs. */
  | { kind: 'handoff'; run(): void };

export interface TicketSource {
  /** Runs before every attempt. */
  preflight(): Promise<Preflight>;
  ticket(): Promise<Ticket>;
  /** WebSocket close codes that end the viewer for good, with what to say (e.g. DisplayClose.ShadowEnded for a shadow).
   *  The access codes (account disabled, access revoked) end every viewer without being listed. */
  endCodes?: Readonly<Record<number, string>>;
  /** False for a shadow: it must not resize the owner's screen. */
  resizeSession?: boolean;
  /** Set on the display: input is not sent (view-only shadows). */
  viewOnly?: boolean;
}

export type ViewerState =
  | { kind: 'idle' }
  | { kind: 'connecting'; everConnected: boolean }
  | { kind: 'connected' }
  | { kind: 'reconnecting'; retry: number; retryAt: number; everConnected: boolean; hostLost?: boolean }
  | { kind: 'closed' }
  /** `title` is set when the ending has its own heading (access taken away); `message` is then the whole text. */
  | { kind: 'ended'; message: string; title?: string }
  /** The gateway does not know this session, or it is not the person's to open. */
  | { kind: 'notFound' }
  | { kind: 'unsupported'; protocol: string };

type Kind = ViewerState['kind'];

/** States with no desktop behind the page (any more): the toolbar's desktop actions are off. */
export function withoutDesktop(state: ViewerState): boolean {
  return state.kind === 'ended' || state.kind === 'notFound' || state.kind === 'unsupported';
}

const TRANSITIONS: Record<Kind, readonly Kind[]> = {
  idle: ['connecting'],
  connecting: ['connected', 'reconnecting', 'closed', 'ended', 'notFound', 'unsupported'],
  connected: ['reconnecting', 'closed', 'ended'],
  reconnecting: ['connecting', 'closed', 'ended'],
  closed: ['connecting'],
  ended: [],
  notFound: [],
  unsupported: [],
};

export interface ViewerConnectionOptions {
  sessionId: string;
  /** Where tickets come from; the session's own tickets when omitted. */
  source?: TicketSource;
  /** Extra fields for `window.__deskport` (e.g. `shadowId`). */
  debug?: { shadowId?: string };
  /** The element noVNC draws into. */
  target: HTMLElement;
  onState(state: ViewerState): void;
  /** Text the remote desktop put on its clipboard. */
  onClipboard(text: string): void;
  onSession?(session: Session): void;
  /** The session is still starting: the launch page should take over (session tickets only). */
  onNotReady?(session: Session): void;
  /** Swappable for tests: opens the display socket (handed to noVNC), so its close code is known. */
  openSocket?: (url: string) => WebSocket;
  /** Swappable for tests; loads noVNC lazily so sign-in does not download it. */
  loadRfb?: () => Promise<typeof RFB>;
}

const DISPLAY_BACKGROUND = '#0e1116';

export function endedMessage(session: Session): string {
  if (session.state === 'failed') return session.error ?? 'The desktop failed to run.';
  if (session.state === 'lost') return 'The machine running this desktop stopped answering.';
  if (session.state === 'ending') return 'The desktop is shutting down.';
  return 'It was ended, or it was idle for too long.';
}

/** The owner's tickets: checks the session first (ended, lost, still starting), then asks for a control ticket. */
export function sessionTicketSource(
  sessionId: string,
  hooks: { onSession?(session: Session): void; onNotReady?(session: Session): void },
): TicketSource {
  return {
    async preflight() {
      const session = await getSession(sessionId);
      hooks.onSession?.(session);
      // A lost session comes back if its host returns: keep trying, and say why it takes long.
      if (session.state === 'lost') return { kind: 'retry', hostLost: true };
      if (isFinal(session.state) || session.state === 'ending') return { kind: 'ended', message: endedMessage(session) };
      if (session.state === 'starting') return { kind: 'handoff', run: () => hooks.onNotReady?.(session) };
      return { kind: 'open' };
    },
    ticket: () => createTicket(sessionId, 'control'),
  };
}

export class ViewerConnection {
  private state: ViewerState = { kind: 'idle' };
  private rfb: RFB | undefined;
  private generation = 0;
  private retries = 0;
  private attempts = 0;
  private everConnected = false;
  private userClosing = false;
  private disposed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly source: TicketSource;

  constructor(private readonly options: ViewerConnectionOptions) {
    this.source = options.source ?? sessionTicketSource(options.sessionId, options);
  }

  start(): void {
    void this.attempt();
  }

  /** Skips the backoff wait (the overlay's "Reconnect now"), or reconnects after "Disconnect". */
  reconnectNow(): void {
    if (this.state.kind !== 'reconnecting' && this.state.kind !== 'closed') return;
    clearTimeout(this.timer);
    void this.attempt();
  }

  /** The person chose to leave the display; the desktop keeps running. */
  disconnect(): void {
    clearTimeout(this.timer);
    if (this.rfb) {
      this.userClosing = true;
      this.rfb.disconnect();
    } else if (this.state.kind === 'connecting' || this.state.kind === 'reconnecting') {
      this.generation++;
      this.move({ kind: 'closed' });
    }
  }

  sendCtrlAltDel(): void {
    this.rfb?.sendCtrlAltDel();
  }

  pasteToRemote(text: string): void {
    this.rfb?.clipboardPasteFrom(text);
  }

  focus(): void {
    this.rfb?.focus();
  }

  /** Stops everything; safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    clearTimeout(this.timer);
    const rfb = this.rfb;
    this.rfb = undefined;
    rfb?.disconnect();
    this.publish('disconnected');
  }

  private async attempt(): Promise<void> {
    const generation = ++this.generation;
    const stale = (): boolean => this.disposed || generation !== this.generation;
    this.attempts++;
    this.move({ kind: 'connecting', everConnected: this.everConnected });
    try {
      const next = await this.source.preflight();
      if (stale()) return;
      if (next.kind === 'retry') return this.retryLater(next.hostLost ?? false);
      if (next.kind === 'ended') return this.move({ kind: 'ended', message: next.message });
      if (next.kind === 'handoff') {
        this.dispose();
        return next.run();
      }
      const ticket = await this.source.ticket();
      if (stale()) return;
      if (ticket.protocol !== 'vnc') return this.move({ kind: 'unsupported', protocol: ticket.protocol });
      const RFBClass = await (this.options.loadRfb ?? loadNoVnc)();
      if (stale()) return;
      this.open(RFBClass, toWebSocketUrl(ticket.url), generation);
    } catch (e) {
      if (stale()) return;
      // 401: api() already sent the person to sign in; this page is going away.
      if (isApiError(e) && e.status === 401) return this.dispose();
      // 404: no such session, or another person's; 403: staff may look but not open it; 400: the id
      // in the link is malformed. Retrying changes none of these.
      if (isApiError(e) && (e.status === 400 || e.status === 403 || e.status === 404)) return this.move({ kind: 'notFound' });
      console.warn('Viewer: connection attempt failed', e);
      this.retryLater();
    }
  }

  private open(RFBClass: typeof RFB, url: string, generation: number): void {
    // The socket is opened here (noVNC takes an open channel) so its close code is known: noVNC's
    // own disconnect event does not carry it, and some codes mean "stop, do not reconnect".
    let closeCode: number | undefined;
    const ws = (this.options.openSocket ?? ((u: string) => new WebSocket(u)))(url);
    ws.addEventListener('close', (ev) => {
      closeCode = ev.code;
    });
    const rfb = new RFBClass(this.options.target, ws);
    rfb.scaleViewport = true;
    rfb.resizeSession = this.source.resizeSession ?? true;
    rfb.viewOnly = this.source.viewOnly ?? false;
    rfb.focusOnClick = true;
    rfb.background = DISPLAY_BACKGROUND;
    rfb.addEventListener('connect', () => {
      if (this.rfb !== rfb) return;
      this.retries = 0;
      this.everConnected = true;
      this.move({ kind: 'connected' });
      rfb.focus();
    });
    rfb.addEventListener('disconnect', (ev) => {
      if (this.rfb !== rfb) return;
      this.rfb = undefined;
      if (this.userClosing) {
        this.userClosing = false;
        return this.move({ kind: 'closed' });
      }
      // Access taken away: say so and stop; a reconnect could only fail (or send a disabled person to sign in).
      const gone = accessEndedNote(closeCode);
      if (gone && generation === this.generation) return this.move({ kind: 'ended', title: gone.title, message: gone.text });
      const ended = closeCode === undefined ? undefined : this.source.endCodes?.[closeCode];
      if (ended !== undefined && generation === this.generation) return this.move({ kind: 'ended', message: ended });
      console.warn(`Viewer: display connection dropped (clean=${ev.detail.clean})`);
      this.retryLater();
    });
    rfb.addEventListener('clipboard', (ev) => {
      if (this.rfb === rfb) this.options.onClipboard(ev.detail.text);
    });
    rfb.addEventListener('securityfailure', (ev) => {
      console.warn('Viewer: the display refused the connection', ev.detail);
    });
    this.rfb = rfb;
  }

  private retryLater(hostLost = false): void {
    const delay = backoffDelay(this.retries++);
    this.move({
      kind: 'reconnecting',
      retry: this.retries,
      retryAt: Date.now() + delay,
      everConnected: this.everConnected,
      ...(hostLost ? { hostLost } : {}),
    });
    this.timer = setTimeout(() => void this.attempt(), delay);
  }

  private move(next: ViewerState): void {
    if (!TRANSITIONS[this.state.kind].includes(next.kind)) {
      throw new Error(`viewer: illegal transition ${this.state.kind} -> ${next.kind}`);
    }
    this.state = next;
    this.publish(next.kind === 'connecting' ? 'connecting' : next.kind === 'connected' ? 'connected' : 'disconnected');
    this.options.onState(next);
  }

  private publish(rfbState: RfbDebugState): void {
    publishDebug({ rfbState, sessionId: this.options.sessionId, attempts: this.attempts, ...this.options.debug });
  }
}

let noVnc: Promise<typeof RFB> | undefined;

/** Loads noVNC once; the launch page calls it early so the viewer does not wait for the download. */
export function loadNoVnc(): Promise<typeof RFB> {
  noVnc ??= import('@novnc/novnc').then((mod) => mod.default);
  noVnc.catch(() => {
    noVnc = undefined;
  });
  return noVnc;
}
