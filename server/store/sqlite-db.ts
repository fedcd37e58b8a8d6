// The SQLite side of sql.ts: opening the file (0600, WAL, FKs) and `Sql` over better-sqlite3, with
// each distinct SQL text prepared once and SQLite's constraint errors turned into the store's own.
import { writeFileSync } from 'node:fs';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { StoreConflictError } from './errors.ts';
import type { Dialect, Params, Sql } from './sql.ts';

/** Opens (creating if needed) the database with the pragmas every connection needs. */
export function openDatabase(file: string): Database {
  if (file !== ':memory:') createPrivately(file);
  const db = new BetterSqlite3(file);
  try {
    if (file !== ':memory:') {
      // WAL lets readers (e.g. /readyz, the admin console) run beside the writer.
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`SQLite refused WAL mode for ${file} (got ${String(mode)}).`);
    }
    db.pragma('foreign_keys = ON');
    // Another process (a backup, a second gateway during a restart) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
    // Safe with WAL: a power cut can lose the last commits but never corrupts the file.
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * The file holds password hashes and desktop secrets, so it must never be created world-readable
 * under a lax umask. SQLite gives the -wal and -shm files the same mode as the database file.
 * An existing file keeps the mode its owner chose.
 */
function createPrivately(file: string): void {
  try {
    writeFileSync(file, '', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

export const SQLITE: Dialect = {
  name: 'sqlite',
  jsonEach: (expr) => `json_each(${expr})`,
  jsonArrayAgg: (expr) => `json_group_array(${expr})`,
  // BEGIN IMMEDIATE takes the write lock before the first read.
  forUpdate: '',
  skipLocked: '',
  lockTables: () => null,
};

/**
 * `Sql` over one better-sqlite3 connection. Statements run synchronously; a transaction is
 * BEGIN IMMEDIATE ... COMMIT around an async function, so while one is open every other caller
 * on this connection waits for it (otherwise its statements would run inside the transaction).
 */
export function sqliteSql(db: Database): Sql {
  // Keyed by SQL text; the texts are code constants and filter combinations, a bounded set.
  const statements = new Map<string, Statement>();
  const prepare = (sql: string): Statement => {
    let s = statements.get(sql);
    if (!s) {
      s = translate(() => db.prepare(sql));
      statements.set(sql, s);
    }
    return s;
  };
  const args = (params: Params | undefined): unknown[] =>
    params === undefined ? [] : Array.isArray(params) ? (params as unknown[]) : [params];
  let held: Promise<void> | null = null;

  const inside: Sql = {
    dialect: SQLITE,
    async all<R>(sql: string, params?: Params) {
      return translate(() => prepare(sql).all(...args(params)) as R[]);
    },
    async get<R>(sql: string, params?: Params) {
      return translate(() => prepare(sql).get(...args(params)) as R | undefined);
    },
    async run(sql: string, params?: Params) {
      return translate(() => prepare(sql).run(...args(params)).changes);
    },
    tx: (fn) => fn(inside),
  };
  return {
    dialect: SQLITE,
    async all(sql, params) {
      while (held) await held;
      return inside.all(sql, params);
    },
    async get(sql, params) {
      while (held) await held;
      return inside.get(sql, params);
    },
    async run(sql, params) {
      while (held) await held;
      return inside.run(sql, params);
    },
    async tx(fn) {
      // The check and the claim run in one turn of the event loop, so two callers never both begin.
      while (held) await held;
      let release!: () => void;
      held = new Promise((r) => (release = r));
      try {
        db.exec('BEGIN IMMEDIATE');
        try {
          const out = await fn(inside);
          db.exec('COMMIT');
          return out;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      } finally {
        held = null;
        release();
      }
    },
  };
}

/** Runs a statement, turning SQLite constraint errors into the store's own error type. */
function translate<T>(write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (err instanceof BetterSqlite3.SqliteError) {
      const what = /constraint failed: (.*)$/.exec(err.message)?.[1];
      if (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new StoreConflictError('duplicate', `Already exists${what ? ` (${what})` : ''}.`, what);
      }
      if (err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new StoreConflictError('missing_reference', 'Refers to something that does not exist.');
      }
    }
    throw err;
  }
}
