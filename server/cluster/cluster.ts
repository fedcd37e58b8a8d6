// This gateway's part in a group of gateways sharing one store (docs/store.md "Several gateways"):
// passes its session events and display closes to the others, tells them its display counts every
// HEARTBEAT_MS, and applies theirs. On SQLite there is nobody to tell and this costs nothing.
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { SessionEvents } from '../broker/session-events.ts';
import type { Viewers } from '../broker/viewers.ts';
import type { Signals } from '../store/signal-types.ts';
import { COUNTS_PER_MESSAGE, Envelope, type ClusterMessage } from './messages.ts';

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
}

export interface Cluster {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * True once this gateway has listened for STALE_MS: its picture of the others' displays is then
   * whole. Until then a session without displays here may have some elsewhere.
   */
  settled(): boolean;
  /** The other gateways heard from within STALE_MS. */
  peers(): string[];
}

export function createCluster(o: ClusterOptions) {
  const { clock, log } = o;
  const heard = new Map<string, number>();
  let startedAt = Number.POSITIVE_INFINITY;
  let unlisten: (() => Promise<void>) | undefined;
  let beat: NodeJS.Timeout | undefined;
  let failing = false;

  function send(m: ClusterMessage): void {
    if (!o.signals.shared) return;
    const text = JSON.stringify({ g: o.gatewayId, m } satisfies Envelope);
    o.signals.publish(text).then(
      () => {
        if (failing) log.info('the other gateways can be told again');
        failing = false;
      },
      (err: Error) => {
        // Logged once per outage, not per message: the database being away is reported elsewhere.
        if (!failing)
          log.warn({ err: { message: err.message }, type: m.t }, 'could not tell the other gateways; they learn at the next heartbeat');
        failing = true;
      },
    );
  }

  function sendCounts(counts: [string, number][]): void {
    for (let i = 0; i < counts.length; i += COUNTS_PER_MESSAGE) send({ t: 'viewers', counts: counts.slice(i, i + COUNTS_PER_MESSAGE) });
  }

  function heartbeat(): void {
    send({ t: 'alive' });
    sendCounts(o.viewers().localCounts());
    const now = clock.now();
    for (const [gw, at] of heard) if (now - at > STALE_MS) heard.delete(gw);
    const emptied = o.viewers().expireRemote(now - STALE_MS);
    if (emptied.length > 0) o.onEmptied?.(emptied);
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
    if (env.g === o.gatewayId) return; // ours, back from PostgreSQL: applied when sent
    const now = clock.now();
    heard.set(env.g, now);
    const m = env.m;
    switch (m.t) {
      case 'event':
        o.events.deliver(m.s, m.e);
        break;
      case 'close':
        o.viewers().closeHere(m.sel, m.code, m.reason);
        break;
      case 'viewers':
        o.viewers().setRemote(env.g, m.counts, now);
        break;
      case 'alive':
        break;
      case 'bye': {
        heard.delete(env.g);
        const emptied = o.viewers().expireRemote(Number.NEGATIVE_INFINITY, env.g);
        if (emptied.length > 0) o.onEmptied?.(emptied);
        break;
      }
    }
  }

  const cluster = {
    /** Hooks for `new Viewers(...)`: its changes and closes go to the other gateways. */
    viewersHooks: {
      onCount: (sessionId: string, n: number) => send({ t: 'viewers', counts: [[sessionId, n]] }),
      onClose: (sel: Parameters<Viewers['close']>[0], code: number, reason: string) => send({ t: 'close', sel, code, reason }),
    },

    async start() {
      if (!o.signals.shared) return void (startedAt = Number.NEGATIVE_INFINITY);
      o.events.relay = (sessionId, e) => send({ t: 'event', s: sessionId, e });
      // Messages lost while the listener was away: nothing to fetch, the heartbeats carry the counts
      // again and a stream's client asks for the session when it reconnects.
      unlisten = await o.signals.listen(receive, () => log.info('listening to the other gateways again'));
      startedAt = clock.now();
      beat = setInterval(heartbeat, HEARTBEAT_MS);
      beat.unref();
      heartbeat();
    },

    async stop() {
      if (beat) clearInterval(beat);
      beat = undefined;
      o.events.relay = undefined;
      if (unlisten) {
        await o.signals.publish(JSON.stringify({ g: o.gatewayId, m: { t: 'bye' } } satisfies Envelope)).catch(() => undefined);
        await unlisten();
        unlisten = undefined;
      }
    },

    settled: () => clock.now() - startedAt >= STALE_MS,

    peers: () => [...heard].filter(([, at]) => clock.now() - at <= STALE_MS).map(([gw]) => gw),

    /** A message as it came off the signals (tests drive receive directly). */
    receive,
  };
  return cluster satisfies Cluster;
}

export type GatewayCluster = ReturnType<typeof createCluster>;
