// The broker: launches, resumes and ends sessions, and tracks viewers; display tickets are display-tickets.ts.
// Timers live in timers.ts, host reconciliation in hosts.ts. Launch path: DESIGN.md "Launch".
import { DisplayClose } from '../../contract/display.ts';
import type { UserPool } from '../../contract/api/desktops.ts';
import { conflict, notFound, unavailable } from '../errors.ts';
import type { Pool, Session, User } from '../store/types.ts';
import { newId } from '../util/random.ts';
import { destroyDesktop, moveSession, type BrokerCtx } from './transitions.ts';
import { Background } from './background.ts';
import { homeHost, keepsVmDisk, pickHost, startDesktop } from './desktops.ts';
import { createLaunchLock } from './launch-lock.ts';
import type { ProgressStep } from './session-events.ts';
import type { Machines } from './machines.ts';
import type { Shadows } from './shadows.ts';
import type { Tickets } from './tickets.ts';
import { createDisplayTickets } from './display-tickets.ts';
import { entitled, maySee } from './entitlement.ts';
import { sessionView, type SessionView } from './views.ts';
import { unavailableFor } from '../guacd/messages.ts';
import { NO_GUACD } from '../guacd/guacd.ts';

export interface Actor {
  username: string;
  ip?: string | null;
}

