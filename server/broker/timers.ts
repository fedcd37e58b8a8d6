// The broker's clock-driven rules, checked by one periodic sweep over live sessions (indexed by
// state): disconnect grace, idle timeout, max lifetime, stuck launches, lost hosts, and the
// housekeeping of expired tickets and cookies, and ends a gateway died in the middle of. Deadlines
// derive from stored timestamps, so they survive a gateway restart.
import { KNOWN_TTL_MS } from '../auth/login-throttle.ts';
import { MAX_THROTTLE_ROWS } from '../auth/throttle.ts';
import { sweepDownloadTickets } from '../files/download-tickets.ts';
import { MACHINE_SESSION_LIMITS } from '../store/machine-types.ts';
import { DisplayClose } from '../../contract/display.ts';
import type { Pool } from '../store/types.ts';
import type { Broker } from './broker.ts';
import { destroyDesktop, moveSession, type BrokerCtx } from './transitions.ts';
import { createWarmSpares } from './warm.ts';

export const STUCK_LAUNCH_MS = 180_000;
/** An end still `ending` after this long (seen by the sweeping gateway) was left by a gateway that died: finished here. */
export const STUCK_END_MS = 120_000;
const MAX_STUCK_ENDS = 1000;
const HOUSEKEEPING_MS = 60_000;
const ACTIVITY_WRITE_MS = 15_000;

export function createTimers(ctx: BrokerCtx, broker: Broker) {
  const { store, clock, log } = ctx;
  let lastHousekeeping = 0;
  const activityWritten = new Map<string, number>();
  const system = { username: 'system' };
  const warm = createWarmSpares(ctx);
  /** Sessions seen `ending` by this gateway's housekeeping, and since when (no store field says when an end began). */
  const endingSince = new Map<string, number>();

  /**
   * An end moves a session to `ending`, destroys its desktop, then moves it to `ended`. A gateway
   * that died in between leaves it `ending`: alone, a gateway finishes those at start
   * (hosts.ts onStart); among several, the sweeping gateway finishes those it has seen `ending`
   * for STUCK_END_MS (longer than any destroy request may take): the desktop destroyed through
   * this gateway's own connection to its host (retried at its next hello if that fails), the
   * session ended.
   */
  async function finishStuckEnds(now: number, leading: () => boolean): Promise<void> {
    const ending = await store.listSessions({ state: ['ending'], limit: MAX_STUCK_ENDS });
    const live = new Set(ending.map((s) => s.id));
    for (const id of endingSince.keys()) if (!live.has(id)) endingSince.delete(id);
    for (const s of ending) {
      const since = endingSince.get(s.id);
      if (since === undefined) endingSince.set(s.id, now);
      if (since === undefined || now - since < STUCK_END_MS || !leading()) continue;
      endingSince.delete(s.id);
      log.warn({ sessionId: s.id }, 'finishing an end that its gateway left half done');
      ctx.viewers.closeAll(s.id, DisplayClose.SessionEnded, 'the session ended'); // on every gateway (its shadows end with the shadow sweep)
      const d = s.desktopId ? await store.getDesktop(s.desktopId) : null;
      if (d && !ctx.creating.has(d.id)) await destroyDesktop(ctx, d);
      if (!(await moveSession(ctx, s, 'ended', { error: null }))) continue;
      ctx.metrics.sessionEnded('end_left_half_done');
      ctx.events.forget(s.id);
      await ctx.audit.record({
        actor: 'system',
        action: 'session.end',
        target: s.id,
        result: 'ok',
        ip: null,
        details: { reason: 'end_left_half_done' },
      });
    }
  }

  /**
   * One pass. `leading` (server/broker/leadership.ts) is asked again before each step: a pass that
   * runs long must not go on acting once this gateway's lease is no longer safely its own.
   */
  async function sweep(leading: () => boolean = () => true): Promise<void> {
    const now = clock.now();
    const pools = new Map<string, Pool | null>();
    const poolOf = async (id: string) => {
      if (!pools.has(id)) pools.set(id, await store.getPool(id));
      return pools.get(id) ?? null;
    };
    // Only sessions a rule may end now (at most 1,000 per pass; the next pass takes the rest).
    for (const s of await store.listDueSessions(now, STUCK_LAUNCH_MS)) {
      if (!leading()) return;
      // A machine session has no pool: its timers are MACHINE_SESSION_LIMITS (as in listDueSessions).
      const pool = s.machineId ? MACHINE_SESSION_LIMITS : s.poolId ? await poolOf(s.poolId) : null;
      const graceMs = (pool?.graceS ?? 300) * 1000;
      let reason: string | null = null;
      if (pool && pool.maxLifetimeS > 0 && now - s.createdAt > pool.maxLifetimeS * 1000) reason = 'max_lifetime';
      else if (s.state === 'ready' && pool && pool.idleTimeoutS > 0 && now - s.lastActivityAt > pool.idleTimeoutS * 1000)
        reason = 'idle_timeout';
      // Not until every gateway's displays are known: one may have a display of this session.
      else if (
        s.state === 'ready' &&
        s.detachedAt !== null &&
        now - s.detachedAt > graceMs &&
        ctx.viewers.count(s.id) === 0 &&
        ctx.viewers.settled()
      )
        reason = 'disconnect_grace';
      else if (s.state === 'lost' && now - (s.detachedAt ?? s.createdAt) > graceMs) reason = 'host_lost';
      if (s.state === 'starting' && now - s.createdAt > STUCK_LAUNCH_MS) {
        const failed = await moveSession(ctx, s, 'failed', {
          error: 'The desktop took too long to start. Try again; if it keeps failing, tell your admin.',
        });
        // A create still in flight here destroys its desktop when it sees the failed session.
        const d = failed && s.desktopId && !ctx.creating.has(s.desktopId) ? await store.getDesktop(s.desktopId) : null;
        if (d) await destroyDesktop(ctx, d);
        continue;
      }
      if (reason) {
        log.info({ sessionId: s.id, reason }, 'ending session by policy');
        await broker.end(s.id, system, reason).catch((err) => log.warn({ err, sessionId: s.id }, 'policy end failed'));
      }
    }
    if (!leading()) return;
    await warm.reconcile();
    if (now - lastHousekeeping > HOUSEKEEPING_MS && leading()) {
      lastHousekeeping = now;
      await store.deleteExpiredTickets(now);
      await store.deleteExpiredWebSessions(now);
      await store.pruneThrottles(now, MAX_THROTTLE_ROWS);
      await store.pruneKnownAddresses(now - KNOWN_TTL_MS);
      await store.deleteExpiredPendingSignIns(now);
      await sweepDownloadTickets(store, now);
      await finishStuckEnds(now, leading);
      for (const [id, at] of activityWritten) if (now - at > ACTIVITY_WRITE_MS * 4) activityWritten.delete(id);
    }
  }

  return {
    sweep,
    /** Resolves once the warm spares the sweeps started are running or failed. */
    idle: () => warm.idle(),
    /** Input from a control viewer: written at most every 15 s per session so typing costs no writes. The write is not awaited by the relay; the promise is for tests. */
    activity(sessionId: string): Promise<void> {
      const now = clock.now();
      if (now - (activityWritten.get(sessionId) ?? 0) < ACTIVITY_WRITE_MS) return Promise.resolve();
      activityWritten.set(sessionId, now);
      return store.updateSession(sessionId, { lastActivityAt: now }).then(
        () => undefined,
        (err) => log.warn({ err }, 'activity write failed'),
      );
    },
  };
}
