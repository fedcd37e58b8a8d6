// The viewer's connection: one explicit state machine around a remote display. Every attempt gets a FRESH
// ticket (tickets are single-use, 30 s); unexpected drops reconnect with capped backoff + jitter; and
// each attempt first asks for the session, so an ended desktop says so instead of retrying forever,
// and an unknown (or someone else's) session says that instead. Where tickets come from is pluggable
// (a TicketSource): the owner's session (sessionTicketSource, the default) or a helpdesk shadow
// (modules/viewer/shadowTicketSource). The display itself is noVNC for VNC desktops and
// guacamole-common-js for RDP/SSH ones (remoteDisplay.ts), each loaded lazily as its own chunk.
import type RFB from '@novnc/novnc';
import { isApiError } from '../../api/client.ts';
import { createTicket, getSession, isFinal, type Session, type Ticket } from '../../api/desktops.ts';
import { backoffDelay } from '../backoff.ts';
import { publishDebug, type RfbDebugState } from './debugHook.ts';
import { accessEndedNote } from './disconnectNote.ts';
import type { MakeFileSource } from '../files/guacSlot.ts';
import type { Note } from './guac/guacStatus.ts';
import { noVncDisplay } from './novncDisplay.ts';
import type { DisplayDrop, OpenDisplay, RemoteDisplay } from './remoteDisplay.ts';

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
  /** `note`: why, when it is not the usual (e.g. guacd is restarting). */
  | { kind: 'reconnecting'; retry: number; retryAt: number; everConnected: boolean; hostLost?: boolean; note?: Note }
  | { kind: 'closed' }
  /** `title` is set when the ending has its own heading (access taken away); `message` is then the whole text. */
  | { kind: 'ended'; message: string; title?: string }
  /** The display refused to open for a reason retrying alone does not fix (wrong credentials, certificate refused…); "Try again" is by hand. */
  | { kind: 'failed'; title: string; message: string }
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
  connecting: ['connected', 'reconnecting', 'closed', 'ended', 'failed', 'notFound', 'unsupported'],
  connected: ['reconnecting', 'closed', 'ended', 'failed'],
  reconnecting: ['connecting', 'closed', 'ended'],
  closed: ['connecting'],
  failed: ['connecting'],
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
  /** The element the display draws into. */
  target: HTMLElement;
  onState(state: ViewerState): void;
  /** Text the remote desktop put on its clipboard. */
  onClipboard(text: string): void;
  onSession?(session: Session): void;
  /** An existing RDP/SSH machine's files through guacd (guacSource.ts), or null when the display went. */
  onFiles?(make: MakeFileSource | null): void;
  /** The session is still starting: the launch page should take over (session tickets only). */
  onNotReady?(session: Session): void;
  /** Swappable for tests: opens the display socket (handed to noVNC), so its close code is known. */
  openSocket?: (url: string) => WebSocket;
  /** Swappable for tests; loads noVNC lazily so sign-in does not download it. */
  loadRfb?: () => Promise<typeof RFB>;
  /** Swappable for tests; loads the RDP/SSH display (guacamole-common-js) lazily. */
  loadGuac?: () => Promise<OpenDisplay>;
}

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
  private display: RemoteDisplay | undefined;
  private protocol: string | undefined;
  /** Why the display keeps dropping (guacd away), kept across retries that say nothing new until one connects. */
  private retryNote: Note | undefined;
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

  /** Skips the backoff wait (the overlay's "Reconnect now"), or reconnects after "Disconnect" or a failure. */
  reconnectNow(): void {
    if (this.state.kind !== 'reconnecting' && this.state.kind !== 'closed' && this.state.kind !== 'failed') return;
    clearTimeout(this.timer);
    void this.attempt();
  }

  /** The person chose to leave the display; the desktop keeps running. */
  disconnect(): void {
    clearTimeout(this.timer);
    if (this.display) {
      this.userClosing = true;
      this.display.disconnect();
    } else if (this.state.kind === 'connecting' || this.state.kind === 'reconnecting') {
      this.generation++;
      this.move({ kind: 'closed' });
    }
  }

  sendCtrlAltDel(): void {
    this.display?.sendCtrlAltDel();
  }

  pasteToRemote(text: string): void {
    this.display?.paste(text);
  }

  focus(): void {
    this.display?.focus();
  }

  /** Stops everything; safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    clearTimeout(this.timer);
    const display = this.display;
    this.display = undefined;
    display?.disconnect();
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
      const open = await this.engine(ticket.protocol, ticket.url);
      if (stale()) return;
      if (!open) return this.move({ kind: 'unsupported', protocol: ticket.protocol });
      this.protocol = ticket.protocol;
      this.open(open, ticket.url, generation);
    } catch (e) {
      if (stale()) return;
      // 401: api() already sent the person to sign in; this page is going away.
      if (isApiError(e) && e.status === 401) return this.dispose();
      // 404: no such session, or another person's; 403: staff may look but not open it; 400: the id
      // in the link is malformed. Retrying changes none of these.
      if (isApiError(e) && (e.status === 400 || e.status === 403 || e.status === 404)) return this.move({ kind: 'notFound' });
      // A passthrough machine and no directory sign-in behind this browser: only signing in again helps.
      if (isApiError(e) && e.code === 'directory_sign_in_required')
        return this.move({ kind: 'failed', title: 'Sign in with your directory account', message: e.message });
      console.warn('Viewer: connection attempt failed', e);
      this.retryLater();
    }
  }

  /** The display engine for a ticket, loaded on first use; undefined for one this viewer does not know. Everything
   *  on /ws/rdp goes through guacd (existing VNC machines too); /ws/vnc is noVNC's. */
  private async engine(protocol: string, url: string): Promise<OpenDisplay | undefined> {
    if (url.startsWith('/ws/rdp')) return (this.options.loadGuac ?? loadGuacDisplay)();
    if (protocol === 'vnc') return noVncDisplay(await (this.options.loadRfb ?? loadNoVnc)(), this.options.openSocket);
    if (protocol === 'rdp' || protocol === 'ssh') return (this.options.loadGuac ?? loadGuacDisplay)();
    return undefined;
  }

  private open(open: OpenDisplay, url: string, generation: number): void {
    let display: RemoteDisplay | undefined;
    const mine = (): boolean => display !== undefined && this.display === display;
    display = open(
      {
        target: this.options.target,
        url,
        resizeSession: this.source.resizeSession ?? true,
        viewOnly: this.source.viewOnly ?? false,
      },
      {
        connected: () => {
          if (!mine()) return;
          this.retries = 0;
          this.retryNote = undefined;
          this.everConnected = true;
          this.move({ kind: 'connected' });
        },
        dropped: (drop) => {
          if (!mine()) return;
          this.display = undefined;
          this.dropped(drop, generation);
        },
        clipboard: (text) => {
          if (mine()) this.options.onClipboard(text);
        },
        files: (make) => {
          if (mine() || make === null) this.options.onFiles?.(make);
        },
      },
    );
    this.display = display;
  }

  private dropped(drop: DisplayDrop, generation: number): void {
    if (this.userClosing) {
      this.userClosing = false;
      return this.move({ kind: 'closed' });
    }
    const { closeCode } = drop;
    // Access taken away: say so and stop; a reconnect could only fail (or send a disabled person to sign in).
    const gone = accessEndedNote(closeCode);
    if (gone && generation === this.generation) return this.move({ kind: 'ended', title: gone.title, message: gone.text });
    const ended = closeCode === undefined ? undefined : this.source.endCodes?.[closeCode];
    if (ended !== undefined && generation === this.generation) return this.move({ kind: 'ended', message: ended });
    if (drop.fail) {
      console.warn(`Viewer: the display failed (${drop.fail.title}; close code ${closeCode ?? 'none'})`);
      return this.move({ kind: 'failed', title: drop.fail.title, message: drop.fail.text });
    }
    console.warn(`Viewer: display connection dropped (clean=${drop.clean}, close code ${closeCode ?? 'none'})`);
    // While guacd is away every attempt ends with 4504 and the note; a drop in between that says
    // nothing new (1006, a network blip) keeps saying why.
    this.retryNote = drop.retryNote ?? this.retryNote;
    this.retryLater(false, this.retryNote);
  }

  private retryLater(hostLost = false, note?: Note): void {
    const delay = backoffDelay(this.retries++);
    this.move({
      kind: 'reconnecting',
      retry: this.retries,
      retryAt: Date.now() + delay,
      everConnected: this.everConnected,
      ...(hostLost ? { hostLost } : {}),
      ...(note ? { note } : {}),
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
    publishDebug({
      rfbState,
      sessionId: this.options.sessionId,
      attempts: this.attempts,
      ...(this.protocol ? { protocol: this.protocol } : {}),
      ...this.options.debug,
    });
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

let guac: Promise<OpenDisplay> | undefined;

/** Loads the RDP/SSH display (guacamole-common-js) once; the launch page calls it early for RDP pools. */
export function loadGuacDisplay(): Promise<OpenDisplay> {
  guac ??= import('./guac/guacDisplay.ts').then((mod) => mod.openGuacDisplay);
  guac.catch(() => {
    guac = undefined;
  });
  return guac;
}
