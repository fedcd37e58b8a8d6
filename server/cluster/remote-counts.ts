// What the other gateways said they hold, per key (displays per session, agent connections per
// host): each entry is kept only while its gateway keeps repeating it, so a gateway that died stops
// counting after a while, and one that said goodbye at once.

interface Entry {
  n: number;
  /** When its gateway last said so (clock ms). */
  at: number;
}

export class RemoteCounts {
  /** gateway id → key → its count there. */
  private byGateway = new Map<string, Map<string, Entry>>();

  /** What `gatewayId` said at `at`; a 0 removes the entry. */
  set(gatewayId: string, counts: readonly (readonly [string, number])[], at: number): void {
    const mine = this.byGateway.get(gatewayId) ?? new Map<string, Entry>();
    for (const [key, n] of counts) {
      if (n > 0) mine.set(key, { n, at });
      else mine.delete(key);
    }
    if (mine.size > 0) this.byGateway.set(gatewayId, mine);
    else this.byGateway.delete(gatewayId);
  }

  /** The other gateways' total for `key`. */
  sum(key: string): number {
    let n = 0;
    for (const counts of this.byGateway.values()) n += counts.get(key)?.n ?? 0;
    return n;
  }

  /**
   * Forgets entries said before `olderThan` (and every entry of `gatewayId`, which said goodbye).
   * Returns the keys no other gateway counts any more.
   */
  expire(olderThan: number, gatewayId?: string): string[] {
    const dropped = new Set<string>();
    for (const [gw, counts] of [...this.byGateway]) {
      for (const [key, c] of [...counts]) {
        if (gw !== gatewayId && c.at >= olderThan) continue;
        counts.delete(key);
        dropped.add(key);
      }
      if (counts.size === 0) this.byGateway.delete(gw);
    }
    return [...dropped].filter((key) => this.sum(key) === 0);
  }
}
