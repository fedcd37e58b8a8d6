// The SQL both stores speak. The per-entity modules (sql-users.ts, sql-sessions.ts, ...) are written
// once against `Sql`, in SQL that SQLite and PostgreSQL both run; the few places the dialects differ
// (JSON arrays, row locks) go through `Dialect`. sqlite-db.ts and postgres-db.ts implement it.
// Parameters are `?` (an array) or `@name` (an object), as better-sqlite3 takes them; the PostgreSQL
// side rewrites both to $n. See docs/store.md for why hand-written SQL and not a query builder.
import type { Bindable } from './rows.ts';

/** A row object (its keys named by @name) or positional values; values are Bindable. */
export type Params = object | readonly Bindable[];

export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** A table of the JSON array text `expr`, one row per element in a column named `value`. */
  jsonEach(expr: string): string;
  /** The JSON array text of an aggregate over `expr` ('[]' when there are no rows). */
  jsonArrayAgg(expr: string): string;
  /** Appended to a SELECT inside `tx` that reads a row it will then write ('' where the transaction already holds the write lock). */
  readonly forUpdate: string;
  /** Appended to a subquery that picks one of several rows to claim: rows another transaction is claiming are passed over. */
  readonly skipLocked: string;
  /** A statement, run first in a transaction, that keeps every other writer out of these tables until it ends; null where the transaction already does (SQLite). */
  lockTables(tables: readonly string[]): string | null;
}

export interface Sql {
  readonly dialect: Dialect;
  all<R>(sql: string, params?: Params): Promise<R[]>;
  get<R>(sql: string, params?: Params): Promise<R | undefined>;
  /** Runs a write; resolves to the number of rows it changed. */
  run(sql: string, params?: Params): Promise<number>;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. Only the
   * `Sql` handed to `fn` runs inside it. Constraint errors become StoreConflictError everywhere.
   */
  tx<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
}

/** Builds "WHERE a AND b" (or nothing) from the conditions that apply. */
export function where(conditions: string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

/** The WHERE of a filtered list and its @parameters, from whichever of the filter's fields are set. */
export class Conditions {
  readonly list: string[] = [];
  readonly params: Record<string, Bindable>;
  constructor(params: Record<string, Bindable> = {}) {
    this.params = { ...params };
  }
  /** `column = @name`, when the value is set. */
  eq(column: string, name: string, value: Bindable | undefined): this {
    if (value !== undefined) this.add(`${column} = @${name}`, { [name]: value });
    return this;
  }
  /** A condition (and the parameters it names). */
  add(condition: string, params: Record<string, Bindable> = {}): this {
    this.list.push(condition);
    Object.assign(this.params, params);
    return this;
  }
  where(): string {
    return where(this.list);
  }
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
 * A patch update as read, merge, write in one transaction that locks the row before the read
 * (SQLite: BEGIN IMMEDIATE; PostgreSQL: FOR UPDATE), so a concurrent writer, another gateway
 * included, cannot slip in between. The optional guard makes it a compare-and-set: the write
 * happens only if the stored row passes.
 */
export function patcher<E extends { id: string; createdAt: number }, R extends object>(
  q: Sql,
  table: string,
  columns: readonly string[],
  toRow: (e: E) => R,
  fromRow: (r: R) => E,
): (id: string, patch: object, guard?: (current: E) => boolean) => Promise<E | null> {
  const select = `SELECT * FROM ${table} WHERE id = ?${q.dialect.forUpdate}`;
  const update = updateSql(table, columns);
  return (id, patch, guard) =>
    q.tx(async (t) => {
      const row = await t.get<R>(select, [id]);
      if (!row) return null;
      if (guard && !guard(fromRow(row))) return null;
      const stored = await t.get<R>(update, toRow(applyPatch(fromRow(row), patch)));
      return stored ? fromRow(stored) : null;
    });
}

/** The one row a query finds, as an entity, or null. */
export async function one<R, E>(q: Sql, sql: string, params: Params, from: (r: R) => E): Promise<E | null> {
  const row = await q.get<R>(sql, params);
  return row ? from(row) : null;
}

/** Every row a query finds, as entities. */
export async function many<R, E>(q: Sql, sql: string, params: Params, from: (r: R) => E): Promise<E[]> {
  return (await q.all<R>(sql, params)).map(from);
}
