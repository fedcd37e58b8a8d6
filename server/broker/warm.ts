// Warm spares: each pooled pool keeps `minWarm` running desktops without an owner, so a launch can
// claim one at once; a claimed spare is replaced REFILL_HOLD_MS after the sweep that saw it go (so
// the replacement's start, a whole VM boot for qemu pools, does not take the CPU the claimed desktop
// needs for its first frame). Spares respect maxDesktops and host capacity, leave draining hosts, and
// shrink when minWarm is lowered. A pool whose spares keep failing (image missing, host full) backs
// off instead of retrying every sweep.
import { nextDelay } from '../../contract/backoff.ts';
import type { Desktop, Pool } from '../store/types.ts';
import { Background } from './background.ts';
import { destroyDesktop, type BrokerCtx } from './transitions.ts';
import { pickHost, startDesktop } from './desktops.ts';

/** How long after a spare was claimed its replacement waits (measured on a 2-core host: a warm VM
 *  launch took 1.2 s to its first frame while the replacement booted beside it, 0.4-0.6 s without). */
export const REFILL_HOLD_MS = 3_000;

export function createWarmSpares(ctx: BrokerCtx) {
  const { store, clock, log } = ctx;
  const backoff = new Map<string, { failures: number; until: number }>();
  /** Per pool: the spares the last sweep saw, and until when a refill waits because one of them left. */
  const seen = new Map<string, Set<string>>();
  const hold = new Map<string, number>();
  const starting = new Background();

  async function refill(pool: Pool, missing: number): Promise<void> {
    const active = await store.countDesktops({ poolId: pool.id, state: ['creating', 'running', 'stopping'] });
    const n = Math.min(missing, pool.maxDesktops - active);
    for (let i = 0; i < n; i++) {
      const host = await pickHost(ctx, pool);
      if (!host) return;
      // Not awaited: the sweep goes on; the `creating` row counts as a spare meanwhile.
      void starting.run(
        // Seen from the start: a spare claimed before the next sweep still holds the next refill.
        startDesktop(ctx, { pool, hostId: host.id, ownerId: null, onRecorded: async (d) => void seen.get(pool.id)?.add(d.id) }).then(
          () => backoff.delete(pool.id),
          (err: Error) => {
            const failures = (backoff.get(pool.id)?.failures ?? 0) + 1;
            const wait = nextDelay(failures, 5_000, 300_000);
            backoff.set(pool.id, { failures, until: clock.now() + wait });
            log.warn({ poolId: pool.id, err: err.message, retryInMs: wait }, 'warm spare failed to start');
          },
        ),
      );
    }
  }

  return {
    /** Resolves once every spare this started is running or failed. */
    idle: () => starting.idle(),

    async reconcile(): Promise<void> {
      const now = clock.now();
      const pools = await store.listPools();
      const hostState = new Map((await store.listHosts()).map((h) => [h.id, h.state]));
      for (const pool of pools) {
        const spares = await store.listDesktops({ poolId: pool.id, state: ['creating', 'running'], ownerless: true });
        const ids = new Set(spares.map((d) => d.id));
        const left = [...(seen.get(pool.id) ?? [])].some((id) => !ids.has(id));
        // A spare left since the last sweep (claimed, most likely): the refill waits, counted from the first
        // sweep that saw one go. The sweep that ends a wait refills whatever left meanwhile, so claims that
        // keep coming delay refills by REFILL_HOLD_MS at a time, never for as long as they last.
        const until = hold.get(pool.id);
        if (until !== undefined && until <= now) hold.delete(pool.id);
        else if (until === undefined && left) hold.set(pool.id, now + REFILL_HOLD_MS);
        seen.set(pool.id, ids);
        if (spares.length === 0 && (pool.minWarm === 0 || pool.persistence !== 'pooled')) continue;
        const connected = (d: Desktop) => ctx.hosts.isConnected(d.hostId);
        const draining = (d: Desktop) => hostState.get(d.hostId) === 'draining';
        const usable = spares.filter((d) => connected(d) && !draining(d));
        const want = pool.persistence === 'pooled' ? pool.minWarm : 0;
        const surplus = usable.filter((d) => d.state === 'running').slice(0, Math.max(0, usable.length - want));
        const leaving = spares.filter((d) => connected(d) && draining(d) && d.state === 'running');
        for (const d of [...leaving, ...surplus]) {
          log.info({ poolId: pool.id, desktopId: d.id }, 'removing a surplus warm spare');
          await destroyDesktop(ctx, d);
        }
        const b = backoff.get(pool.id);
        if (usable.length < want && !hold.has(pool.id) && (!b || b.until <= now)) await refill(pool, want - usable.length);
      }
      // Nothing kept for pools that are gone.
      const live = new Set(pools.map((p) => p.id));
      for (const m of [seen, hold, backoff]) for (const id of m.keys()) if (!live.has(id)) m.delete(id);
    },
  };
}
