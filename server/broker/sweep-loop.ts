// The gateway's tick: its own state sweeps every time (`everyTick`); the broker's sweep only while
// this gateway holds the sweep lease (leadership.ts), renewed every tick, also while a long sweep
// runs (which checks the lease between steps).
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';
import { createLeadership } from './leadership.ts';

export interface SweepLoopOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** This gateway, as lease holder. */
  holder: string;
  intervalMs: number;
  /** Alone on its store (docs/store.md): take the lease over at start. */
  takeOver: boolean;
  everyTick: () => void;
  /** The broker's sweep; `leading` says whether it may still act. */
  sweep: (leading: () => boolean) => Promise<void>;
}

export function startSweepLoop(o: SweepLoopOptions): { stop(): Promise<void>; leading(): boolean } {
  const leadership = createLeadership({ store: o.store, clock: o.clock, log: o.log, holder: o.holder, takeOver: o.takeOver });
  let renewing: Promise<void> | null = null;
  let sweeping: Promise<void> | null = null;
  const timer = setInterval(() => {
    o.everyTick();
    renewing ??= leadership
      .lead()
      .then((lead) => {
        sweeping ??= lead
          ? o
              .sweep(leadership.leading)
              .catch((err) => o.log.error({ err }, 'broker sweep failed'))
              .finally(() => (sweeping = null))
          : null;
      })
      .finally(() => (renewing = null));
  }, o.intervalMs);
  return {
    /** Whether this gateway runs the broker's sweep now. */
    leading: () => leadership.leading(),
    async stop() {
      clearInterval(timer);
      // Released first: a sweep still running stops at its next step, and is waited for (before the store closes).
      await leadership.release();
      await renewing;
      await sweeping;
    },
  };
}
