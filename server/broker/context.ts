// What the broker's parts share: dependencies plus the guarded state moves. Every session and
// desktop state change goes through moveSession/moveDesktop, which check the transition table.
import type { Audit } from '../audit.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { AgentRequest } from '../protocol/agent-v1.ts';
import type { Desktop, DesktopState, Session, SessionState, Store } from '../store/types.ts';
import { desktopMachine, sessionMachine } from './lifecycles.ts';
import type { SessionEvents } from './progress.ts';
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
  /** Set while the gateway shuts down: agent disconnects then are ours, not the hosts' fault. */
  stopping: boolean;
}

export async function moveSession(ctx: BrokerCtx, s: Session, to: SessionState, patch: Partial<Session> = {}): Promise<Session> {
  sessionMachine.check(s.state, to);
  const now = ctx.clock.now();
  const terminal = to === 'ended' || to === 'failed';
  const next = await ctx.store.updateSession(s.id, { ...patch, state: to, ...(terminal ? { endedAt: now } : {}) });
  if (!next) throw new Error(`session ${s.id} vanished from the store`);
  ctx.events.emit(s.id, { kind: 'state', session: sessionView(next, ctx.viewers.count(s.id)) });
  ctx.log.info({ sessionId: s.id, from: s.state, to, error: next.error ?? undefined }, 'session state');
  return next;
}

export async function moveDesktop(ctx: BrokerCtx, d: Desktop, to: DesktopState, patch: Partial<Desktop> = {}): Promise<Desktop> {
  if (d.state === to) return d;
  desktopMachine.check(d.state, to);
  const next = await ctx.store.updateDesktop(d.id, { ...patch, state: to, updatedAt: ctx.clock.now() });
  if (!next) throw new Error(`desktop ${d.id} vanished from the store`);
  ctx.log.info({ desktopId: d.id, hostId: d.hostId, from: d.state, to }, 'desktop state');
  return next;
}

/** Stops a desktop on its host and records it gone; a failure is recorded, never thrown. */
export async function destroyDesktop(ctx: BrokerCtx, d: Desktop): Promise<void> {
  let cur = d;
  try {
    if (cur.state === 'gone') return;
    if (cur.state !== 'stopping') cur = await moveDesktop(ctx, cur, 'stopping');
    await ctx.hosts.request(cur.hostId, { type: 'desktop.destroy', desktopId: cur.id }, 30_000);
    await moveDesktop(ctx, cur, 'gone');
  } catch (err) {
    ctx.log.warn({ desktopId: d.id, err: (err as Error).message }, 'could not destroy desktop; will retry when its host reconnects');
    if (cur.state !== 'failed') await moveDesktop(ctx, cur, 'failed', { error: (err as Error).message }).catch(() => undefined);
  }
}
