// The SQLite plumbing shared by the per-entity modules: opening the file (0600, WAL, FKs), a cache
// for statements whose shape depends on a filter, SQLite error translation and patch merging.
import { writeFileSync } from 'node:fs';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { StoreConflictError } from './errors.ts';
import type { Bindable } from './rows.ts';

export type Params = Record<string, Bindable>;

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

/** Prepares each distinct SQL text once; for queries whose WHERE depends on which filters are set. */
export class StatementCache {
  private readonly statements = new Map<string, Statement<[Params], unknown>>();
  constructor(private readonly db: Database) {}

  get<R>(sql: string): Statement<[Params], R> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare<[Params], unknown>(sql);
      this.statements.set(sql, s);
    }
    return s as Statement<[Params], R>;
  }
}

/** Builds "WHERE a AND b" (or nothing) from the conditions that apply. */
export function where(conditions: string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

/** A SQL list literal of code constants (never of input), e.g. LIVE_SESSION_STATES. */
export function sqlList(values: readonly string[]): string {
  return `(${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')})`;
}

/** Clamps a caller's limit: missing or nonsense means the default, too large means max. */
export function clampLimit(limit: number | undefined, def: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit) || limit < 1) return def;
  return Math.min(Math.floor(limit), max);
}

/**
 * The entity after a patch: only keys present with a defined value change (Partial<> lets
 * callers pass undefined), and id/createdAt never do, whatever a caller smuggles in at runtime.
 */
export function applyPatch<T extends { id: string; createdAt: number }>(current: T, patch: object): T {
  const next: T = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined && key in current && key !== 'id' && key !== 'createdAt') {
      (next as Record<string, unknown>)[key] = value;
    }
  }
  return next;
}

/** Runs a write, turning SQLite constraint errors into the store's own error type. */
export function translate<T>(write: () => T): T {
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

/** INSERT of every column from a row object, returning what was stored. */
export function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')}) RETURNING *`;
}

/** UPDATE of every column but the key and created_at, returning the new row. */
export function updateSql(table: string, columns: readonly string[], key = 'id'): string {
  const set = columns.filter((c) => c !== key && c !== 'created_at').map((c) => `${c} = @${c}`);
  return `UPDATE ${table} SET ${set.join(', ')} WHERE ${key} = @${key} RETURNING *`;
}

/**
 * A patch update as read, merge, write in one IMMEDIATE transaction: the write lock is taken
 * before the read, so a concurrent writer (another gateway process) cannot slip in between.
 */
export function patcher<E extends { id: string; createdAt: number }, R>(
  db: Database,
  select: Statement<[string], R>,
  update: Statement<[R], R>,
  toRow: (e: E) => R,
  fromRow: (r: R) => E,
): (id: string, patch: object, guard?: (current: E) => boolean) => E | null {
  // The optional guard makes it a compare-and-set: the write happens only if the stored row passes.
  const tx = db.transaction((id: string, patch: object, guard?: (current: E) => boolean): E | null => {
    const row = select.get(id);
    if (!row) return null;
    if (guard && !guard(fromRow(row))) return null;
    const stored = translate(() => update.get(toRow(applyPatch(fromRow(row), patch))));
    return stored ? fromRow(stored) : null;
  });
  return (id, patch, guard) => tx.immediate(id, patch, guard);
}
