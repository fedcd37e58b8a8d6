// Test-only: the store auth tests run against, the real SQLite store in memory (so the tests
// also check our assumptions about it: NOCASE usernames, cascades, group unlinking).
import type { Clock } from '../../clock.ts';
import { openSqliteStore } from '../../store/sqlite.ts';
import type { Store } from '../../store/types.ts';

export async function openTestStore(clock: Clock): Promise<Store> {
  return openSqliteStore({ file: ':memory:', clock });
}
