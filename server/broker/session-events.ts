// Per-session launch progress and state events for the SSE stream. Late subscribers get the steps
// so far; the backlog is bounded and dropped once the session settles. Streams are capped per
// person and per session so that staff watching a session can never shut its owner out. Events
// travel to the other gateways sharing the store (server/cluster/), whose streams deliver them too.
import type { ProgressStep, SessionView, ShadowView } from '../../contract/api/desktops.ts';

export type { ProgressStep };
export type SessionEvent =
  | { kind: 'progress'; step: ProgressStep; message: string; at: number }
  | { kind: 'state'; session: SessionView }
  | { kind: 'shadow'; shadow: ShadowView };

type Listener = (e: SessionEvent) => void;

/** Who holds a stream. */
export interface Watcher {
  userId: string;
  /** The session's owner: never refused; their oldest stream makes room for a new one instead. */
  owner: boolean;
  /** Called when a newer stream of the same owner took this stream's place. */
  onEvicted?: () => void;
  /** Called when events may have been missed (the gateway lost the others' signals for a while): end the stream so the page reconnects and reads the session again. */
  onRestart?: () => void;
}

export type Subscription = { ok: true; unsubscribe: () => void } | { ok: false; reason: string };

const MAX_BACKLOG = 16;
/** Sessions whose launch steps are kept at once; a launch whose final event never came is forgotten first. */
const MAX_BACKLOG_SESSIONS = 2_000;
/** Streams one person may hold on one session (open tabs: launch page, viewer). */
export const MAX_STREAMS_PER_WATCHER = 8;
/** Streams of everyone but the owner on one session, together (the owner's are not counted). */
export const MAX_OTHER_STREAMS_PER_SESSION = 32;

interface Entry {
  listener: Listener;
  watcher: Watcher;
}

export class SessionEvents {
  // A Set keeps insertion order: the first entry of a person is their oldest stream.
  private listeners = new Map<string, Set<Entry>>();
  private backlog = new Map<string, SessionEvent[]>();
  private observers: ((sessionId: string, e: SessionEvent) => void)[] = [];
  /** Set by the cluster: passes this gateway's events on to the others. */
  relay: ((sessionId: string, e: SessionEvent) => void) | undefined;

  /** Sees every event of every session (the recorder decides from them); not a stream, no caps. */
  observe(fn: (sessionId: string, e: SessionEvent) => void): void {
    this.observers.push(fn);
  }

  emit(sessionId: string, e: SessionEvent): void {
    for (const fn of this.observers) fn(sessionId, e);
    this.relay?.(sessionId, e);
    this.deliver(sessionId, e);
  }

  /** An event of this session from another gateway: to the streams here (its observers ran there). */
  deliver(sessionId: string, e: SessionEvent): void {
    if (e.kind === 'progress') {
      const b = this.backlog.get(sessionId) ?? [];
      if (b.length < MAX_BACKLOG) b.push(e);
      this.backlog.set(sessionId, b);
      // A Map keeps insertion order: the oldest launch goes first.
      if (this.backlog.size > MAX_BACKLOG_SESSIONS) this.backlog.delete(this.backlog.keys().next().value as string);
    } else if (e.kind === 'state' && e.session.state !== 'starting') {
      this.backlog.delete(sessionId);
    }
    for (const { listener } of [...(this.listeners.get(sessionId) ?? [])]) listener(e);
  }

  /**
   * Admits a stream within the caps, replays the progress so far, then streams. A person over their
   * own cap, or a non-owner when the session's other streams are full, is refused with a reason.
   */
  subscribe(sessionId: string, watcher: Watcher, listener: Listener): Subscription {
    const set = this.listeners.get(sessionId) ?? new Set<Entry>();
    const mine = [...set].filter((x) => x.watcher.userId === watcher.userId);
    if (mine.length >= MAX_STREAMS_PER_WATCHER) {
      if (!watcher.owner)
        return { ok: false, reason: `You have ${mine.length} event streams open on this session already; close some tabs.` };
      const oldest = mine[0]!;
      set.delete(oldest);
      oldest.watcher.onEvicted?.();
    }
    if (!watcher.owner && [...set].filter((x) => !x.watcher.owner).length >= MAX_OTHER_STREAMS_PER_SESSION) {
      return { ok: false, reason: 'This session has too many event streams open; try again later.' };
    }
    const entry: Entry = { listener, watcher };
    set.add(entry);
    this.listeners.set(sessionId, set);
    for (const e of this.backlog.get(sessionId) ?? []) listener(e);
    return {
      ok: true,
      unsubscribe: () => {
        const cur = this.listeners.get(sessionId);
        if (!cur?.delete(entry)) return;
        if (cur.size === 0) this.listeners.delete(sessionId);
      },
    };
  }

  /** Ends every stream (each page reconnects and reads its session again): events may have been missed. */
  restartAll(): void {
    for (const set of [...this.listeners.values()]) for (const { watcher } of [...set]) watcher.onRestart?.();
  }

  /** Open streams on the session (for tests and metrics). */
  count(sessionId: string): number {
    return this.listeners.get(sessionId)?.size ?? 0;
  }

  forget(sessionId: string): void {
    this.backlog.delete(sessionId);
  }
}
