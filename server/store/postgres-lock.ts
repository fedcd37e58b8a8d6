// The one-gateway-per-database lock (docs/store.md): a session advisory lock on a connection of its
// own, kept for the gateway's life. PostgreSQL restarting ends that connection and the lock with
// it; the lock is then taken again as soon as the server answers. If another gateway took it in
// between, this one is told (onLost) and must stop: two gateways would end each other's sessions.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** pg_try_advisory_lock key held by the one gateway on a database ("deskgate"). */
const GATEWAY_LOCK = 0x6465736b67617465n;
const RETRY_MS = [500, 1000, 2000, 5000];

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

/** Seconds of silence before TCP asks a peer whether it is still there; the OS default is two hours. */
const KEEPALIVE_MS = 10_000;
/** How often the holder checks its connection answers (a dead server sends no FIN), and how long it waits. */
const CHECK_EVERY_MS = 10_000;
const QUERY_TIMEOUT_MS = 5_000;

/**
 * One attempt: a connected client holding the lock, or DatabaseInUseError, or the connection's error.
 * `name` (application_name) tells this gateway's own sessions apart in pg_stat_activity.
 */
async function take(url: string, name: string, onBroken: (c: pg.Client, err: Error) => void): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: name,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_MS,
    connectionTimeoutMillis: QUERY_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
  });
  // Errors while connecting reject connect() below; these listeners matter once it holds the lock.
  client.on('error', (err) => onBroken(client, err));
  // 'end' without an error: the server closed the connection cleanly (a fast shutdown).
  client.once('end', () => onBroken(client, new Error('the lock connection ended')));
  try {
    await client.connect();
    const got = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [GATEWAY_LOCK.toString()])).rows[0]?.ok;
    if (got) return client;
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
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

/** Takes the lock or throws (DatabaseInUseError when another gateway holds it). */
export async function holdGatewayLock(o: GatewayLockOptions): Promise<GatewayLock> {
  const name = `deskport-gateway-${randomBytes(6).toString('hex')}`;
  let closed = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pending: Promise<unknown> | undefined;
  let attempt = 0;
  // Only the client that holds the lock now counts; a stale one's late events are ignored.
  const broken = (c: pg.Client, err: Error) => {
    if (closed || c !== client) return;
    o.onError?.(err);
    client = undefined;
    void c.end().catch(() => undefined);
    retry();
  };
  const retry = () => {
    timer = setTimeout(
      () => {
        pending = take(o.url, name, broken).then(
          (c) => {
            if (closed) return void c.end().catch(() => undefined);
            attempt = 0;
            client = c;
          },
          (err: Error) => {
            if (closed) return;
            if (err instanceof DatabaseInUseError) return o.onLost(err);
            attempt++;
            retry();
          },
        );
      },
      RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)],
    );
  };
  client = await take(o.url, name, broken);
  // A server that died without a word (power, network) closes nothing: ask now and then, in time.
  const check = setInterval(() => {
    const c = client;
    if (c) c.query('SELECT 1').catch((err: Error) => broken(c, err));
  }, CHECK_EVERY_MS);
  check.unref();
  return {
    async close() {
      closed = true;
      clearInterval(check);
      if (timer) clearTimeout(timer);
      await pending?.catch(() => undefined);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
