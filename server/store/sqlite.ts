// The SQLite Store: the embedded default, one file in the data directory. Opens the file, runs
// migrations, and serves the per-entity modules (sql-store.ts) over better-sqlite3.
//
// Foreign keys: credentials (web sessions, API tokens, tickets) die with their user by ON DELETE
// CASCADE. History (sessions, desktops, audit) keeps plain ids without FKs, so deleting a user,
// pool or host neither fails nor rewrites it; a deleted user's desktop keeps its owner_id rather
// than turning warm (claimable by someone else). Group memberships are JSON arrays of group ids.
import { systemClock, type Clock } from '../clock.ts';
import { migrate } from './migrations.ts';
import { openDatabase, sqliteSql } from './sqlite-db.ts';
import { NO_OTHER_GATEWAYS } from './signal-types.ts';
import { sqlStore } from './sql-store.ts';
import type { Store } from './types.ts';

export interface SqliteStoreOptions {
  /** Path of the database file (created 0600 if missing), or ':memory:' for tests. */
  file: string;
  /** Fills createdAt / audit `at` when the caller leaves them out. */
  clock?: Clock;
}

/** Opens the store; throws SchemaTooNewError when the file was migrated by a newer Deskport. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (typeof options.file !== 'string' || options.file === '') throw new Error('openSqliteStore: file is required.');
  const clock = options.clock ?? systemClock;
  const db = openDatabase(options.file);
  try {
    migrate(db, undefined, clock.now());
    const ping = db.prepare<[], { ok: number }>('SELECT 1 AS ok');
    return {
      ...sqlStore(sqliteSql(db), clock),
      signals: NO_OTHER_GATEWAYS,
      async ping() {
        try {
          return db.open && ping.get()?.ok === 1;
        } catch {
          return false;
        }
      },
      async close() {
        if (db.open) db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
