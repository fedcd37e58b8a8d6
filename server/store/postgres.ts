// The PostgreSQL Store: what several gateways share. The entity modules are SQLite's (sql-store.ts);
// this file adds the pool, the migrations and ping/close. Migrations are the same numbered list as
// SQLite's, in PostgreSQL's SQL (migrations/postgres/), applied under an advisory lock so gateways
// starting together apply each one once.
import type pg from 'pg';
import { systemClock, type Clock } from '../clock.ts';
import { loadMigrations, SchemaTooNewError, SQLITE_MIGRATIONS_DIR, type Migration, type MigrationResult } from './migrations.ts';
import { postgresSql, translate, withClient } from './postgres-db.ts';
import { postgresSignals } from './postgres-signals.ts';
import { sqlStore } from './sql-store.ts';
import type { Store } from './types.ts';

export const POSTGRES_MIGRATIONS_DIR = new URL('./migrations/postgres/', import.meta.url);
/** pg_advisory_xact_lock key for schema migrations ("deskport" as a number). */
const MIGRATION_LOCK = 0x6465736b706f7274n;

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (libpq's URL form; sslmode etc. as query parameters). */
  url: string;
  clock?: Clock;
  /** Connections this gateway keeps at most. */
  maxConnections?: number;
  /** An idle connection failed (the server restarted): for the log. */
  onError?: (err: Error) => void;
}

/** The PostgreSQL list must be SQLite's, version for version and name for name. */
export function loadPostgresMigrations(): Migration[] {
  const pgList = loadMigrations(POSTGRES_MIGRATIONS_DIR);
  const sqlite = loadMigrations(SQLITE_MIGRATIONS_DIR);
  const key = (m: Migration) => `${m.version}_${m.name}`;
  if (pgList.map(key).join() !== sqlite.map(key).join()) {
    throw new Error(`PostgreSQL migrations (${pgList.map(key).join(', ')}) are not in step with SQLite's (${sqlite.map(key).join(', ')}).`);
  }
  return pgList;
}

/** Brings the database up to the newest migration, in one transaction under an advisory lock. */
export async function migratePostgres(pool: pg.Pool, migrations = loadPostgresMigrations(), now = Date.now()): Promise<MigrationResult> {
  const latest = migrations.at(-1)?.version ?? 0;
  return withClient(pool, async (client, broken) => {
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    BIGINT PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at BIGINT NOT NULL
      )`);
      const row = (await client.query<{ v: string | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0];
      const current = Number(row?.v ?? 0);
      if (current > latest) throw new SchemaTooNewError(current, latest);
      const applied: number[] = [];
      for (const m of migrations) {
        if (m.version <= current) continue;
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now]);
        applied.push(m.version);
      }
      await client.query('COMMIT');
      return { applied, version: Math.max(current, latest) };
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken.err ??= e));
      throw translate(err);
    }
  });
}

/** Connects, migrates and returns the store; throws (and closes the pool) if either fails. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  if (typeof options.url !== 'string' || !/^postgres(ql)?:\/\//.test(options.url)) {
    throw new Error('openPostgresStore: url must be a postgres:// URL.');
  }
  const clock = options.clock ?? systemClock;
  const q = postgresSql({ url: options.url, max: options.maxConnections, onError: options.onError });
  let closed = false;
  try {
    await migratePostgres(q.pool, undefined, clock.now());
  } catch (err) {
    await q.pool.end();
    throw err;
  }
  const signals = postgresSignals(q, options.url, options.onError);
  return {
    ...sqlStore(q, clock),
    signals,
    async ping() {
      if (closed) return false;
      try {
        return (await q.get<{ ok: number }>('SELECT 1 AS ok'))?.ok === 1;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await signals.closeAll();
      await q.pool.end();
    },
  };
}
