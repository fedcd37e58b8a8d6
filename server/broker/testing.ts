// Test doubles of the broker's unit tests, written once: a scripted fake host control that records
// requests and plays back create outcomes (no agent, no desktops), and a broker context over a real
// store. For tests only (the real host control is the agent hub).
import type { AgentRequest } from '../../contract/agent-v1.ts';
import { createAudit } from '../audit.ts';
import type { Clock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import type { Session, Store, User } from '../store/types.ts';
import type { Broker } from './broker.ts';
import { SessionEvents } from './session-events.ts';
import type { BrokerCtx, BrokerMetrics, HostControl } from './transitions.ts';
import { Viewers } from './viewers.ts';

type Body = Omit<AgentRequest, 'id'>;

/** Scripted fake host control: records requests; creates succeed unless `failCreate` names an error, and can be held. */
export class ScriptedHosts implements HostControl {
  requests: { hostId: string; body: Body }[] = [];
  connected: Set<string>;
  /** When set, every desktop create fails with this message. */
  failCreate: string | null = null;
  private held: { gate: Promise<void>; arrived: () => void } | null = null;

  constructor(connected: readonly string[] = ['h1']) {
    this.connected = new Set(connected);
  }

  async request(hostId: string, body: Body) {
    if (!this.connected.has(hostId)) throw new Error('the desktop host is not connected');
    this.requests.push({ hostId, body });
    if (body.type === 'desktop.create') {
      if (this.held) {
        this.held.arrived();
        await this.held.gate;
      }
      if (this.failCreate) throw new Error(this.failCreate);
    }
    return {};
  }

  isConnected(hostId: string) {
    return this.connected.has(hostId);
  }

  /** The request bodies of one type, in order. */
  sent(type: Body['type']): Body[] {
    return this.requests.filter((r) => r.body.type === type).map((r) => r.body);
  }

  creates() {
    return this.requests.filter((r) => r.body.type === 'desktop.create');
  }

  /** Holds desktop creates until `release()`; `arrived` resolves when the first held create reached the host. */
  holdCreates(): { arrived: Promise<void>; release: () => void } {
    let release!: () => void;
    let arrived!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reached = new Promise<void>((r) => (arrived = r));
    this.held = { gate, arrived };
    return { arrived: reached, release: () => ((this.held = null), release()) };
  }
}

/** The broker's context over `store`, with silent logs and metrics unless given. */
export function testBrokerCtx(store: Store, clock: Clock, hosts: HostControl, metrics: Partial<BrokerMetrics> = {}): BrokerCtx {
  return {
    store,
    clock,
    log: silentLogger(),
    audit: createAudit(store, silentLogger()),
    hosts,
    events: new SessionEvents(),
    viewers: new Viewers(),
    stopping: false,
    creating: new Set(),
    metrics: { launchSeconds: () => undefined, sessionEnded: () => undefined, ticketRejected: () => undefined, ...metrics },
  };
}

/** Launches `poolId` for `user` through `broker` and waits until the session is ready (it must be). */
export async function launchReady(broker: Pick<Broker, 'launch' | 'idle'>, store: Store, user: User, poolId: string): Promise<Session> {
  const { session } = await broker.launch(user, poolId, null);
  await broker.idle();
  const s = await store.getSession(session.id);
  if (s?.state !== 'ready') throw new Error(`the session is ${s?.state ?? 'gone'}, not ready`);
  return s;
}
