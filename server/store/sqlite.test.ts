// Runs the Store contract against SQLite in memory and in a file, plus what only a file has:
// its mode, WAL, the migrations table, data surviving a reopen, and refusing a newer schema.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SchemaTooNewError } from './migrations.ts';
import { openSqliteStore } from './sqlite.ts';
import { runStoreContract } from './store.contract.ts';
import { aDesktop, aHost, aPool, aUser, T0 } from './store.fixtures.ts';
import type { Store } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'deskport-store-'));
let n = 0;
const tempFile = () => join(dir, `store-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runStoreContract('sqlite :memory:', async () => openSqliteStore({ file: ':memory:' }));
runStoreContract('sqlite file', async () => openSqliteStore({ file: tempFile() }));

describe('SQLite store file', () => {
  const open: Store[] = [];
  const openStore = (file: string) => {
    const s = openSqliteStore({ file });
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('is created readable by its owner only, WAL files too', async () => {
    const file = tempFile();
    const store = openStore(file);
    await store.createUser(aUser());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
  });

  it('runs in WAL mode with foreign keys on and records the applied migrations', async () => {
    const file = tempFile();
    await openStore(file).close();
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual([
        { version: 1, name: 'init' },
        { version: 2, name: 'sessions_by_desktop' },
        { version: 3, name: 'pool_shadow_without_consent' },
        { version: 4, name: 'account_security' },
        { version: 5, name: 'identity_providers' },
        { version: 6, name: 'machines' },
        { version: 7, name: 'sign_in_secrets' },
        { version: 8, name: 'session_policy' },
        { version: 9, name: 'recordings' },
        { version: 10, name: 'ticket_shadow' },
        { version: 11, name: 'pool_network' },
        { version: 12, name: 'leases' },
        { version: 13, name: 'throttles' },
        { version: 14, name: 'pending_sign_ins' },
        { version: 15, name: 'shadows' },
        { version: 16, name: 'gateways' },
        { version: 17, name: 'download_tickets' },
      ]);
    } finally {
      db.close();
    }
  });

  it('keeps its data across a reopen and does not migrate twice', async () => {
    const file = tempFile();
    const first = openStore(file);
    const u = await first.createUser(aUser());
    await first.close();
    const second = openStore(file);
    expect(await second.getUser(u.id)).toEqual(u);
    expect(await second.ping()).toBe(true);
  });

  it('refuses to open a database migrated by a newer Deskport', async () => {
    const file = tempFile();
    await openStore(file).close();
    const db = new BetterSqlite3(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, ?)').run('future', T0);
    db.close();
    expect(() => openSqliteStore({ file })).toThrow(SchemaTooNewError);
    expect(() => openSqliteStore({ file })).toThrow(/version 999, newer than this Deskport/);
  });

  it('gives a warm desktop to one of two gateway connections sharing the file', async () => {
    const file = tempFile();
    const a = openStore(file);
    const b = openStore(file);
    const pool = await a.createPool(aPool());
    const host = await a.createHost(aHost());
    const d = await a.createDesktop(aDesktop(pool.id, host.id));
    const [ra, rb] = await Promise.all([a.claimWarmDesktop(pool.id, 'ua', T0), b.claimWarmDesktop(pool.id, 'ub', T0)]);
    expect([ra, rb].filter((r) => r !== null)).toHaveLength(1);
    expect((await b.getDesktop(d.id))?.ownerId).toBe((ra ?? rb)?.ownerId);
  });
});