export function createBroker(ctx: BrokerCtx, tickets: Tickets, shadows?: Shadows, machines?: Machines) {
  const { store, clock, log } = ctx;
  const background = new Background();
  const progress = (sessionId: string, step: ProgressStep, message: string) =>
    ctx.events.emit(sessionId, { kind: 'progress', step, message, at: clock.now() });

  async function provision(session: Session, pool: Pool, user: User, hostId: string): Promise<void> {
    const started = clock.now();
    try {
      const host = await store.getHost(hostId);
      const desktop = await startDesktop(ctx, {
        pool,
        hostId,
        ownerId: user.id,
        onRecorded: async (d) => {
          await store.updateSession(session.id, { desktopId: d.id, hostId });
          progress(session.id, 'creating', `Starting your desktop on ${host?.name ?? 'a host'}…`);
        },
      });
      const cur = await store.getSession(session.id);
      if (!cur || cur.state !== 'starting') {
        // The user ended it while it started: nothing should keep running.
        await destroyDesktop(ctx, desktop);
        return;
      }
      const ready = await moveSession(ctx, cur, 'ready', { readyAt: clock.now(), detachedAt: clock.now(), lastActivityAt: clock.now() });
      if (!ready) {
        await destroyDesktop(ctx, desktop); // ended (or failed by policy) in the same instant
        return;
      }
      progress(session.id, 'ready', 'Your desktop is ready.');
      ctx.metrics.launchSeconds((clock.now() - started) / 1000, false);
    } catch (err) {
      // The person sees one short line; the full story (driver logs) goes to the gateway log.
      const short = (err as Error).message
        .split('\n')[0]!
        .slice(0, 200)
        .replace(/[.\s]+$/, '');
      const message = `The desktop could not be started (${short}). Try again; if it keeps failing, tell your admin.`;
      log.warn({ sessionId: session.id, err: (err as Error).message }, 'provisioning failed');
      const cur = await store.getSession(session.id);
      if (cur && cur.state === 'starting') await moveSession(ctx, cur, 'failed', { error: message });
      await ctx.audit.record({
        actor: user.username,
        action: 'session.launch',
        target: session.id,
        result: 'failed',
        ip: null,
        details: { poolId: pool.id, error: (err as Error).message },
      });
    }
  }

  /** A machine session needs nothing started: it is ready at once, and its host dials when a display opens. */
  async function connectNow(
    user: User,
    machineId: string,
    ip: string | null,
    webSessionId?: string | null,
  ): Promise<{ session: Session; created: boolean }> {
    if (!machines) throw notFound('machine');
    const live = await store.findLiveMachineSession(user.id, machineId);
    if (live) {
      await machines.entitledOr404(user, machineId);
      return { session: live, created: false };
    }
    const { machine, hostId } = await machines.prepareLaunch(user, machineId, webSessionId);
    await ctx.recording?.admit({ machineId: machine.id });
    for (const lost of await store.listSessions({ state: ['lost'], userId: user.id, machineId }))
      await broker.end(lost.id, { username: user.username, ip }, 'relaunched');
    const now = clock.now();
    const session = await store.createSession({
      id: newId('s'),
      poolId: null,
      machineId: machine.id,
      protocol: machine.protocol,
      userId: user.id,
      state: 'starting',
      desktopId: null,
      hostId,
      createdAt: now,
      readyAt: null,
      endedAt: null,
      lastActivityAt: now,
      detachedAt: null,
      error: null,
    });
    await ctx.audit.record({
      actor: user.username,
      action: 'session.launch',
      target: session.id,
      result: 'ok',
      ip,
      details: { machineId },
    });
    const ready = await moveSession(ctx, session, 'ready', { readyAt: now, detachedAt: now });
    progress(session.id, 'ready', `Connecting to ${machine.name}.`);
    return { session: ready ?? session, created: true };
  }

  async function launchNow(user: User, poolId: string, ip: string | null): Promise<{ session: Session; created: boolean }> {
    const pool = await store.getPool(poolId);
    if (!pool || !entitled(user, pool)) throw notFound('pool');
    const noGuacd = guacdProblem(pool);
    if (noGuacd) throw unavailable('guacd_unavailable', noGuacd);
    const live = await store.findLiveSession(user.id, pool.id);
    if (live) return { session: live, created: false };
    await ctx.recording?.admit({ poolId: pool.id });
    // A personal desktop can only start where its home is: while that host is away, say so before
    // anything is ended (a lost session there may still come back with the person's work).
    const home = await homeHost(ctx, pool, user.id);
    // A session whose host vanished: the user chose to start afresh elsewhere. End it (its desktop is
    // destroyed when the host returns) so it cannot come back as a second session in this pool.
    for (const lost of await store.listSessions({ state: ['lost'], userId: user.id, poolId: pool.id })) {
      await broker.end(lost.id, { username: user.username, ip }, 'relaunched');
    }
    // Sessions on existing machines hold no desktop here: they do not count against a pool's limit.
    const mine = await store.countLiveSessions({ userId: user.id, kind: 'pool' });
    if (mine >= pool.maxPerUser)
      throw conflict('limit_reached', `You already have ${mine} desktop session(s) running, the most this pool allows. End one first.`);
    const now = clock.now();
    const warm = pool.persistence === 'pooled' ? await store.claimWarmDesktop(pool.id, user.id, now) : null;
    let hostId = warm?.hostId;
    if (!warm) {
      const active = await store.countDesktops({ poolId: pool.id, state: ['creating', 'running', 'stopping'] });
      if (active >= pool.maxDesktops)
        throw conflict(
          'pool_full',
          `“${pool.name}” has reached its limit of ${pool.maxDesktops} desktops. Try again later or ask your admin.`,
        );
      // A personal desktop goes back to the host that holds the person's home; others by placement.
      const host = home ?? (await pickHost(ctx, pool));
      if (!host) {
        const offered = (await store.listHosts()).some((h) => ctx.hosts.isConnected(h.id) && h.drivers.includes(pool.driver));
        throw unavailable(
          'no_capacity',
          offered
            ? 'No host has room for a new desktop right now. Try again in a minute, or ask your admin to add capacity.'
            : `No connected host runs ${pool.driver} desktops, which “${pool.name}” needs. Ask your admin to add such a host or change the pool's driver.`,
        );
      }
      hostId = host.id;
    }
    let session = await store.createSession({
      id: newId('s'),
      poolId: pool.id,
      protocol: pool.protocol,
      userId: user.id,
      state: 'starting',
      desktopId: warm?.id ?? null,
      hostId: hostId ?? null,
      createdAt: now,
      readyAt: null,
      endedAt: null,
      lastActivityAt: now,
      detachedAt: null,
      error: null,
    });
    await ctx.audit.record({
      actor: user.username,
      action: 'session.launch',
      target: session.id,
      result: 'ok',
      ip,
      details: { poolId: pool.id, warm: Boolean(warm) },
    });
    progress(session.id, 'queued', 'Launch requested.');
    if (warm) {
      progress(session.id, 'ready', 'A warm desktop was ready for you.');
      session = (await moveSession(ctx, session, 'ready', { readyAt: clock.now(), detachedAt: clock.now() })) ?? session;
      ctx.metrics.launchSeconds((clock.now() - now) / 1000, true);
    } else {
      progress(session.id, 'placing', 'Found a host with room.');
      void background.run(provision(session, pool, user, hostId!));
    }
    return { session, created: true };
  }

  // One launch at a time per person, across gateways (launch-lock.ts).
  const serialized = createLaunchLock({ store, clock });

  /** Why this pool cannot launch for lack of guacd (RDP pools only), for its users; null when it can. */
  const guacdProblem = (pool: Pool): string | null => unavailableFor(pool.protocol, (ctx.guacd ?? NO_GUACD).status(), 'user');

  const broker = {
    /** Resolves once every desktop this broker started provisioning is ready or failed. */
    idle: () => background.idle(),

    view(s: Session): SessionView {
      return sessionView(s, ctx.viewers.count(s.id), ctx.recording?.isActive(s.id));
    },

    /** The pools this person may launch, as they see them. */
    async poolsFor(user: User): Promise<UserPool[]> {
      const pools = (await store.listPools()).filter((p) => entitled(user, p));
      return pools.map((p) => {
        const unavailable = guacdProblem(p);
        return {
          id: p.id,
          name: p.name,
          description: p.description,
          protocol: p.protocol,
          driver: p.driver,
          persistence: p.persistence,
          graceS: p.graceS,
          idleTimeoutS: p.idleTimeoutS,
          maxLifetimeS: p.maxLifetimeS,
          ...(keepsVmDisk(p) ? { snapshots: true } : {}),
          ...(unavailable ? { unavailable } : {}),
        };
      });
    },

    /** This person's own sessions, newest first. */
    sessionsOf(user: User): Promise<Session[]> {
      return store.listSessions({ userId: user.id, limit: 100 });
    },

    /** POST /sessions: the user's live session in the pool (resume), else a new one. */
    launch(user: User, poolId: string, ip: string | null): Promise<{ session: Session; created: boolean }> {
      return serialized(user.id, () => launchNow(user, poolId, ip));
    },

    /** POST /sessions {machineId}: the user's live session on the machine (resume), else a new one. */
    connect(
      user: User,
      machineId: string,
      ip: string | null,
      webSessionId?: string | null,
    ): Promise<{ session: Session; created: boolean }> {
      return serialized(user.id, () => connectNow(user, machineId, ip, webSessionId));
    },

    /** A session the user may see: their own, or any for helpdesk/admin. */
    async visible(user: User, sessionId: string): Promise<Session> {
      const s = await store.getSession(sessionId);
      if (!s || !maySee(user, s)) throw notFound('session');
      return s;
    },

    /** A person ends their own session; staff end others' sessions through the admin routes. */
    async endOwn(user: User, sessionId: string, ip: string | null): Promise<void> {
      const s = await broker.visible(user, sessionId);
      if (s.userId !== user.id) throw notFound('session');
      await broker.end(s.id, { username: user.username, ip }, 'user');
    },

    /** Ends a session; `message` (shown to its user) says why when it was not their own doing. */
    async end(sessionId: string, actor: Actor, reason: string, message?: string): Promise<Session> {
      // Compare-and-set moves: if another flow (a sweep, the host reconciling) moves the session
      // between our read and our write, read again and decide again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const s = await store.getSession(sessionId);
        if (!s) throw notFound('session');
        if (s.state === 'ended' || s.state === 'failed' || s.state === 'ending') return s;
        const ending = await moveSession(ctx, s, 'ending');
        if (!ending) continue;
        await shadows?.endAllFor(s.id);
        ctx.viewers.closeAll(s.id, DisplayClose.SessionEnded, 'the session ended');
        const d = s.desktopId ? await store.getDesktop(s.desktopId) : null;
        // A desktop whose create is in flight here is destroyed by provision() when it sees the end.
        if (d && !ctx.creating.has(d.id)) await destroyDesktop(ctx, d);
        const done = (await moveSession(ctx, ending, 'ended', { error: message ?? null })) ?? ending;
        ctx.metrics.sessionEnded(reason);
        ctx.events.forget(s.id);
        await ctx.audit.record({
          actor: actor.username,
          action: 'session.end',
          target: s.id,
          result: 'ok',
          ip: actor.ip ?? null,
          details: { reason },
        });
        return done;
      }
      return (await store.getSession(sessionId))!;
    },

    ...createDisplayTickets(ctx, tickets, shadows, machines),

    async viewerAttached(sessionId: string): Promise<void> {
      await store.updateSession(sessionId, { detachedAt: null, lastActivityAt: clock.now() });
    },
    /**
     * This gateway's last display of the session closed: its grace starts (the sweep still ends it
     * only while no gateway has a display of it, so two gateways' last displays closing at once
     * cannot leave a session without a grace).
     */
    async viewerDetached(sessionId: string): Promise<void> {
      if (ctx.viewers.localCount(sessionId) === 0) await store.updateSession(sessionId, { detachedAt: clock.now() });
    },
  };
  return broker;
}

export type Broker = ReturnType<typeof createBroker>;
