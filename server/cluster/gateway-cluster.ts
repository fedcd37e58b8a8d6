// One gateway's shared-state parts, assembled: its session event streams and displays, told to and
// by the other gateways on its store (cluster.ts), its displays checked against the store when a
// close may have been lost (display-recheck.ts), and with several gateways its row in the gateway
// registry, the gateway list its agents follow, and host states kept in line with who holds which
// agent (hosts.ts presence). On SQLite the same parts, with nobody to tell.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock.ts';
import { newId } from '../util/random.ts';
import type { Logger } from '../log.ts';
import { SessionEvents } from '../broker/session-events.ts';
import { Viewers } from '../broker/viewers.ts';
import { startDisplayRecheck } from '../display/display-recheck.ts';
import { GatewayUrl, MAX_GATEWAYS } from '../../contract/agent-v1.ts';
import type { HostEvents } from '../broker/hosts.ts';
import type { AgentHub } from '../hub/agent-hub.ts';
import type { Store } from '../store/types.ts';
import { createCluster, HEARTBEAT_MS, STALE_MS } from './cluster.ts';

/** What the cluster needs of the agent side, wired once the hub and the host events exist. */
interface AgentSide {
  hub: AgentHub;
  hostEvents: HostEvents;
  /** Whether this gateway runs the broker's sweep. */
  leading(): boolean;
}

/**
 * This gateway's id, and the id its previous run on this data directory had (kept in
 * DATA/gateway-id): a registry row of that id is this gateway's own past, not another gateway.
 */
export function gatewayIdentity(dataDir: string): { id: string; previous: string | null } {
  const file = join(dataDir, 'gateway-id');
  let previous: string | null = null;
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (/^gw-[0-9a-f]{1,64}$/.test(text)) previous = text;
  } catch {
    // first start on this data directory
  }
  const id = newId('gw');
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return { id, previous };
}

/** Gateway rows not seen for this long are deleted (they are ignored after STALE_MS already). */
const FORGET_GATEWAYS_MS = 3600_000;

export function createGatewayCluster(o: {
  gatewayId: string;
  /** This gateway's id in its previous run (gatewayIdentity): not counted among the others. */
  previousId?: string | null;
  store: Store;
  clock: Clock;
  log: Logger;
  /** The session has no display on any gateway any more: its grace starts (broker.viewerDetached). */
  detached: (sessionId: string) => Promise<void>;
  /** Where agents reach this gateway directly (config advertiseUrl); without it agents keep one connection. */
  advertiseUrl?: string | undefined;
  /** Other gateways may share the store (PostgreSQL): registry, gateway list and presence run. */
  severalGateways: boolean;
  /** Agents silent for this long are away (config agentTimeoutS). */
  agentTimeoutMs: number;
  /** At start, how long a gateway in the registry has to be heard on the signals to count (default one heartbeat round and a margin). */
  peerWaitMs?: number;
}) {
  const { store, log, clock } = o;
  const startedAt = clock.now();
  let agents: AgentSide | undefined;
  /** Every live gateway's advertised URL, as last read from the registry (this one's first). */
  let urls: string[] = [];
  let beating = false;
  let beats = 0;

  const writeRow = (now: number) => store.heartbeatGateway({ id: o.gatewayId, url: o.advertiseUrl ?? '', startedAt, seenAt: now });

  /** Each heartbeat: this gateway's registry row, the gateway list agents follow, host presence. */
  async function onHeartbeat(): Promise<void> {
    if (!o.severalGateways || beating) return;
    beating = true;
    try {
      const now = clock.now();
      await writeRow(now);
      if (++beats % 720 === 0) await store.deleteStaleGateways(now - FORGET_GATEWAYS_MS);
      // Only addresses an agent accepts, at most as many as it keeps (a bad row must not make every welcome unreadable).
      const live = (await store.listGateways(now - STALE_MS))
        .map((g) => g.url)
        .filter((u) => GatewayUrl.safeParse(u).success)
        .slice(0, MAX_GATEWAYS);
      if (o.advertiseUrl && live.join() !== urls.join()) {
        urls = live;
        agents?.hub.announceGateways(gatewayList()?.all ?? []);
      }
      if (!agents) return;
      const { hub } = agents;
      await agents.hostEvents.presence({
        heldHere: (id) => hub.connection(id) !== undefined,
        heldElsewhere: (id) => cluster.heldElsewhere(id) > 0,
        resync: (id) => hub.resync(id),
        staleBefore: now - o.agentTimeoutMs,
        settled: cluster.settled(),
        leading: agents.leading(),
      });
    } catch (err) {
      log.warn({ err }, 'gateway heartbeat bookkeeping failed');
    } finally {
      beating = false;
    }
  }

  /** For the hub's welcome: this gateway's URL and every gateway's; null without several gateways advertising. */
  function gatewayList(): { self: string; all: string[] } | null {
    if (!o.severalGateways || !o.advertiseUrl) return null;
    const all = urls.includes(o.advertiseUrl) ? urls : [o.advertiseUrl, ...urls];
    return { self: o.advertiseUrl, all: all.slice(0, MAX_GATEWAYS) };
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
    heldHosts: () => agents?.hub.connectedHosts() ?? [],
  });
  const viewers = new Viewers({ ...cluster.viewersHooks, settled: cluster.settled });
  // With other gateways, a lost close is caught by checking helpdesk displays against the store.
  if (store.signals.shared) recheck = startDisplayRecheck({ store, viewers, log });
  return {
    events,
    viewers,
    cluster,
    /** Connects the agent side once the hub and host events exist (before start). */
    wireAgents(a: AgentSide) {
      agents = a;
      a.hub.setEvents(a.hostEvents);
    },
    gatewayList,
    /** Whether other gateways run on the store now (a starting gateway then touches nothing of theirs). */
    async others(): Promise<boolean> {
      if (!o.severalGateways) return false;
      // A restart within 15 s finds its own previous row: alone, it must still clean up after itself.
      if (o.previousId) await store.deleteGateway(o.previousId);
      // Its own row first: of two gateways starting together, at least one sees the other's.
      await writeRow(clock.now());
      const rows = (await store.listGateways(clock.now() - STALE_MS)).filter((g) => g.id !== o.gatewayId && g.id !== o.previousId);
      // A fresh row may be a process that died without a goodbye (all gateways restarted at once):
      // only a gateway heard on the signals within a heartbeat round counts. Waits only while unheard.
      const deadline = Date.now() + (o.peerWaitMs ?? HEARTBEAT_MS + 1_500);
      for (;;) {
        const heard = new Set(cluster.peers());
        if (rows.some((g) => heard.has(g.id))) return true;
        if (rows.length === 0 || Date.now() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    /** No other gateway runs on the store now: none heard, and this one has listened long enough to know. */
    alone: () => !o.severalGateways || (cluster.settled() && cluster.peers().length === 0),
    /** An agent connection opened or closed here; another gateway's closing is decided with hostsElsewhere. */
    hostHeld: (hostId: string, held: boolean) => cluster.hostHeld(hostId, held),
    start: () => cluster.start(),
    async stop() {
      recheck?.stop();
      await cluster.stop();
      if (o.severalGateways) await store.deleteGateway(o.gatewayId).catch(() => undefined);
    },
  };
}
