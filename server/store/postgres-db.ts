// The PostgreSQL side of sql.ts: `Sql` over a node-postgres pool. The shared modules write `?` and
// `@name` parameters as better-sqlite3 takes them; each distinct SQL text is rewritten to $1..$n
// once and kept. BIGINT and NUMERIC come back as JS numbers (times are epoch ms, far below 2^53),
// and PostgreSQL's constraint errors become the store's own.
import pg from 'pg';
import { StoreConflictError, StoreInvalidTextError, StoreUnavailableError } from './errors.ts';
import type { Bindable } from './rows.ts';
import type { Dialect, Params, Sql } from './sql.ts';

export const POSTGRES: Dialect = {
  name: 'postgres',
  jsonEach: (expr) => `jsonb_array_elements_text(CAST(${expr} AS jsonb))`,
  jsonArrayAgg: (expr) => `coalesce(CAST(jsonb_agg(${expr}) AS text), '[]')`,
  forUpdate: ' FOR UPDATE',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  // EXCLUSIVE: reads go on, every write waits (SQLite's BEGIN IMMEDIATE, for these tables).
  lockTables: (tables) => `LOCK TABLE ${tables.join(', ')} IN EXCLUSIVE MODE`,
};

const INT8 = 20;
const NUMERIC = 1700;
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 || oid === NUMERIC
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

interface Positional {
  text: string;
  /** null: `?` parameters, taken in order; otherwise the @names in $n order. */
  names: string[] | null;
}

/**
 * `?` → $1, $2, ... and `@name` → $k (one $k per distinct name), outside quoted strings and
 * identifiers. The texts are code constants, so a text using both kinds is a bug: thrown.
 */
export function toPositional(sql: string): Positional {
  let out = '';
  let n = 0;
  const names: string[] = [];
  let named = false;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      if (end < 0) throw new Error(`Unterminated quote in SQL: ${sql}`);
      out += sql.slice(i, end + 1);
      i = end;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else if (ch === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      let k = names.indexOf(name);
      if (k < 0) k = names.push(name) - 1;
      out += `$${k + 1}`;
      named = true;
      i += name.length;
    } else {
      out += ch;
    }
  }
  if (named && n > 0) throw new Error(`SQL mixes ? and @name parameters: ${sql}`);
  return { text: out, names: named ? names : null };
}

function values(p: Positional, params: Params | undefined): Bindable[] {
  if (p.names === null) return Array.isArray(params) ? [...(params as Bindable[])] : [];
  const obj = (params ?? {}) as Record<string, Bindable | undefined>;
  return p.names.map((name) => {
    const v = obj[name];
    if (v === undefined) throw new Error(`Missing SQL parameter @${name}.`);
    return v;
  });
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', 'EAI_AGAIN']);
// SQLSTATE 08xxx connection exceptions; 57P01-03 the server shutting down or starting; 53300 too many connections.
const UNREACHABLE_STATES = /^(08|57P0[123]$|53300$)/;
const UNREACHABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connection error|Cannot use a pool after calling end/i;

/**
 * The store's own errors, as for SQLite: 23505 unique_violation and 23503 foreign_key_violation
 * are conflicts; a database that cannot be reached is StoreUnavailableError (503, not 500).
 */
export function translate(err: unknown): unknown {
  if (
    err instanceof StoreUnavailableError ||
    err instanceof StoreConflictError ||
    err instanceof StoreInvalidTextError ||
    typeof err !== 'object' ||
    err === null
  )
    return err;
  const e = err as { code?: string; table?: string; detail?: string; constraint?: string; message?: string };
  if ((e.code && (UNREACHABLE_CODES.has(e.code) || UNREACHABLE_STATES.test(e.code))) || UNREACHABLE_MESSAGES.test(e.message ?? '')) {
    return new StoreUnavailableError(`The database cannot be reached (${e.code ?? e.message ?? 'no answer'}).`);
  }
  if (e.code === '23505') {
    const cols = /^Key \(([^)]*)\)/.exec(e.detail ?? '')?.[1];
    const what =
      e.table && cols
        ? cols
            .split(', ')
            .map((c) => `${e.table}.${c}`)
            .join(', ')
        : e.constraint;
    return new StoreConflictError('duplicate', `Already exists${what ? ` (${what})` : ''}.`, what);
  }
  if (e.code === '23503') return new StoreConflictError('missing_reference', 'Refers to something that does not exist.');
  // 22021 character_not_in_repertoire (a NUL in text), 22P05 untranslatable_character.
  if (e.code === '22021' || e.code === '22P05') return new StoreInvalidTextError('Text must not contain NUL characters.');
  // Any other error may be logged: PostgreSQL's detail can quote the failing row ("Failing row
  // contains (...)"), with a password hash or a TOTP secret in it. It stays out.
  if (e && typeof e === 'object' && 'detail' in e) e.detail = undefined;
  return err;
}

/**
 * A client checked out of the pool has no error listener of the pool's: a connection that breaks
 * while it is out (the server restarting) would emit an unhandled 'error' and end the process.
 * Calls `use` with the client and a place to note the failure, then releases it (destroyed if broken).
 */
export async function withClient<T>(pool: pg.Pool, use: (client: pg.PoolClient, broken: { err?: Error }) => Promise<T>): Promise<T> {
  const client = await pool.connect().catch((err: unknown) => {
    throw translate(err);
  });
  const broken: { err?: Error } = {};
  const onError = (err: Error) => (broken.err ??= err);
  client.on('error', onError);
  try {
    return await use(client, broken);
  } finally {
    client.off('error', onError);
    client.release(broken.err ?? false);
  }
}

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export interface PostgresSql extends Sql {
  readonly pool: pg.Pool;
}

export interface PostgresPoolOptions {
  url: string;
  /** Connections this gateway keeps at most (default 10). */
  max?: number;
  /** An idle connection's error (the server restarted, the network dropped): logged, never thrown. */
  onError?: (err: Error) => void;
}

export function postgresSql(options: PostgresPoolOptions): PostgresSql {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    types: TYPES,
    // A gateway must not hang on a database that went away: fail fast and answer 503.
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (err) => options.onError?.(err));
  const texts = new Map<string, Positional>();
  const positional = (sql: string): Positional => {
    let p = texts.get(sql);
    if (!p) {
      p = toPositional(sql);
      texts.set(sql, p);
    }
    return p;
  };
  const query = async <R>(on: Queryable, sql: string, params?: Params): Promise<pg.QueryResult<R & pg.QueryResultRow>> => {
    const p = positional(sql);
    try {
      return await on.query<R & pg.QueryResultRow>(p.text, values(p, params));
    } catch (err) {
      throw translate(err);
    }
  };
  const over = (on: Queryable, tx: Sql['tx']): Sql => ({
    dialect: POSTGRES,
    async all<R>(sql: string, params?: Params) {
      return (await query<R>(on, sql, params)).rows as R[];
    },
    async get<R>(sql: string, params?: Params) {
      return (await query<R>(on, sql, params)).rows[0] as R | undefined;
    },
    async run(sql, params) {
      return (await query(on, sql, params)).rowCount ?? 0;
    },
    tx,
  });
  const sql = over(pool, (fn) =>
    withClient(pool, async (client, broken) => {
      try {
        await client.query('BEGIN');
        const inside: Sql = over(client, (f) => f(inside));
        const out = await fn(inside);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => (broken.err ??= e));
        throw translate(err);
      }
    }),
  );
  return { ...sql, pool };
}
