// Migrations: numbered files applied once, all-or-nothing, and a newer database refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_POLICY } from '../../contract/api/policy.ts';
import { loadMigrations, migrate, SchemaTooNewError, type Migration } from './migrations.ts';
import { policyFromText } from './rows.ts';

const tables = (db: BetterSqlite3.Database) =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);

describe('migrations', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => cleanup.splice(0).forEach((f) => f()));
  const memoryDb = () => {
    const db = new BetterSqlite3(':memory:');
    cleanup.push(() => db.close());
    return db;
  };
  const dirWith = (files: Record<string, string>): URL => {
    const dir = mkdtempSync(join(tmpdir(), 'deskport-migrations-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
    return pathToFileURL(`${dir}/`);
  };

  it('ships migrations numbered from 1 without gaps', () => {
    const all = loadMigrations();
    expect(all.length).toBeGreaterThan(0);
    expect(all.map((m) => m.version)).toEqual(all.map((_, i) => i + 1));
    expect(all[0]?.name).toBe('init');
  });

  it('applies every pending migration once', () => {
    const db = memoryDb();
    const latest = loadMigrations().length;
    expect(migrate(db)).toEqual({ applied: Array.from({ length: latest }, (_, i) => i + 1), version: latest });
    expect(migrate(db)).toEqual({ applied: [], version: latest });
    expect(tables(db)).toEqual(expect.arrayContaining(['users', 'sessions', 'tickets', 'audit', 'schema_migrations']));
  });

  it('applies only the migrations newer than the database', () => {
    const db = memoryDb();
    const one: Migration = { version: 1, name: 'one', sql: 'CREATE TABLE a (x)' };
    const two: Migration = { version: 2, name: 'two', sql: 'CREATE TABLE b (x)' };
    migrate(db, [one]);
    expect(migrate(db, [one, two])).toEqual({ applied: [2], version: 2 });
    expect(tables(db)).toEqual(['a', 'b', 'schema_migrations']);
  });

  it('leaves the database untouched when a migration fails', () => {
    const db = memoryDb();
    const good: Migration = { version: 1, name: 'good', sql: 'CREATE TABLE a (x)' };
    const bad: Migration = { version: 2, name: 'bad', sql: 'CREATE TABLE b (x); THIS IS NOT SQL' };
    expect(() => migrate(db, [good, bad])).toThrow();
    expect(tables(db)).toEqual([]);
  });

  it('refuses a database newer than the code, with a message saying so', () => {
    const db = memoryDb();
    migrate(db, [
      { version: 1, name: 'a', sql: '' },
      { version: 2, name: 'b', sql: '' },
    ]);
    const run = () => migrate(db, [{ version: 1, name: 'a', sql: '' }]);
    expect(run).toThrow(SchemaTooNewError);
    expect(run).toThrow('The database schema is version 2, newer than this Deskport understands (up to 1).');
  });

  it('loads files in numeric order and refuses gaps, duplicates and odd names', () => {
    const ok = dirWith({ '002_second.sql': 'B', '001_first.sql': 'A', 'README.md': 'ignored' });
    expect(loadMigrations(ok)).toEqual([
      { version: 1, name: 'first', sql: 'A' },
      { version: 2, name: 'second', sql: 'B' },
    ]);
    expect(() => loadMigrations(dirWith({ '001_a.sql': '', '003_c.sql': '' }))).toThrow(/numbered 1, 2, 3/);
    expect(() => loadMigrations(dirWith({ '001_a.sql': '', '01_b.sql': '' }))).toThrow(/numbered 1, 2, 3/);
    expect(() => loadMigrations(dirWith({ 'init.sql': '' }))).toThrow(/NNN_name\.sql/);
  });
});

