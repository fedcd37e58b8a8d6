// Live display connections per session, so the broker knows who is watching (grace timer,
// `viewers` count) and can close them when the session ends. The displays are this gateway's; the
// counts of other gateways sharing the store arrive over the cluster bus (server/cluster/), each
// entry kept only while its gateway keeps repeating it, so a gateway that died stops counting.
import { RemoteCounts } from '../cluster/remote-counts.ts';
import type { TicketMode } from '../store/types.ts';

export interface Viewer {
  userId: string;
  mode: TicketMode;
  /** Set for a helpdesk viewer: the shadow that let it in. */
  shadowId?: string;
  close(code: number, reason: string): void;
}

/** Which displays to close; every given field must match. Plain data, so it can go to other gateways. */
export interface ViewerSelector {
  sessionId?: string;
  userId?: string;
  shadowId?: string;
  /** Only helpdesk viewers (those let in by a shadow). */
  shadowsOnly?: boolean;
}

export interface ViewersOptions {
  /** This gateway's count on a session changed (to tell the other gateways). */
  onCount?: (sessionId: string, count: number) => void;
  /** Displays to close on the other gateways too. */
  onClose?: (sel: ViewerSelector, code: number, reason: string) => void;
  /** Whether the other gateways' counts are all known yet (a gateway just started has not heard them all). */
  settled?: () => boolean;
}

export class Viewers {
  private bySession = new Map<string, Set<Viewer>>();
  /** The other gateways' displays per session. */
  private remote = new RemoteCounts();

  constructor(private readonly opts: ViewersOptions = {}) {}

  add(sessionId: string, v: Viewer): number {
    const set = this.bySession.get(sessionId) ?? new Set();
    set.add(v);
    this.bySession.set(sessionId, set);
    this.opts.onCount?.(sessionId, set.size);
    return set.size;
  }

  remove(sessionId: string, v: Viewer): number {
    const set = this.bySession.get(sessionId);
    if (!set?.delete(v)) return set?.size ?? 0;
    if (set.size === 0) this.bySession.delete(sessionId);
    this.opts.onCount?.(sessionId, set.size);
    return set.size;
  }

  /** Displays open on the session, on this gateway and (as last heard) on the others. */
  count(sessionId: string): number {
    return (this.bySession.get(sessionId)?.size ?? 0) + this.remote.sum(sessionId);
  }

  /** Displays open on the session on this gateway. */
  localCount(sessionId: string): number {
    return this.bySession.get(sessionId)?.size ?? 0;
  }

  /** Whether count() is whole: false while this gateway may not yet have heard every other gateway's counts. */
  settled(): boolean {
    return this.opts.settled?.() ?? true;
  }

  /** This gateway's displays, all sessions (metrics). */
  total(): number {
    let n = 0;
    for (const s of this.bySession.values()) n += s.size;
    return n;
  }

  /** This gateway's displays, with their sessions. */
  *local(): Generator<[string, Viewer]> {
    for (const [sessionId, set] of this.bySession) for (const v of set) yield [sessionId, v];
  }

  /** This gateway's counts per session, for the other gateways. */
  localCounts(): [string, number][] {
    return [...this.bySession].map(([id, set]) => [id, set.size]);
  }

  /** Another gateway's counts as it said them at `at`; a 0 removes the entry. */
  setRemote(gatewayId: string, counts: [string, number][], at: number): void {
    this.remote.set(gatewayId, counts, at);
  }

  /**
   * Forgets what other gateways said before `olderThan` (or everything of `gatewayId`, which said
   * goodbye). Returns the sessions that now have no display anywhere.
   */
  expireRemote(olderThan: number, gatewayId?: string): string[] {
    return this.remote.expire(olderThan, gatewayId).filter((sessionId) => this.localCount(sessionId) === 0);
  }

  /** Closes the displays `sel` picks, here and on the other gateways; returns how many were here. */
  close(sel: ViewerSelector, code: number, reason: string): number {
    this.opts.onClose?.(sel, code, reason);
    return this.closeHere(sel, code, reason);
  }

  /** Closes only this gateway's displays that `sel` picks (what another gateway asked for). */
  closeHere(sel: ViewerSelector, code: number, reason: string): number {
    const sessions = sel.sessionId !== undefined ? [sel.sessionId] : [...this.bySession.keys()];
    let n = 0;
    for (const sessionId of sessions) {
      for (const v of [...(this.bySession.get(sessionId) ?? [])]) {
        if (sel.userId !== undefined && v.userId !== sel.userId) continue;
        if (sel.shadowId !== undefined && v.shadowId !== sel.shadowId) continue;
        if (sel.shadowsOnly && v.shadowId === undefined) continue;
        v.close(code, reason);
        n++;
      }
    }
    return n;
  }

  closeShadow(sessionId: string, shadowId: string, code: number, reason: string): void {
    this.close({ sessionId, shadowId }, code, reason);
  }

  closeAll(sessionId: string, code: number, reason: string): void {
    this.close({ sessionId }, code, reason);
  }
}
