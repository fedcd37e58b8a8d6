// Opens the store a configuration names: SQLite in the data directory (the embedded default) or a
// shared PostgreSQL (several gateways). The URL may carry a password, so logs get storeLabel().
import { join } from 'node:path';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

export const sqliteFile = (dataDir: string): string => join(dataDir, 'deskport.db');

/** Any number of gateways may open the same PostgreSQL database (docs/store.md, "Between gateways"). */
export async function openStore(o: { store: string; dataDir: string; clock?: Clock; log?: Logger }): Promise<Store> {
  if (o.store === 'sqlite') return openSqliteStore({ file: sqliteFile(o.dataDir), ...(o.clock ? { clock: o.clock } : {}) });
  return openPostgresStore({
    url: o.store,
    ...(o.clock ? { clock: o.clock } : {}),
    onError: (err) => o.log?.warn({ err: { message: err.message } }, 'a PostgreSQL connection failed; it is opened again when needed'),
  });
}

/** What the logs and `--help` may say about the store: never the user name or password. */
export function storeLabel(store: string, dataDir: string): string {
  if (store === 'sqlite') return `sqlite ${sqliteFile(dataDir)}`;
  try {
    const u = new URL(store);
    return `postgres ${u.hostname || u.searchParams.get('host') || 'localhost'}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'postgres (URL not shown)';
  }
}
