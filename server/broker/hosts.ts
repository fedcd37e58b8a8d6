// Host reconciliation: when an agent says hello, its inventory is the truth about which desktops
// still run. Survivors are re-adopted (lost sessions come back), vanished desktops end their
// sessions, and desktops the gateway does not know (orphans) are destroyed.
import type { DesktopProgressEvent, DesktopStateEvent, Hello } from '../../contract/agent-v1.ts';
import { ALL_ROWS, type Desktop, type Host } from '../store/types.ts';
import type { Broker } from './broker.ts';
import { destroyDesktop, moveDesktop, moveSession, type BrokerCtx } from './transitions.ts';
import { moveHost } from './host-state.ts';
import { DisplayClose } from '../../contract/display.ts';

/**
 * `severalGateways`: other gateways may share the store (PostgreSQL). An inventory is then
 * reconciled once per agent boot (the agent says hello to each gateway) and again after the host
 * was away, and whether a host is away is the sweeping gateway's decision (presence()).
 */
export function createHostEvents(
  ctx: BrokerCtx,
  broker: Broker,
  o: {
    severalGateways?: boolean;
    /** On a shared store, no other gateway is running now (none heard, this one settled): a disconnect decides at once. */
    alone?: () => boolean;
  } = {},
) {
  const several = o.severalGateways ?? false;
  const { store, clock, log } = ctx;
  const system = { username: 'system' };

  async function endSessionsOn(desktopId: string, error: string): Promise<void> {
    for (const s of await store.listSessions({ state: ['starting', 'ready', 'lost'], desktopId })) {
      ctx.viewers.closeAll(s.id, DisplayClose.SessionEnded, 'the desktop stopped');
      if (s.state === 'starting') await moveSession(ctx, s, 'failed', { error });
      else await broker.end(s.id, system, 'desktop_vanished', `${error} Launch it again; anything unsaved in it is lost.`);
    }
  }

  /**
   * A running desktop ended on its own (crashed, killed, vanished). Its sessions end, and its host is
   * still told to destroy it: however a desktop ended, the agent frees what it held (a pooled home
   * with the user's files, its display, its uid). A destroy the host cannot take now stays `failed`
   * and is retried when the host says hello again.
   */
  async function desktopDied(d: Desktop, error: string, sessionsError: string): Promise<void> {
    if (d.state === 'running') await moveDesktop(ctx, d, 'failed', { error });
    await endSessionsOn(d.id, sessionsError); // ending a session destroys its desktop
    const left = await store.getDesktop(d.id);
    if (left && (left.state === 'failed' || left.state === 'running')) await destroyDesktop(ctx, left);
  }

  async function settleOrphanCreate(d: Desktop, running: boolean): Promise<void> {
    const sessions = await store.listSessions({ state: ['starting'], desktopId: d.id });
    if (running) {
      const up = await moveDesktop(ctx, d, 'running');
      if (up)
        for (const s of sessions)
          await moveSession(ctx, s, 'ready', { readyAt: clock.now(), detachedAt: clock.now(), lastActivityAt: clock.now() });
      return;
    }
    const failed = await moveDesktop(ctx, d, 'failed', { error: 'its start was interrupted' });
    if (failed) await destroyDesktop(ctx, failed);
    for (const s of sessions) await moveSession(ctx, s, 'failed', { error: 'The desktop’s start was interrupted. Launch it again.' });
  }

  /** The host is away: moved to unreachable if it was online, its ready sessions lost; the next hello reconciles. */
  async function hostAway(hostId: string): Promise<void> {
    const h = await store.getHost(hostId);
    if (h?.state === 'online') await moveHost(store, h, 'unreachable');
    await store.forgetHostReconcile(hostId);
    for (const s of await store.listSessions({ state: ['ready'], hostId, limit: ALL_ROWS }))
      await moveSession(ctx, s, 'lost', { detachedAt: clock.now() });
  }

  const api = {
    /**
     * An agent said hello. Its inventory is reconciled once per agent boot and once after the host
     * was away: of the hellos one boot sends to several gateways, one gateway reconciles.
     */
    async hostConnected(host: Host, hello: Hello): Promise<void> {
      if (several && hello.bootId && !(await store.claimHostReconcile(host.id, hello.bootId))) return;
      const inv = new Map(hello.inventory.map((i) => [i.desktopId, i]));
      const desktops = await store.listDesktops({ hostId: host.id, state: ['creating', 'running', 'stopping', 'failed'] });
      const knownIds = new Set(desktops.map((d) => d.id));
      // Sessions on existing machines hold no desktop: with their host back, they are back too.
      for (const s of await store.listSessions({ state: ['lost'], hostId: host.id, limit: ALL_ROWS }))
        if (s.machineId) await moveSession(ctx, s, 'ready', { detachedAt: clock.now() });
      for (const d of desktops) {
        if (ctx.creating.has(d.id)) continue; // its create request is in flight in this process
        const item = inv.get(d.id);
        if (d.state === 'creating') {
          // Left by an earlier gateway process mid-create: the inventory says how it went.
          await settleOrphanCreate(d, item?.state === 'running');
          continue;
        }
        if (item?.state === 'running' && d.state === 'running') {
          for (const s of await store.listSessions({ state: ['lost'], desktopId: d.id }))
            await moveSession(ctx, s, 'ready', { detachedAt: clock.now() });
          continue;
        }
        if (!item && d.state === 'running') {
          await desktopDied(d, 'vanished from its host', 'The desktop vanished from its host.');
        } else {
          await destroyDesktop(ctx, d); // stopping/failed leftovers, or stopped on the host
          await endSessionsOn(d.id, 'The desktop stopped.');
        }
      }
      for (const item of hello.inventory) {
        if (knownIds.has(item.desktopId)) continue;
        log.warn({ hostId: host.id, desktopId: item.desktopId }, 'destroying an orphan desktop the gateway does not know');
        await ctx.hosts
          .request(host.id, { type: 'desktop.destroy', desktopId: item.desktopId }, 30_000)
          .catch((err) => log.warn({ err: (err as Error).message }, 'orphan destroy failed'));
      }
    },

    /**
     * This gateway's connection of the host's agent closed. Alone, the host is away now. Among
     * several gateways another may still hold the agent: presence() decides, from the store.
     */
    async hostDisconnected(hostId: string): Promise<void> {
      if (ctx.stopping || (several && !(o.alone?.() ?? false))) return;
      await hostAway(hostId);
    },

    /**
     * Several gateways, every heartbeat: the store's host states are made to agree with who holds
     * agents. A host held here but marked away is asked to say hello again (`resync`), so it is
     * reconciled from a fresh inventory. A host `online` that no gateway holds and whose liveness
     * (written by the agent's primary connection) is older than `staleBefore` is away: decided only
     * by the gateway running the sweep (`leading`), once it has heard every other gateway (`settled`).
     */
    async presence(p: {
      heldHere: (hostId: string) => boolean;
      heldElsewhere: (hostId: string) => boolean;
      resync: (hostId: string) => void;
      staleBefore: number;
      settled: boolean;
      leading: boolean;
    }): Promise<void> {
      for (const h of await store.listHosts()) {
        const here = p.heldHere(h.id);
        if (here && (h.state === 'unreachable' || h.state === 'offline')) {
          log.info({ hostId: h.id }, 'a host held here is marked away; asking its agent to say hello again');
          p.resync(h.id);
        } else if (
          !here &&
          h.state === 'online' &&
          p.settled &&
          p.leading &&
          !p.heldElsewhere(h.id) &&
          (h.lastHeartbeatAt ?? 0) < p.staleBefore
        ) {
          log.warn({ hostId: h.id }, 'no gateway holds this host’s agent; it is unreachable');
          await hostAway(h.id);
        }
      }
    },

    async desktopState(hostId: string, e: DesktopStateEvent): Promise<void> {
      const d = await store.getDesktop(e.desktopId);
      if (!d || d.hostId !== hostId || d.state === 'gone') return;
      if (e.state === 'running') return;
      await desktopDied(d, e.error ?? 'stopped on its host', 'The desktop stopped.');
    },

    /** A create in flight reports a step: show it on the launching session's progress. */
    /** Forwards a host's create step to the launching session (the promise is for tests; the hub does not wait). */
    desktopProgress(hostId: string, e: DesktopProgressEvent): Promise<void> {
      return store.listSessions({ state: ['starting'], desktopId: e.desktopId, hostId }).then(
        ([s]) => {
          if (s) ctx.events.emit(s.id, { kind: 'progress', step: e.step, message: e.message, at: clock.now() });
        },
        (err) => log.warn({ err }, 'progress forwarding failed'),
      );
    },

    /**
     * At gateway start: nobody watches yet and no agent is connected until it says hello. With
     * other gateways running on the store (`others`), their hosts, displays and ends in progress
     * are theirs: nothing is touched (presence() and the cluster's counts take over).
     */
    async onStart(others = false): Promise<void> {
      if (others) return;
      const now = clock.now();
      for (const h of await store.listHosts()) {
        if (h.state === 'online') await moveHost(store, h, 'unreachable');
        await store.forgetHostReconcile(h.id);
      }
      for (const s of await store.listSessions({ state: ['ready'], limit: ALL_ROWS }))
        if (s.detachedAt === null) await store.updateSession(s.id, { detachedAt: now });
      // Ends that an earlier process did not finish: the desktop is destroyed when its host says hello.
      for (const s of await store.listSessions({ state: ['ending'], limit: ALL_ROWS })) {
        const d = s.desktopId ? await store.getDesktop(s.desktopId) : null;
        if (d && d.state !== 'gone' && d.state !== 'failed')
          await moveDesktop(ctx, d, 'failed', { error: 'its session ended while the gateway stopped' });
        await moveSession(ctx, s, 'ended', { error: null });
      }
    },
  };
  return api;
}

export type HostEvents = ReturnType<typeof createHostEvents>;
