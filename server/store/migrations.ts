// Numbered schema migrations (migrations/NNN_name.sql), applied at start in one write transaction
// and recorded in schema_migrations. A database migrated by a newer Deskport is refused rather
// than written to by code that does not understand its schema.
import { readdirSync, readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SQLITE_MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

const FILE_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      `The database schema is version ${databaseVersion}, newer than this Deskport understands ` +
        `(up to ${codeVersion}). Run the Deskport release that created it, or restore a backup.`,
    );
  }
}

/** Reads the migration files; versions must run 1, 2, 3, ... so a missing or doubled file fails loudly. */
export function loadMigrations(dir: URL = SQLITE_MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE_NAME.exec(file);
    if (!m) throw new Error(`Migration file name "${file}" does not look like NNN_name.sql.`);
    migrations.push({ version: Number(m[1]), name: m[2] ?? '', sql: readFileSync(new URL(file, dir), 'utf8') });
  }
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migrations must be numbered 1, 2, 3, ...; found ${m.version} at position ${i + 1}.`);
  });
  return migrations;
}

export interface MigrationResult {
  /** Versions applied by this call, oldest first. */
  applied: number[];
  /** The schema version after this call. */
  version: number;
}

/**
 * Brings the database up to the newest migration. The version check and every pending file run
 * in one IMMEDIATE transaction: two gateways starting together cannot both apply a migration,
 * and a failing file leaves the database exactly as it was.
 */
export function migrate(db: Database, migrations: Migration[] = loadMigrations(), now = Date.now()): MigrationResult {
  const latest = migrations.at(-1)?.version ?? 0;
  const run = db.transaction((): MigrationResult => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const row = db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations').get();
    const current = row?.v ?? 0;
    if (current > latest) throw new SchemaTooNewError(current, latest);
    const record = db.prepare<[number, string, number]>('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, now);
      applied.push(m.version);
    }
    return { applied, version: Math.max(current, latest) };
  });
  return run.immediate();
}
