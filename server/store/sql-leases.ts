// Leases (migration 012): one holder per job among gateways sharing the store. Taking, renewing and
// taking over an expired lease are one INSERT ... ON CONFLICT DO UPDATE ... WHERE, which both
// databases run atomically, so two gateways asking at once never both get it.
import type { Sql } from './sql.ts';
import type { Store } from './types.ts';

export type LeaseMethods = Pick<Store, 'acquireLease' | 'releaseLease'>;

export function sqlLeases(q: Sql): LeaseMethods {
  const acquire = `INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @until)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
    WHERE leases.holder = excluded.holder OR leases.expires_at <= @now
    RETURNING holder`;
  const release = 'DELETE FROM leases WHERE name = ? AND holder = ?';
  return {
    async acquireLease(name, holder, now, until) {
      return (await q.get<{ holder: string }>(acquire, { name, holder, now, until }))?.holder === holder;
    },
    async releaseLease(name, holder) {
      await q.run(release, [name, holder]);
    },
  };
}
