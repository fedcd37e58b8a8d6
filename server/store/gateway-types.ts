// The gateways sharing a store (server/cluster/), and which agent boot a gateway reconciled.

export interface GatewayRecord {
  id: string;
  /** Where agents reach this gateway directly ('' when it advertises none). */
  url: string;
  startedAt: number;
  seenAt: number;
}

export interface GatewayStore {
  /** Inserts or refreshes this gateway's row. */
  heartbeatGateway(g: GatewayRecord): Promise<void>;
  /** Gateways seen at or after `since`, oldest start first. */
  listGateways(since: number): Promise<GatewayRecord[]>;
  deleteGateway(id: string): Promise<void>;
  /** Housekeeping: rows not seen since `before`. */
  deleteStaleGateways(before: number): Promise<number>;
  /**
   * True for exactly one caller per agent boot (and per time the host was away): that gateway
   * reconciles the host's inventory. False when this boot was reconciled already.
   */
  claimHostReconcile(hostId: string, bootId: string): Promise<boolean>;
  /** The host was away: whichever gateway it says hello to next reconciles again. */
  forgetHostReconcile(hostId: string): Promise<void>;
}
