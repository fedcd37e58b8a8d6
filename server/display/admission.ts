// Admission control for new displays. An overloaded gateway (its event loop late by more than a
// threshold, or a configured number of displays open) turns newcomers away with 503 instead of
// slowing every open session: the viewer retries with backoff. Open displays are never cut.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface AdmissionOptions {
  /** Open displays at most; 0 = no limit. */
  maxViewers: number;
  /** Refuse while the event loop's p99 delay over the last window is above this; 0 = off. */
  maxLoopDelayMs: number;
  openViewers: () => number;
  /** Length of the delay window. Default 2 s. */
  windowMs?: number;
}

export interface Admission {
  /** Null when a new display may open, else the reason to refuse it with. */
  refusal(): string | null;
  /** The event loop's p99 delay over the last complete window, in milliseconds. */
  loopDelayP99Ms(): number;
  /** Ends the current window now (the timer does this every windowMs; tests call it directly). */
  rollWindow(): void;
  stop(): void;
}

export function createAdmission(o: AdmissionOptions): Admission {
  let histogram: IntervalHistogram | undefined;
  let timer: NodeJS.Timeout | undefined;
  let p99Ms = 0;
  const roll = (): void => {
    if (!histogram) return;
    p99Ms = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
    histogram.reset();
  };
  if (o.maxLoopDelayMs > 0) {
    histogram = monitorEventLoopDelay({ resolution: 20 });
    histogram.enable();
    timer = setInterval(roll, o.windowMs ?? 2000);
    timer.unref();
  }
  return {
    refusal() {
      if (o.maxViewers > 0 && o.openViewers() >= o.maxViewers)
        return `the gateway is at its limit of ${o.maxViewers} open displays; try again shortly`;
      if (o.maxLoopDelayMs > 0 && p99Ms > o.maxLoopDelayMs) return 'the gateway is overloaded right now; try again shortly';
      return null;
    },
    loopDelayP99Ms: () => p99Ms,
    rollWindow: roll,
    stop() {
      clearInterval(timer);
      histogram?.disable();
    },
  };
}
