// This gateway's part in a group of gateways sharing one store (docs/store.md "Between gateways"):
// passes its session events and display closes to the others, tells them its display counts every
// HEARTBEAT_MS, and applies theirs. On SQLite there is nobody to tell and this costs nothing.
// Signals are at most once: a gateway that stops hearing even its own heartbeat is deaf, keeps
// every count it has and says it is not settled, and after a gap it restarts its event streams.
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { SessionEvent, SessionEvents } from '../broker/session-events.ts';
import type { Viewers, ViewerSelector } from '../broker/viewers.ts';
import type { Signals } from '../store/signal-types.ts';
import { RemoteCounts } from './remote-counts.ts';
import {
  COUNTS_PER_MESSAGE,
  Envelope,
  MAX_CLOSE_REASON_CHARS,
  MAX_ERROR_CHARS,
  MAX_PROGRESS_CHARS,
  type ClusterMessage,
} from './messages.ts';

export const HEARTBEAT_MS = 5_000;
/** A count not repeated for this long is forgotten: its gateway died or lost the database. */
export const STALE_MS = 3 * HEARTBEAT_MS;

export interface ClusterOptions {
  gatewayId: string;
  signals: Signals;
  clock: Clock;
  log: Logger;
  events: SessionEvents;
  /** Built with viewersHooks() of this cluster. */
  viewers: () => Viewers;
  /** Sessions that have no display on any gateway any more because one went silent (start their grace). */
  onEmptied?: (sessionIds: string[]) => void;
  /** Signals may have been missed (the listener was away): check this gateway's own displays against the store. */
  onGap?: () => void;
  /** Each heartbeat, after the others' counts were aged (the gateway registry writes here). */
  onHeartbeat?: () => void;
  /** The hosts whose agents this gateway holds a connection of (repeated every heartbeat). */
  heldHosts?: () => string[];
  /** Hosts no other gateway holds any more (one said goodbye, or went silent): this gateway decides whether they are unreachable. */
  onHostsDropped?: (hostIds: string[]) => void;
}

export interface Cluster {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * True once this gateway has listened for STALE_MS without a gap and still hears its own
   * heartbeat: its picture of the others' displays is then whole.
   */
  settled(): boolean;
  /** The other gateways heard from within STALE_MS. */
  peers(): string[];
}

/** An event as it may travel: its free text cut to what a signal carries. */
function travelling(e: SessionEvent): SessionEvent {
  if (e.kind === 'progress') return e.message.length > MAX_PROGRESS_CHARS ? { ...e, message: e.message.slice(0, MAX_PROGRESS_CHARS) } : e;
  if (e.kind === 'state' && e.session.error && e.session.error.length > MAX_ERROR_CHARS)
    return { ...e, session: { ...e.session, error: e.session.error.slice(0, MAX_ERROR_CHARS) } };
  return e;
}

