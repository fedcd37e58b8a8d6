// The one-gateway-per-database lock (docs/store.md): a session advisory lock on a connection of its
// own, kept for the gateway's life. PostgreSQL restarting ends that connection and the lock with
// it; the lock is then taken again as soon as the server answers. If another gateway took it in
// between, this one is told (onLost) and must stop: two gateways would end each other's sessions.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { keepConnection } from './postgres-client.ts';

/** pg_try_advisory_lock key held by the one gateway on a database ("deskgate"). */
const GATEWAY_LOCK = 0x6465736b67617465n;

export class DatabaseInUseError extends Error {
  override readonly name = 'DatabaseInUseError';
}

export interface GatewayLock {
  close(): Promise<void>;
}

export interface GatewayLockOptions {
  url: string;
  /** The lock's connection failed (logged; the lock is being taken again). */
  onError?: (err: Error) => void;
  /** Another gateway holds the lock now: this gateway must stop. */
  onLost: (err: DatabaseInUseError) => void;
}

const inUse = () =>
  new DatabaseInUseError(
    'Another Deskport gateway is using this PostgreSQL database. Several gateways on one database are not ' +
      'supported yet (docs/store.md); stop the other gateway or give this one its own database.',
  );

/**
 * Takes the lock on a new connection, or throws DatabaseInUseError. `name` (application_name) tells
 * this gateway's own sessions apart in pg_stat_activity.
 */
async function take(client: pg.Client, name: string): Promise<void> {
  const got = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [GATEWAY_LOCK.toString()])).rows[0]?.ok;
  if (got) return;
  // Held by a session of this very gateway that the server has not noticed is gone (only our side
  // saw the connection break)? End it and try again rather than report another gateway.
  // Counted only where the session was really ended (pg_terminate_backend true). In the select list,
  // not the WHERE: there PostgreSQL may call it before the other conditions have filtered the row.
  const own = await client.query<{ ended: number }>(
    `SELECT count(*) FILTER (WHERE ok)::int AS ended FROM
      (SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()) t`,
    [name],
  );
  throw (own.rows[0]?.ended ?? 0) > 0 ? new Error('an old session of this gateway held the lock; ended it') : inUse();
}

/** Takes the lock or throws (DatabaseInUseError when another gateway holds it). */
export async function holdGatewayLock(o: GatewayLockOptions): Promise<GatewayLock> {
  const name = `deskport-gateway-${randomBytes(6).toString('hex')}`;
  return keepConnection({
    url: o.url,
    name,
    setup: (c) => take(c, name),
    ...(o.onError ? { onError: o.onError } : {}),
    fatal: (err) => err instanceof DatabaseInUseError,
    onFatal: (err) => o.onLost(err as DatabaseInUseError),
  });
}
