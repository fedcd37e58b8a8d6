// The Store contract on a real PostgreSQL 15 (a private cluster from Debian's package, started by
// the test), plus what only PostgreSQL has: migrations in step with SQLite's, applied once by
// gateways starting together, and the parameter rewriting of postgres-db.ts.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../../test/helpers/postgres.ts';
import { loadMigrations } from './migrations.ts';
import { loadPostgresMigrations, migratePostgres, openPostgresStore } from './postgres.ts';
import { toPositional } from './postgres-db.ts';
import { StoreInvalidTextError } from './errors.ts';
import { runStoreContract } from './store.contract.ts';
import { aUser } from './store.fixtures.ts';

let cluster: PostgresCluster;
let template: string;

beforeAll(async () => {
  cluster = await startPostgres();
  // Each test gets a copy of one migrated database: CREATE DATABASE ... TEMPLATE is much quicker than migrating.
  const url = await cluster.createDatabase('contract_template');
  const s = await openPostgresStore({ url });
  await s.close();
  template = 'contract_template';
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
}, 30_000);

let n = 0;
async function freshDatabase(): Promise<string> {
  const name = `contract_${++n}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  return cluster.url.replace(/\/[^/]*$/, `/${name}`);
}

runStoreContract('postgresql 15', async () => openPostgresStore({ url: await freshDatabase() }));

describe('PostgreSQL store', () => {
  it('keeps its migrations in step with SQLite’s, version for version', () => {
    const key = (m: { version: number; name: string }) => `${m.version}_${m.name}`;
    expect(loadPostgresMigrations().map(key)).toEqual(loadMigrations().map(key));
  });

  it('applies each migration once when several gateways start together', async () => {
    const url = await cluster.createDatabase();
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: url, max: 1 }));
    try {
      const results = await Promise.all(pools.map((p) => migratePostgres(p)));
      const applied = results.flatMap((r) => r.applied);
      expect(applied).toEqual(loadPostgresMigrations().map((m) => m.version));
      const rows = (await pools[0]!.query('SELECT version FROM schema_migrations ORDER BY version')).rows;
      expect(rows.map((r: { version: string }) => Number(r.version))).toEqual(applied);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('refuses a database migrated by a newer Deskport', async () => {
    const url = await cluster.createDatabase();
    const store = await openPostgresStore({ url });
    await store.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, $1, 0)', ['from_the_future']);
    await c.end();
    await expect(openPostgresStore({ url })).rejects.toThrow(/newer than this Deskport understands/);
  });

  it('says what is wrong when the server cannot be reached', async () => {
    const url = cluster.url.replace(/:\d+\//, ':1/');
    await expect(openPostgresStore({ url })).rejects.toThrow(/ECONNREFUSED|connect/);
  });

  it('stores epoch milliseconds and finds users whatever the case of their name', async () => {
    const store = await openPostgresStore({ url: await freshDatabase() });
    try {
      const u = await store.createUser(aUser({ username: 'Alice', createdAt: 4_102_444_800_000 }));
      expect((await store.getUserByName('ALICE'))?.id).toBe(u.id);
      expect((await store.getUser(u.id))?.createdAt).toBe(4_102_444_800_000);
    } finally {
      await store.close();
    }
  });

  it('refuses text with a NUL character as invalid text (a 400 at the API), not an internal error', async () => {
    const store = await openPostgresStore({ url: await freshDatabase() });
    try {
      await expect(store.createUser(aUser({ displayName: 'Al\u0000ice' }))).rejects.toBeInstanceOf(StoreInvalidTextError);
      expect(await store.countUsers()).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('toPositional', () => {
  it('numbers ? in order and each @name once, leaving quoted text alone', () => {
    expect(toPositional("SELECT * FROM t WHERE a = ? AND b = 'x?@y' AND c = ?")).toEqual({
      text: "SELECT * FROM t WHERE a = $1 AND b = 'x?@y' AND c = $2",
      names: null,
    });
    expect(toPositional('UPDATE t SET a = @now WHERE h = @hash AND e > @now')).toEqual({
      text: 'UPDATE t SET a = $1 WHERE h = $2 AND e > $1',
      names: ['now', 'hash'],
    });
  });

  it('refuses a text mixing both kinds', () => {
    expect(() => toPositional('SELECT ? , @a')).toThrow(/mixes/);
  });
});