export function createCluster(o: ClusterOptions) {
  const { clock, log } = o;
  const heard = new Map<string, number>();
  /** Gateways that said goodbye: anything of theirs arriving late (publishes overtake) is dropped. */
  const gone = new Map<string, number>();
  let listeningSince = Number.POSITIVE_INFINITY;
  let selfHeardAt = Number.NEGATIVE_INFINITY;
  let unlisten: (() => Promise<void>) | undefined;
  let beat: NodeJS.Timeout | undefined;
  let failing = false;
  let stopped = false;
  /** The agent connections other gateways hold, per host. */
  const hosts = new RemoteCounts();

  const deaf = () => clock.now() - Math.max(selfHeardAt, listeningSince) > STALE_MS;

  function send(m: ClusterMessage): void {
    if (!o.signals.shared || stopped) return;
    const text = JSON.stringify({ g: o.gatewayId, m } satisfies Envelope);
    o.signals.publish(text).then(
      () => {
        if (failing) log.info('the other gateways can be told again');
        failing = false;
      },
      (err: Error) => {
        // Logged once per outage, not per message: the database being away is reported elsewhere.
        if (!failing) log.warn({ err: { message: err.message }, type: m.t }, 'could not tell the other gateways; this message is lost');
        failing = true;
      },
    );
  }

  function sendCounts(counts: [string, number][]): void {
    for (let i = 0; i < counts.length; i += COUNTS_PER_MESSAGE) send({ t: 'viewers', counts: counts.slice(i, i + COUNTS_PER_MESSAGE) });
  }

  function sendHeld(held: [string, 0 | 1][]): void {
    for (let i = 0; i < held.length; i += COUNTS_PER_MESSAGE) send({ t: 'hosts', held: held.slice(i, i + COUNTS_PER_MESSAGE) });
  }

  function heartbeat(): void {
    send({ t: 'alive' });
    sendCounts(o.viewers().localCounts());
    sendHeld((o.heldHosts?.() ?? []).map((id) => [id, 1]));
    const now = clock.now();
    for (const [gw, at] of gone) if (now - at > STALE_MS) gone.delete(gw);
    // Deaf, this gateway cannot tell a dead gateway from its own silence: it keeps what it has.
    if (!deaf()) {
      for (const [gw, at] of heard) if (now - at > STALE_MS) heard.delete(gw);
      const emptied = o.viewers().expireRemote(now - STALE_MS);
      if (emptied.length > 0) o.onEmptied?.(emptied);
      const dropped = hosts.expire(now - STALE_MS);
      if (dropped.length > 0) o.onHostsDropped?.(dropped);
    }
    o.onHeartbeat?.();
  }

  function apply(from: string, m: ClusterMessage, now: number): void {
    switch (m.t) {
      case 'event':
        return o.events.deliver(m.s, m.e);
      case 'close':
        return void o.viewers().closeHere(m.sel, m.code, m.reason);
      case 'viewers':
        return o.viewers().setRemote(from, m.counts, now);
      case 'hosts': {
        hosts.set(from, m.held, now);
        const dropped = m.held.filter(([id, held]) => held === 0 && hosts.sum(id) === 0).map(([id]) => id);
        if (dropped.length > 0) o.onHostsDropped?.(dropped);
        return;
      }
      case 'alive':
        return;
      case 'bye': {
        heard.delete(from);
        gone.set(from, now);
        const emptied = o.viewers().expireRemote(Number.NEGATIVE_INFINITY, from);
        if (emptied.length > 0) o.onEmptied?.(emptied);
        const dropped = hosts.expire(Number.NEGATIVE_INFINITY, from);
        if (dropped.length > 0) o.onHostsDropped?.(dropped);
      }
    }
  }

  function receive(text: string): void {
    let env: Envelope;
    try {
      const parsed = Envelope.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid');
      env = parsed.data;
    } catch (err) {
      log.warn({ err: { message: (err as Error).message } }, 'dropped a malformed message from another gateway');
      return;
    }
    const now = clock.now();
    if (env.g === o.gatewayId) {
      selfHeardAt = now; // ours, back from PostgreSQL (applied when sent): proof this gateway hears
      return;
    }
    if (gone.has(env.g)) return;
    const isNew = !heard.has(env.g);
    heard.set(env.g, now);
    // A gateway just started (or back from silence): say we are here at once, not at our next heartbeat.
    if (isNew) send({ t: 'alive' });
    // A listener's throw would surface inside the database driver's socket handler: contained here.
    try {
      apply(env.g, env.m, now);
    } catch (err) {
      log.error({ err, type: env.m.t }, 'applying a message from another gateway failed');
    }
  }

  function gap(): void {
    log.info('listening to the other gateways again; messages sent meanwhile are lost');
    listeningSince = clock.now(); // not settled again until it has heard a whole heartbeat round
    o.events.restartAll();
    o.onGap?.();
  }

  const cluster = {
    /** An agent connection here opened (true) or closed (false): the other gateways hear it. */
    hostHeld: (hostId: string, held: boolean) => sendHeld([[hostId, held ? 1 : 0]]),

    /** How many other gateways hold a connection of this host's agent (as last heard). */
    heldElsewhere: (hostId: string) => hosts.sum(hostId),

    /** Hooks for `new Viewers(...)`: its changes and closes go to the other gateways. */
    viewersHooks: {
      onCount: (sessionId: string, n: number) => send({ t: 'viewers', counts: [[sessionId, n]] }),
      onClose: (sel: ViewerSelector, code: number, reason: string) =>
        send({ t: 'close', sel, code, reason: reason.slice(0, MAX_CLOSE_REASON_CHARS) }),
    },

    async start() {
      if (!o.signals.shared) return void (listeningSince = Number.NEGATIVE_INFINITY);
      o.events.relay = (sessionId, e) => send({ t: 'event', s: sessionId, e: travelling(e) });
      unlisten = await o.signals.listen(receive, gap);
      listeningSince = clock.now();
      beat = setInterval(heartbeat, HEARTBEAT_MS);
      beat.unref();
      heartbeat();
    },

    async stop() {
      if (stopped) return;
      stopped = true; // nothing of this gateway goes out after its goodbye
      if (beat) clearInterval(beat);
      beat = undefined;
      o.events.relay = undefined;
      if (unlisten) {
        await o.signals.publish(JSON.stringify({ g: o.gatewayId, m: { t: 'bye' } } satisfies Envelope)).catch(() => undefined);
        await unlisten();
        unlisten = undefined;
      }
    },

    settled: () => !o.signals.shared || (clock.now() - listeningSince >= STALE_MS && !deaf()),

    peers: () => [...heard].filter(([, at]) => clock.now() - at <= STALE_MS).map(([gw]) => gw),

    /** A message as it came off the signals (tests drive receive directly). */
    receive,
  };
  return cluster satisfies Cluster;
}
