// One gateway's shared-state parts, assembled: its session event streams and displays, told to and
// by the other gateways on its store (cluster.ts), its displays checked against the store when a
// close may have been lost (display-recheck.ts), and with several gateways its row in the gateway
// registry, the gateway list its agents follow, and host states kept in line with who holds which
// agent (hosts.ts presence). On SQLite the same parts, with nobody to tell.
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { SessionEvents } from '../broker/session-events.ts';
import { Viewers } from '../broker/viewers.ts';
import { startDisplayRecheck } from '../display/display-recheck.ts';
import type { Hello } from '../../contract/agent-v1.ts';
import type { HostEvents } from '../broker/hosts.ts';
import type { AgentHub } from '../hub/agent-hub.ts';
import type { Store } from '../store/types.ts';
import { createCluster, STALE_MS } from './cluster.ts';

/** What the cluster needs of the agent side, wired once the hub and the host events exist. */
interface AgentSide {
  /** Hosts whose agents this gateway holds, and each one's hello. */
  held(): string[];
  hello(hostId: string): Hello | undefined;
  /** Tell the connected agents the gateway list changed. */
  announce(urls: string[]): void;
  hostAway(hostId: string): Promise<void>;
  presence: HostEvents['presence'];
  /** Whether this gateway runs the broker's sweep. */
  leading(): boolean;
}

/** Gateway rows not seen for this long are deleted (they are ignored after STALE_MS already). */
const FORGET_GATEWAYS_MS = 3600_000;

export function createGatewayCluster(o: {
  gatewayId: string;
  store: Store;
  clock: Clock;
  log: Logger;
  /** The session has no display on any gateway any more: its grace starts (broker.viewerDetached). */
  detached: (sessionId: string) => Promise<void>;
  /** Where agents reach this gateway directly (config advertiseUrl); without it agents keep one connection. */
  advertiseUrl?: string | undefined;
}) {
  const { store, log, clock } = o;
  const startedAt = clock.now();
  let agents: AgentSide | undefined;
  /** Every live gateway's advertised URL, as last read from the registry (this one's first). */
  let urls: string[] = [];
  let beating = false;
  let beats = 0;

  /** Each heartbeat: this gateway's registry row, the gateway list agents follow, host presence. */
  async function onHeartbeat(): Promise<void> {
    if (!store.signals.shared || beating) return;
    beating = true;
    try {
      const now = clock.now();
      await store.heartbeatGateway({ id: o.gatewayId, url: o.advertiseUrl ?? '', startedAt, seenAt: now });
      if (++beats % 720 === 0) await store.deleteStaleGateways(now - FORGET_GATEWAYS_MS);
      const live = (await store.listGateways(now - STALE_MS)).map((g) => g.url).filter((u) => u !== '');
      if (o.advertiseUrl && live.join() !== urls.join()) {
        urls = live;
        agents?.announce(urls);
      }
      await agents?.presence({
        hello: (id) => agents?.hello(id),
        heldElsewhere: (id) => cluster.heldElsewhere(id) > 0,
        settled: cluster.settled(),
        leading: agents.leading(),
      });
    } catch (err) {
      log.warn({ err }, 'gateway heartbeat bookkeeping failed');
    } finally {
      beating = false;
    }
  }
  const events = new SessionEvents();
  let recheck: ReturnType<typeof startDisplayRecheck> | undefined;
  const cluster = createCluster({
    gatewayId: o.gatewayId,
    signals: store.signals,
    clock: o.clock,
    log,
    events,
    viewers: () => viewers,
    // A gateway went silent with the last displays of these sessions.
    onEmptied: (ids) =>
      ids.forEach((id) => void o.detached(id).catch((err) => log.warn({ err, sessionId: id }, 'detach bookkeeping failed'))),
    // A close from another gateway may have been lost meanwhile: check every display here.
    onGap: () => void recheck?.all(),
    onHeartbeat: () => void onHeartbeat(),
    heldHosts: () => agents?.held() ?? [],
    // No other gateway holds these hosts' agents any more: unreachable unless this one does (and it has heard everyone).
    onHostsDropped: (ids) => {
      if (!cluster.settled()) return;
      for (const id of ids)
        if (!agents?.hello(id)) void agents?.hostAway(id).catch((err) => log.warn({ err, hostId: id }, 'host away bookkeeping failed'));
    },
  });
  const viewers = new Viewers({ ...cluster.viewersHooks, settled: cluster.settled });
  // With other gateways, a lost close is caught by checking helpdesk displays against the store.
  if (store.signals.shared) recheck = startDisplayRecheck({ store, viewers, log });
  return {
    events,
    viewers,
    cluster,
    /**
     * Connects the agent side once the hub and host events exist (before start): an agent dropping
     * here is away only if no other gateway holds it.
     */
    wireAgents(a: { hub: AgentHub; hostEvents: HostEvents; leading: () => boolean }) {
      const { hub, hostEvents } = a;
      hub.setEvents({ ...hostEvents, hostDisconnected: (id) => hostEvents.hostDisconnected(id, cluster.heldElsewhere(id) > 0) });
      agents = {
        held: () => hub.connectedHosts(),
        hello: (id) => hub.connection(id)?.hello,
        announce: (list) => hub.announceGateways(list),
        hostAway: (id) => hostEvents.hostDisconnected(id),
        presence: (p) => hostEvents.presence(p),
        leading: a.leading,
      };
    },
    /** For the hub's welcome: this gateway's URL and every gateway's; null without several gateways advertising. */
    gatewayList(): { self: string; all: string[] } | null {
      if (!store.signals.shared || !o.advertiseUrl) return null;
      return { self: o.advertiseUrl, all: urls.includes(o.advertiseUrl) ? urls : [o.advertiseUrl, ...urls] };
    },
    /** An agent connection opened or closed here; another gateway's closing is decided with hostsElsewhere. */
    hostHeld: (hostId: string, held: boolean) => cluster.hostHeld(hostId, held),
    heldElsewhere: (hostId: string) => cluster.heldElsewhere(hostId) > 0,
    start: () => cluster.start(),
    async stop() {
      recheck?.stop();
      await cluster.stop();
      if (store.signals.shared) await store.deleteGateway(o.gatewayId).catch(() => undefined);
    },
  };
}
