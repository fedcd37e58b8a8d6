// Which gateway runs the jobs only one may run at a time: the broker's sweep (grace, idle, lifetime
// and stuck launches, warm-spare refills, housekeeping). With one gateway that is always this one;
// with several sharing a store (docs/store.md), the holder of the store's lease LEASE_NAME. Each
// sweep renews it; a gateway that stops renewing (stopped, paused, cut off from the store) loses it
// after LEASE_TTL_MS and another takes over. A holder acts only while more than MARGIN_MS of its
// lease is left, so a pause or a clock a little apart between gateways cannot let two act at once.
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';

export const LEASE_NAME = 'broker-sweep';
export const LEASE_TTL_MS = 10_000;
export const MARGIN_MS = 3_000;

export interface Leadership {
  /** Takes or renews the lease; true when this gateway may run the sweep now. */
  lead(): Promise<boolean>;
  /** Whether this gateway holds the lease with the margin left, without asking the store. */
  leading(): boolean;
  /** Gives the lease up for good (a gateway stopping), so another takes over at its next sweep. */
  release(): Promise<void>;
}

export function createLeadership(o: {
  store: Store;
  clock: Clock;
  log: Logger;
  holder: string;
  ttlMs?: number;
  /**
   * The first lead() takes the lease whoever holds it: for a gateway that is alone on its store (one
   * gateway per database, docs/store.md), where a holder left over is a previous run of itself that
   * did not stop cleanly, and waiting out its lease would hold the sweep up for LEASE_TTL_MS.
   */
  takeOver?: boolean;
}): Leadership {
  const ttl = o.ttlMs ?? LEASE_TTL_MS;
  let takeOver = o.takeOver ?? false;
  let until = 0;
  let released = false;
  let was = false;
  const leading = () => o.clock.now() < until - MARGIN_MS;
  const note = () => {
    const now = leading();
    if (now !== was)
      o.log.info({ holder: o.holder }, now ? 'this gateway runs the broker sweep' : 'this gateway no longer runs the broker sweep');
    was = now;
  };
  let asking: Promise<boolean> | null = null;
  const ask = async (): Promise<boolean> => {
    const asked = o.clock.now();
    try {
      // Counted from before the request: the lease the store granted cannot end later than this.
      // Judged as if every lease had expired (`now` at the end of time) when taking over.
      const judgedAt = takeOver ? Number.MAX_SAFE_INTEGER : asked;
      // Refused: another gateway holds it now (a lease taken over), so this one stops at once. And a
      // request that was on its way when release() came must not take the lease back.
      const got = await o.store.acquireLease(LEASE_NAME, o.holder, judgedAt, asked + ttl);
      until = got && !released ? asked + ttl : 0;
      takeOver = false;
    } catch (err) {
      o.log.warn({ err }, 'could not renew the broker sweep lease');
    }
    note();
    return leading();
  };
  return {
    lead() {
      if (released) return Promise.resolve(false);
      return (asking ??= ask().finally(() => (asking = null)));
    },
    leading,
    async release() {
      released = true;
      until = 0;
      note();
      // After a request on its way has landed, so the row it may write is the one deleted.
      await asking?.catch(() => undefined);
      await o.store.releaseLease(LEASE_NAME, o.holder).catch(() => undefined);
    },
  };
}
