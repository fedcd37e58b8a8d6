// Signals: short messages between the gateways sharing a store (docs/store.md "Between gateways").
// PostgreSQL carries them with NOTIFY/LISTEN; SQLite has no other gateway to tell.

/** PostgreSQL refuses NOTIFY payloads from 8,000 bytes; a signal stays below. */
export const MAX_SIGNAL_BYTES = 7_900;

export interface Signals {
  /** False when no other gateway can share the store (SQLite): then nothing needs telling. */
  readonly shared: boolean;
  /** Sends `message` to every gateway listening on the store (this one included on PostgreSQL). */
  publish(message: string): Promise<void>;
  /**
   * Calls `onMessage` with each message published from now on. After the connection broke and was
   * made again, messages sent in between are lost: `onGap` says so (resend state, refetch).
   * Resolves once listening; the returned function stops.
   */
  listen(onMessage: (message: string) => void, onGap?: () => void): Promise<() => Promise<void>>;
}

/** SQLite's: one gateway per file, so nobody else to tell. */
export const NO_OTHER_GATEWAYS: Signals = {
  shared: false,
  async publish() {},
  async listen() {
    return async () => {};
  },
};
