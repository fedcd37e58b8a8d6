// The sign-in gate under a burst, on the store that matters for it: a real PostgreSQL 15 (a private
// cluster from Debian's package) shared by two "gateways" (two throttles), and SQLite beside it.
// Guesses sent all at once must get no more tries than the limit, however they are spread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../../test/helpers/postgres.ts';
import { ManualClock } from '../clock.ts';
import { openPostgresStore } from '../store/postgres.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Store } from '../store/types.ts';
import { createLoginThrottle, type LoginAttempt } from './login-throttle.ts';

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
}, 30_000);

/** `n` guesses at once through `gateways`, each the way the route does it: admitted, a slow wrong password, failed. */
async function burst(store: Store, n: number, a: LoginAttempt): Promise<number> {
  const clock = new ManualClock();
  const gateways = [createLoginThrottle(store, clock), createLoginThrottle(store, clock)];
  const admitted = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const t = gateways[i % 2]!;
      if (await t.admit(a)) return 0;
      await new Promise((r) => setTimeout(r, 20)); // the password check
      await t.failed(a);
      return 1;
    }),
  );
  return admitted.reduce<number>((x, y) => x + y, 0);
}

describe('the sign-in gate under a burst of guesses', () => {
  const guess: LoginAttempt = { account: 'alice', ip: '203.0.113.9' };

  it('PostgreSQL, two gateways: 60 guesses at once get 5 tries (the pair limit)', async () => {
    const store = await openPostgresStore({ url: await cluster.createDatabase('burst') });
    try {
      expect(await burst(store, 60, guess)).toBe(5);
    } finally {
      await store.close();
    }
  });

  it('SQLite: the same burst gets the same 5', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    try {
      expect(await burst(store, 60, guess)).toBe(5);
    } finally {
      await store.close();
    }
  });
});
