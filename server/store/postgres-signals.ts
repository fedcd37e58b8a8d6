// Signals over PostgreSQL (signal-types.ts): NOTIFY through the pool, LISTEN on a connection of its
// own that is opened again after a break (postgres-client.ts). Delivery is at most once: a listener
// is told about a gap and resends or refetches what it needs.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { keepConnection } from './postgres-client.ts';
import type { PostgresSql } from './postgres-db.ts';
import { MAX_SIGNAL_BYTES, type Signals } from './signal-types.ts';

const CHANNEL = 'deskport_signals';

/** Signals, and closing every listener they opened (the store closing: nothing may keep reconnecting). */
export function postgresSignals(q: PostgresSql, url: string, onError?: (err: Error) => void): Signals & { closeAll(): Promise<void> } {
  const open = new Set<{ close(): Promise<void> }>();
  return {
    async closeAll() {
      await Promise.all([...open].map((k) => k.close()));
      open.clear();
    },
    shared: true,
    async publish(message) {
      const bytes = Buffer.byteLength(message);
      if (bytes > MAX_SIGNAL_BYTES) throw new Error(`A signal of ${bytes} bytes is over the limit of ${MAX_SIGNAL_BYTES}.`);
      await q.run('SELECT pg_notify(?, ?)', [CHANNEL, message]);
    },
    async listen(onMessage, onGap) {
      const deliver = (n: pg.Notification) => {
        if (n.channel === CHANNEL && n.payload !== undefined) onMessage(n.payload);
      };
      const kept = await keepConnection({
        url,
        name: `deskport-signals-${randomBytes(6).toString('hex')}`,
        async setup(c) {
          c.on('notification', deliver);
          await c.query(`LISTEN ${CHANNEL}`);
        },
        ...(onError ? { onError } : {}),
        ...(onGap ? { onReconnected: onGap } : {}),
      });
      open.add(kept);
      return async () => {
        open.delete(kept);
        await kept.close();
      };
    },
  };
}
