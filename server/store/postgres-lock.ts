// The one-gateway-per-database lock (docs/store.md): a session advisory lock on a connection of its
// own, kept for the gateway's life. PostgreSQL restarting ends that connection and the lock with
// it; the lock is then taken again as soon as the server answers. If another gateway took it in
// between, this one is told (onLost) and must stop: two gateways would end each other's sessions.
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

/** One attempt: a connected client holding the lock, or DatabaseInUseError, or the connection's error. */
async function take(url: string, onBroken: (c: pg.Client, err: Error) => void): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: 5000 });
  // Errors while connecting reject connect() below; these listeners matter once it holds the lock.
  client.on('error', (err) => onBroken(client, err));
  // 'end' without an error: the server closed the connection cleanly (a fast shutdown).
  client.once('end', () => onBroken(client, new Error('the lock connection ended')));
  try {
    await client.connect();
    const got = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [GATEWAY_LOCK.toString()])).rows[0]?.ok;
    if (!got) throw inUse();
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

/** Takes the lock or throws (DatabaseInUseError when another gateway holds it). */
export async function holdGatewayLock(o: GatewayLockOptions): Promise<GatewayLock> {
  let closed = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
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
        take(o.url, broken).then(
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
  client = await take(o.url, broken);
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
