// The sign-in throttles' counters and the accounts' known addresses (migration 013), shared by every
// gateway on the store. An update is read, change, write in one transaction on a row that exists
// before it is read (inserted empty if need be), so that row is locked (SQLite: BEGIN IMMEDIATE;
// PostgreSQL: FOR UPDATE) and two gateways counting a failure at once both count.
import type { Sql } from './sql.ts';
import type { ThrottleEntry } from './sign-in-state-types.ts';
import type { Store } from './types.ts';

export type ThrottleMethods = Pick<
  Store,
  'getThrottle' | 'updateThrottle' | 'deleteThrottle' | 'pruneThrottles' | 'knownAddressAt' | 'noteKnownAddress' | 'pruneKnownAddresses'
>;

interface ThrottleRow {
  fails: string;
  locked_until: number;
  strikes: number;
  last_fail_at: number;
  expires_at: number;
}

/** A stored failure list that does not parse is read as none (it only ever shortens a lock). */
function failsOf(text: string): number[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((t): t is number => typeof t === 'number').slice(-64) : [];
  } catch {
    return [];
  }
}

const fromRow = (r: ThrottleRow): ThrottleEntry => ({
  fails: failsOf(r.fails),
  lockedUntil: Number(r.locked_until),
  strikes: Number(r.strikes),
  lastFailAt: Number(r.last_fail_at),
  expiresAt: Number(r.expires_at),
});

export function sqlThrottles(q: Sql): ThrottleMethods {
  const select = 'SELECT fails, locked_until, strikes, last_fail_at, expires_at FROM throttles WHERE scope = ? AND key = ?';
  const seed = `INSERT INTO throttles (scope, key, fails, locked_until, strikes, last_fail_at, expires_at)
    VALUES (?, ?, '[]', 0, 0, 0, 0) ON CONFLICT (scope, key) DO NOTHING`;
  // An upsert: a row deleted between the seed and the read (housekeeping, a success) is written anew.
  const write = `INSERT INTO throttles (scope, key, fails, locked_until, strikes, last_fail_at, expires_at)
    VALUES (@scope, @key, @fails, @lockedUntil, @strikes, @lastFailAt, @expiresAt)
    ON CONFLICT (scope, key) DO UPDATE SET fails = excluded.fails, locked_until = excluded.locked_until,
      strikes = excluded.strikes, last_fail_at = excluded.last_fail_at, expires_at = excluded.expires_at`;
  return {
    async getThrottle(scope, key) {
      const row = await q.get<ThrottleRow>(select, [scope, key]);
      return row ? fromRow(row) : null;
    },
    updateThrottle(scope, key, change) {
      return q.tx(async (t) => {
        await t.run(seed, [scope, key]);
        const row = await t.get<ThrottleRow>(`${select}${q.dialect.forUpdate}`, [scope, key]);
        // A freshly seeded row is "none" to the caller (expires_at 0).
        const current = row && Number(row.expires_at) > 0 ? fromRow(row) : null;
        const next = change(current);
        await t.run(write, { scope, key, ...next, fails: JSON.stringify(next.fails) });
        return next;
      });
    },
    async deleteThrottle(scope, key) {
      await q.run('DELETE FROM throttles WHERE scope = ? AND key = ?', [scope, key]);
    },
    async pruneThrottles(now, keep) {
      let gone = await q.run('DELETE FROM throttles WHERE expires_at <= ?', [now]);
      // Beyond `keep` rows (a spray of made-up names from many addresses), the least recently failed
      // go, those that never locked first; a lock in force never goes, or a flood of cheap rows
      // (sign-in starts) could lift it.
      const count = Number((await q.get<{ n: number }>('SELECT COUNT(*) AS n FROM throttles'))?.n ?? 0);
      if (count > keep) {
        gone += await q.run(
          `DELETE FROM throttles WHERE (scope, key) IN (SELECT scope, key FROM throttles WHERE locked_until <= @now
            ORDER BY CASE WHEN strikes > 0 THEN 1 ELSE 0 END, last_fail_at LIMIT @excess)`,
          { now, excess: count - keep },
        );
      }
      return gone;
    },
    async knownAddressAt(account, address) {
      const row = await q.get<{ at: number }>('SELECT at FROM known_addresses WHERE account = ? AND address = ?', [account, address]);
      return row ? Number(row.at) : null;
    },
    noteKnownAddress(account, address, at, keep) {
      return q.tx(async (t) => {
        await t.run(
          `INSERT INTO known_addresses (account, address, at) VALUES (?, ?, ?)
            ON CONFLICT (account, address) DO UPDATE SET at = excluded.at`,
          [account, address, at],
        );
        await t.run(
          `DELETE FROM known_addresses WHERE account = @account AND address NOT IN
            (SELECT address FROM known_addresses WHERE account = @account ORDER BY at DESC, address LIMIT @keep)`,
          { account, keep },
        );
      });
    },
    pruneKnownAddresses(before) {
      return q.run('DELETE FROM known_addresses WHERE at < ?', [before]);
    },
  };
}
