// One launch at a time per person, across every gateway on the store: two quick clicks, or two
// gateways behind a load balancer, cannot both miss the live session (or the per-user limit) and start
// two desktops. Within this gateway a person's launches queue in order; between gateways a store lease
// (`launch:<user id>`, the leases table of the sweep) guards the same section, polled while another
// gateway holds it. A gateway that dies holding it blocks that person for LAUNCH_LEASE_MS at most.
import { unavailable } from '../errors.ts';
import type { Clock } from '../clock.ts';
import type { Store } from '../store/types.ts';
import { newId } from '../util/random.ts';

/** How long a lease lasts unless renewed: a gateway that died inside a launch blocks its person this long. */
export const LAUNCH_LEASE_MS = 30_000;
/** How often a launch still running renews its lease (a third of its life). */
const RENEW_MS = 10_000;
/** Waits between tries while another gateway holds the lease: short first, a second at most. */
const BACKOFF_MS = [20, 50, 100, 200, 400, 800, 1000];
/** How long a launch waits for another gateway's launch of the same person before it gives up. */
export const LAUNCH_WAIT_MS = 15_000;

export type LaunchLock = <T>(userId: string, fn: () => Promise<T>) => Promise<T>;

export function createLaunchLock(o: { store: Store; clock: Clock; waitMs?: number }): LaunchLock {
  const queued = new Map<string, Promise<unknown>>();
  const waitMs = o.waitMs ?? LAUNCH_WAIT_MS;

  async function leased<T>(userId: string, fn: () => Promise<T>): Promise<T> {
    const name = `launch:${userId}`;
    const holder = newId('launch'); // this launch, not this gateway: a stale row of ours is not reused
    for (let waited = 0, i = 0; ; i++) {
      const now = o.clock.now();
      if (await o.store.acquireLease(name, holder, now, now + LAUNCH_LEASE_MS)) break;
      if (waited >= waitMs) throw unavailable('launch_busy', 'Another launch of yours is still being set up. Try again in a few seconds.');
      const pause = BACKOFF_MS[Math.min(i, BACKOFF_MS.length - 1)]!;
      await new Promise((r) => setTimeout(r, pause));
      waited += pause;
    }
    // Renewed while the launch runs: ending a lost session on the way may wait for a host.
    const renew = setInterval(() => {
      const now = o.clock.now();
      o.store.acquireLease(name, holder, now, now + LAUNCH_LEASE_MS).catch(() => undefined);
    }, RENEW_MS);
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await o.store.releaseLease(name, holder).catch(() => undefined);
    }
  }

  return (userId, fn) => {
    const prev = queued.get(userId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => leased(userId, fn));
    queued.set(userId, next);
    void next.catch(() => undefined).finally(() => queued.get(userId) === next && queued.delete(userId));
    return next;
  };
}
