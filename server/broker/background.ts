// Work the broker starts and does not wait for (provisioning a desktop, starting a warm spare):
// tracked so that whoever needs it finished (tests, a clean shutdown) awaits it instead of guessing
// with timers.
export class Background {
  private pending = new Set<Promise<unknown>>();

  /** Tracks `p` until it settles; returns it. */
  run<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    p.finally(() => this.pending.delete(p)).catch(() => undefined);
    return p;
  }

  /** Resolves once nothing is pending, including work started by the work awaited here. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
