// A connection of its own, outside the pool, for what must hold one open (the gateway lock, the
// signal listener). A dead server sends no FIN: TCP keepalive after 10 s of silence, and every
// query gives up after 5 s, so a holder notices in time and connects again.
import pg from 'pg';

/** Seconds of silence before TCP asks a peer whether it is still there; the OS default is two hours. */
const KEEPALIVE_MS = 10_000;
export const QUERY_TIMEOUT_MS = 5_000;
/** How often a holder checks its connection still answers, and the waits between attempts to connect again. */
export const CHECK_EVERY_MS = 10_000;
export const RETRY_MS = [500, 1000, 2000, 5000];

/**
 * A client not yet connected. `onBroken` once it fails or the server closes it (also after connect);
 * errors while connecting reject connect() instead. `name` is its application_name.
 */
export function dedicatedClient(url: string, name: string, onBroken: (c: pg.Client, err: Error) => void): pg.Client {
  const client = new pg.Client({
    connectionString: url,
    application_name: name,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_MS,
    connectionTimeoutMillis: QUERY_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
  });
  client.on('error', (err) => onBroken(client, err));
  // 'end' without an error: the server closed the connection cleanly (a fast shutdown).
  client.once('end', () => onBroken(client, new Error('the connection ended')));
  return client;
}

export interface KeptConnection {
  close(): Promise<void>;
}

export interface KeepConnectionOptions {
  url: string;
  /** application_name: tells this holder's own sessions apart in pg_stat_activity. */
  name: string;
  /** Run on each new connection before it counts as held (LISTEN, take a lock); throwing gives it up. */
  setup: (client: pg.Client) => Promise<void>;
  /** The connection failed (logged; it is being opened again). */
  onError?: (err: Error) => void;
  /** An error of setup that must not be retried: stop trying and tell the owner. */
  fatal?: (err: Error) => boolean;
  onFatal?: (err: Error) => void;
  /** Connected again after a break (not on the first connection). */
  onReconnected?: () => void;
}

/** Connects (throws if the first attempt fails), then keeps the connection: opened again after any break, with backoff. */
export async function keepConnection(o: KeepConnectionOptions): Promise<KeptConnection> {
  let closed = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pending: Promise<unknown> | undefined;
  let attempt = 0;
  const open = async (): Promise<pg.Client> => {
    const c = dedicatedClient(o.url, o.name, broken);
    try {
      await c.connect();
      await o.setup(c);
      return c;
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
  };
  // Only the client held now counts; a stale one's late events are ignored.
  function broken(c: pg.Client, err: Error): void {
    if (closed || c !== client) return;
    o.onError?.(err);
    client = undefined;
    void c.end().catch(() => undefined);
    retry();
  }
  function retry(): void {
    timer = setTimeout(
      () => {
        pending = open().then(
          (c) => {
            if (closed) return void c.end().catch(() => undefined);
            attempt = 0;
            client = c;
            o.onReconnected?.();
          },
          (err: Error) => {
            if (closed) return;
            if (o.fatal?.(err)) return o.onFatal?.(err);
            attempt++;
            retry();
          },
        );
      },
      RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)],
    );
  }
  client = await open();
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
