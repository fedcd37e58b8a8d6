// What the broker's parts share: dependencies plus the guarded state moves. Every session and
// desktop state change goes through moveSession/moveDesktop, which check the transition table.
import type { Audit } from '../audit.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Guacd } from '../guacd/guacd.ts';
import type { AgentRequest } from '../../contract/agent-v1.ts';
import type { Desktop, DesktopState, Session, SessionState, Store } from '../store/types.ts';
import { desktopMachine, sessionMachine } from './lifecycles.ts';
import type { SessionEvents } from './session-events.ts';
import type { Viewers } from './viewers.ts';
import { sessionView } from './views.ts';

type RequestBody = AgentRequest extends infer R ? (R extends AgentRequest ? Omit<R, 'id'> : never) : never;

/** How the broker reaches hosts; the agent hub implements it, unit tests use a scripted fake. */
export interface HostControl {
  request(hostId: string, body: RequestBody, timeoutMs?: number): Promise<Record<string, unknown>>;
  isConnected(hostId: string): boolean;
}

export interface BrokerMetrics {
  launchSeconds(seconds: number, warm: boolean): void;
  sessionEnded(reason: string): void;
  ticketRejected(reason: string): void;
}

export interface BrokerCtx {
  store: Store;
  clock: Clock;
  log: Logger;
  audit: Audit;
  hosts: HostControl;
  events: SessionEvents;
  viewers: Viewers;
  metrics: BrokerMetrics;
  /** RDP/SSH pools need it; absent (tests, --no-guacd) means they are unavailable. */
  guacd?: Guacd;
  /** Set while the gateway shuts down: agent disconnects then are ours, not the hosts' fault. */
  stopping: boolean;
  /** Desktops whose create request this process is waiting on; a `creating` row not in here was
   *  left by an earlier process and is settled from the host's inventory. */
  creating: Set<string>;
  /** Session recording (server/recording/service.ts): the launch check and whether a session is recorded now. */
  recording?: {
    /** Throws 503 recording_unavailable when the pool or machine must be recorded and recordings cannot be written. */
    admit(target: { poolId: string } | { machineId: string }): Promise<void>;
    isActive(sessionId: string): boolean;
  };
}

/**
 * Moves a session from the state the caller saw to `to`, as a compare-and-set: null when another
 * flow moved it first (the caller re-reads and decides again). Illegal moves throw.
 */
export async function moveSession(ctx: BrokerCtx, s: Session, to: SessionState, patch: Partial<Session> = {}): Promise<Session | null> {
  sessionMachine.check(s.state, to);
  const now = ctx.clock.now();
  const terminal = to === 'ended' || to === 'failed';
  const next = await ctx.store.updateSessionIf(s.id, { state: [s.state] }, { ...patch, state: to, ...(terminal ? { endedAt: now } : {}) });
  if (!next) {
    ctx.log.debug({ sessionId: s.id, from: s.state, to }, 'session moved meanwhile; transition not applied');
    return null;
  }
  ctx.events.emit(s.id, { kind: 'state', session: sessionView(next, ctx.viewers.count(s.id), ctx.recording?.isActive(s.id)) });
  ctx.log.info({ sessionId: s.id, from: s.state, to, error: next.error ?? undefined }, 'session state');
  return next;
}

/** Compare-and-set like moveSession: null when the desktop's state changed meanwhile. */
export async function moveDesktop(ctx: BrokerCtx, d: Desktop, to: DesktopState, patch: Partial<Desktop> = {}): Promise<Desktop | null> {
  if (d.state === to) return d;
  desktopMachine.check(d.state, to);
  const next = await ctx.store.updateDesktopIf(d.id, { state: [d.state] }, { ...patch, state: to, updatedAt: ctx.clock.now() });
  if (!next) {
    ctx.log.debug({ desktopId: d.id, from: d.state, to }, 'desktop moved meanwhile; transition not applied');
    return null;
  }
  ctx.log.info({ desktopId: d.id, hostId: d.hostId, from: d.state, to }, 'desktop state');
  return next;
}

/** Stops a desktop on its host and records it gone; a failure is recorded, never thrown. */
export async function destroyDesktop(ctx: BrokerCtx, d: Desktop): Promise<void> {
  let cur = d;
  try {
    if (cur.state === 'gone') return;
    if (cur.state !== 'stopping') {
      const moved = await moveDesktop(ctx, cur, 'stopping');
      if (!moved) return; // another flow is already stopping (or finished) it
      cur = moved;
    }
    await ctx.hosts.request(cur.hostId, { type: 'desktop.destroy', desktopId: cur.id }, 30_000);
    await moveDesktop(ctx, cur, 'gone');
  } catch (err) {
    ctx.log.warn({ desktopId: d.id, err: (err as Error).message }, 'could not destroy desktop; will retry when its host reconnects');
    if (cur.state !== 'failed') await moveDesktop(ctx, cur, 'failed', { error: (err as Error).message }).catch(() => undefined);
  }
}
