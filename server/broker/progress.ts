// Per-session launch progress and state events for the SSE stream. Late subscribers get the steps
// so far; the backlog is bounded and dropped once the session settles.
import type { ShadowView } from './shadows.ts';
import type { SessionView } from './views.ts';

export type ProgressStep = 'queued' | 'placing' | 'creating' | 'pulling' | 'starting' | 'waiting_display' | 'ready';
export type SessionEvent =
  | { kind: 'progress'; step: ProgressStep; message: string; at: number }
  | { kind: 'state'; session: SessionView }
  | { kind: 'shadow'; shadow: ShadowView };

type Listener = (e: SessionEvent) => void;
const MAX_BACKLOG = 16;
const MAX_LISTENERS_PER_SESSION = 32;

export class SessionEvents {
  private listeners = new Map<string, Set<Listener>>();
  private backlog = new Map<string, SessionEvent[]>();

  emit(sessionId: string, e: SessionEvent): void {
    if (e.kind === 'progress') {
      const b = this.backlog.get(sessionId) ?? [];
      if (b.length < MAX_BACKLOG) b.push(e);
      this.backlog.set(sessionId, b);
    } else if (e.kind === 'state' && e.session.state !== 'starting') {
      this.backlog.delete(sessionId);
    }
    for (const l of this.listeners.get(sessionId) ?? []) l(e);
  }

  /** Replays the progress so far, then streams. Returns the unsubscribe function, or null when full. */
  subscribe(sessionId: string, l: Listener): (() => void) | null {
    const set = this.listeners.get(sessionId) ?? new Set();
    if (set.size >= MAX_LISTENERS_PER_SESSION) return null;
    set.add(l);
    this.listeners.set(sessionId, set);
    for (const e of this.backlog.get(sessionId) ?? []) l(e);
    return () => {
      set.delete(l);
      if (set.size === 0) this.listeners.delete(sessionId);
    };
  }

  forget(sessionId: string): void {
    this.backlog.delete(sessionId);
  }
}
