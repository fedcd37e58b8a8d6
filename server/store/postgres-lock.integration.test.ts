// The one-gateway-per-database lock on a real PostgreSQL 15: refused while held, taken again by its
// holder after PostgreSQL restarts, and reported lost (onLost) when another gateway took it while the
// holder's connection was gone.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../../test/helpers/postgres.ts';
import { DatabaseInUseError, holdGatewayLock, type GatewayLock } from './postgres-lock.ts';

let cluster: PostgresCluster;
let url: string;
const held: GatewayLock[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
  url = await cluster.createDatabase('locks');
}, 60_000);

afterAll(async () => {
  for (const l of held) await l.close();
  await cluster?.stop();
}, 30_000);

const hold = async (onLost: (err: DatabaseInUseError) => void = () => undefined) => {
  const l = await holdGatewayLock({ url, onLost });
  held.push(l);
  return l;
};

/** Whether a second gateway would be refused now. */
const refused = () =>
  hold().then(
    async (l) => {
      await l.close();
      return false;
    },
    (err: unknown) => err instanceof DatabaseInUseError,
  );

/** Sessions holding an advisory lock now, read from pg_locks (takes nothing; 0 while the server is down). */
async function advisoryHolders(): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    const r = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted");
    return r.rows[0]?.n ?? 0;
  } catch {
    return 0;
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('the one-gateway lock', () => {
  it('refuses a second holder and frees the lock on close', async () => {
    const a = await hold();
    expect(await refused()).toBe(true);
    await a.close();
    expect(await refused()).toBe(false);
  });

  it('is taken again by its holder after PostgreSQL restarts', async () => {
    const lost: Error[] = [];
    const a = await hold((e) => lost.push(e));
    await cluster.restart();
    // Watched without taking it: a probe holding the lock for a moment would be another gateway to a.
    await expect.poll(advisoryHolders, { timeout: 15_000, interval: 200 }).toBe(1);
    expect(await refused()).toBe(true);
    expect(lost).toEqual([]);
    await a.close();
  }, 30_000);

  it('tells its holder when another gateway took it while the holder’s connection was gone', async () => {
    const lost: Error[] = [];
    const a = await hold((e) => lost.push(e));
    // Cut only a's connection (as a network drop would), then take the lock at once, before a's
    // first retry (500 ms later).
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()");
    await admin.end();
    let b: GatewayLock | null = null;
    for (const until = Date.now() + 400; !b && Date.now() < until;) b = await hold().catch(() => null);
    expect(b).not.toBeNull();
    await expect.poll(() => lost.length, { timeout: 10_000, interval: 100 }).toBe(1);
    expect(lost[0]).toBeInstanceOf(DatabaseInUseError);
    await a.close();
  }, 30_000);
});
