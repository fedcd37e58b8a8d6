// Live display connections per session, so the broker knows who is watching (grace timer,
// `viewers` count) and can close them all when the session ends.
import type { TicketMode } from '../store/types.ts';

export interface Viewer {
  userId: string;
  mode: TicketMode;
  /** Set for a helpdesk viewer: the shadow that let it in. */
  shadowId?: string;
  close(code: number, reason: string): void;
}

export class Viewers {
  private bySession = new Map<string, Set<Viewer>>();

  add(sessionId: string, v: Viewer): number {
    const set = this.bySession.get(sessionId) ?? new Set();
    set.add(v);
    this.bySession.set(sessionId, set);
    return set.size;
  }

  remove(sessionId: string, v: Viewer): number {
    const set = this.bySession.get(sessionId);
    if (!set) return 0;
    set.delete(v);
    if (set.size === 0) this.bySession.delete(sessionId);
    return set.size;
  }

  count(sessionId: string): number {
    return this.bySession.get(sessionId)?.size ?? 0;
  }

  total(): number {
    let n = 0;
    for (const s of this.bySession.values()) n += s.size;
    return n;
  }

  closeShadow(sessionId: string, shadowId: string, code: number, reason: string): void {
    for (const v of [...(this.bySession.get(sessionId) ?? [])]) if (v.shadowId === shadowId) v.close(code, reason);
  }

  /** Closes the displays `userId` holds (on every session, or only those `which` picks); returns how many. */
  closeUser(userId: string, code: number, reason: string, which: (sessionId: string, v: Viewer) => boolean = () => true): number {
    let n = 0;
    for (const [sessionId, set] of [...this.bySession]) {
      for (const v of [...set]) {
        if (v.userId !== userId || !which(sessionId, v)) continue;
        v.close(code, reason);
        n++;
      }
    }
    return n;
  }

  closeAll(sessionId: string, code: number, reason: string): void {
    for (const v of [...(this.bySession.get(sessionId) ?? [])]) v.close(code, reason);
  }
}
