// The SQLite Store: the embedded default, one file in the data directory. Opens the file, runs
// migrations, and composes the per-entity modules (sqlite-users.ts, sqlite-pools.ts, ...).
//
// Foreign keys: credentials (web sessions, API tokens, tickets) die with their user by ON DELETE
// CASCADE. History (sessions, desktops, audit) keeps plain ids without FKs, so deleting a user,
// pool or host neither fails nor rewrites it; a deleted user's desktop keeps its owner_id rather
// than turning warm (claimable by someone else). Group memberships are JSON arrays of group ids.
import { systemClock, type Clock } from '../clock.ts';
import { migrate } from './migrations.ts';
import { sqliteAudit } from './sqlite-audit.ts';
import { openDatabase } from './sqlite-db.ts';
import { sqliteDesktops } from './sqlite-desktops.ts';
import { sqliteIdentity } from './sqlite-identity.ts';
import { sqliteMachines } from './sqlite-machines.ts';
import { sqliteMfa } from './sqlite-mfa.ts';
import { sqlitePools } from './sqlite-pools.ts';
import { sqliteRecordings } from './sqlite-recordings.ts';
import { sqliteSessions } from './sqlite-sessions.ts';
import { sqliteSignInSecrets } from './sqlite-sign-in-secrets.ts';
import { sqliteUsers } from './sqlite-users.ts';
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
      ...sqliteUsers(db, clock),
      ...sqliteMfa(db),
      ...sqliteIdentity(db),
      ...sqlitePools(db),
      ...sqliteDesktops(db),
      ...sqliteSessions(db),
      ...sqliteMachines(db),
      ...sqliteSignInSecrets(db),
      ...sqliteRecordings(db),
      ...sqliteAudit(db, clock),
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