describe('migration 006 (machines)', () => {
  it('keeps every session of an older database as a pool session speaking vnc, and tickets still point at sessions', () => {
    const db = new BetterSqlite3(':memory:');
    try {
      db.pragma('foreign_keys = ON');
      const all = loadMigrations();
      migrate(
        db,
        all.filter((m) => m.version <= 5),
      );
      db.prepare(
        `INSERT INTO users (id, username, display_name, roles, group_ids, disabled, password_hash, created_at)
        VALUES ('u1', 'ann', 'Ann', '["user"]', '[]', 0, NULL, 1)`,
      ).run();
      db.prepare(
        `INSERT INTO sessions (id, pool_id, user_id, state, desktop_id, host_id, created_at, ready_at, ended_at, last_activity_at, detached_at, error)
        VALUES ('s1', 'p1', 'u1', 'ready', 'd1', 'h1', 1, 2, NULL, 3, NULL, NULL)`,
      ).run();
      expect(
        migrate(
          db,
          all.filter((m) => m.version <= 6),
        ).applied,
      ).toEqual([6]);
      expect(db.prepare('SELECT id, pool_id, machine_id, protocol, desktop_id FROM sessions').all()).toEqual([
        { id: 's1', pool_id: 'p1', machine_id: null, protocol: 'vnc', desktop_id: 'd1' },
      ]);
      const ticket = db.prepare(
        "INSERT INTO tickets (hash, user_id, session_id, mode, expires_at, used_at, created_at) VALUES (?, 'u1', ?, 'control', 9, NULL, 1)",
      );
      ticket.run('t1', 's1');
      expect(() => ticket.run('t2', 'no-such-session')).toThrow(/FOREIGN KEY/);
      // A session is on a pool or a machine, never both or neither.
      const session = db.prepare(`INSERT INTO sessions (id, pool_id, machine_id, user_id, state, created_at, last_activity_at)
        VALUES (?, ?, ?, 'u1', 'ready', 1, 1)`);
      expect(() => session.run('s2', 'p1', 'm1')).toThrow(/CHECK/);
      expect(() => session.run('s3', null, null)).toThrow(/CHECK/);
      session.run('s4', null, 'm1');
      expect(db.prepare("SELECT count(*) AS n FROM pragma_foreign_key_check('tickets')").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});

describe('migration 007 (kept sign-in passwords)', () => {
  it('keeps older tickets (issued from no web session) and ties new ones and kept passwords to their web session', () => {
    const db = new BetterSqlite3(':memory:');
    try {
      db.pragma('foreign_keys = ON');
      const all = loadMigrations();
      migrate(
        db,
        all.filter((m) => m.version <= 6),
      );
      db.prepare(
        `INSERT INTO users (id, username, display_name, roles, group_ids, disabled, password_hash, created_at)
        VALUES ('u1', 'ann', 'Ann', '["user"]', '[]', 0, NULL, 1)`,
      ).run();
      db.prepare(
        "INSERT INTO web_sessions (hash, id, user_id, created_at, expires_at, last_seen_at) VALUES ('h1', 'w1', 'u1', 1, 9, 1)",
      ).run();
      db.prepare(
        `INSERT INTO sessions (id, pool_id, user_id, state, created_at, last_activity_at) VALUES ('s1', 'p1', 'u1', 'ready', 1, 1)`,
      ).run();
      db.prepare(
        "INSERT INTO tickets (hash, user_id, session_id, mode, expires_at, created_at) VALUES ('old', 'u1', 's1', 'control', 9, 1)",
      ).run();
      expect(
        migrate(
          db,
          all.filter((m) => m.version <= 7),
        ).applied,
      ).toEqual([7]);
      expect(db.prepare("SELECT web_session_id FROM tickets WHERE hash = 'old'").get()).toEqual({ web_session_id: null });
      db.prepare(
        "INSERT INTO tickets (hash, user_id, session_id, mode, expires_at, created_at, web_session_id) VALUES ('new', 'u1', 's1', 'control', 9, 1, 'w1')",
      ).run();
      db.prepare(
        "INSERT INTO web_session_secrets (web_session_id, user_id, provider_id, username, password_sealed, created_at) VALUES ('w1', 'u1', 'ldap', 'ann', 'v1:x', 1)",
      ).run();
      db.prepare("DELETE FROM web_sessions WHERE id = 'w1'").run();
      expect(db.prepare('SELECT hash FROM tickets').all()).toEqual([{ hash: 'old' }]);
      expect(db.prepare('SELECT count(*) AS n FROM web_session_secrets').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});

/** A database migrated up to just before `version`, holding pool p1 as it was then, then migrated to the latest. */
function withOldPool(version: number, driver: string): InstanceType<typeof BetterSqlite3> {
  const db = new BetterSqlite3(':memory:');
  const all = loadMigrations();
  migrate(
    db,
    all.filter((m) => m.version < version),
  );
  db.prepare(
    `INSERT INTO pools (id, name, description, driver, protocol, min_warm, max_desktops, max_per_user, idle_timeout_s, grace_s,
      max_lifetime_s, persistence, placement, group_ids, created_at)
    VALUES ('p1', 'Old', '', ?, 'vnc', 0, 1, 1, 0, 0, 0, 'pooled', 'breadth', '[]', 1)`,
  ).run(driver);
  expect(migrate(db, all).applied).toContain(version);
  return db;
}

describe('migration 008 (session policy)', () => {
  it('gives pools and machines that existed before it the default policy', () => {
    const db = withOldPool(8, 'process');
    try {
      const row = db.prepare("SELECT policy FROM pools WHERE id = 'p1'").get() as { policy: string };
      expect(policyFromText(row.policy)).toEqual(DEFAULT_SESSION_POLICY);
      expect(policyFromText('not json')).toEqual(DEFAULT_SESSION_POLICY);
    } finally {
      db.close();
    }
  });
});

describe('migration 011 (pool network)', () => {
  it('gives pools that existed before it no network', () => {
    const db = withOldPool(11, 'qemu');
    try {
      expect(db.prepare("SELECT network FROM pools WHERE id = 'p1'").get()).toEqual({ network: 'none' });
    } finally {
      db.close();
    }
  });
});
