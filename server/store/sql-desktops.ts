// Desktops. claimWarmDesktop is a single UPDATE so two launches racing for the last
// warm desktop (even from two gateway processes) can never both get it.
import { DESKTOP_COLUMNS, desktopFromRow, desktopToRow, type DesktopRow } from './rows.ts';
import type { Bindable } from './rows.ts';
import { Conditions, insertSql, many, one, patcher, type Sql } from './sql.ts';
import type { DesktopState, Store } from './types.ts';

export type DesktopMethods = Pick<
  Store,
  | 'createDesktop'
  | 'getDesktop'
  | 'listDesktops'
  | 'updateDesktop'
  | 'updateDesktopIf'
  | 'claimWarmDesktop'
  | 'countDesktops'
  | 'countDesktopsByHost'
>;

interface DesktopFilter {
  hostId?: string;
  poolId?: string;
  state?: DesktopState[];
  ownerless?: boolean;
}

export function sqlDesktops(q: Sql): DesktopMethods {
  const d = q.dialect;
  const insert = insertSql('desktops', DESKTOP_COLUMNS);
  const byId = 'SELECT * FROM desktops WHERE id = ?';
  // The outer "owner_id IS NULL" re-checks the row the subquery picked, so the claim stays
  // correct even where the subquery and the update could see different snapshots (PostgreSQL),
  // where SKIP LOCKED also lets a racing claim take the next spare rather than come back empty.
  const claim = `UPDATE desktops
    SET owner_id = @userId, updated_at = @now
    WHERE id = (SELECT id FROM desktops WHERE pool_id = @poolId AND state = 'running' AND owner_id IS NULL
                ORDER BY created_at, id LIMIT 1${d.skipLocked})
      AND owner_id IS NULL
    RETURNING *`;
  const patch = patcher(q, 'desktops', DESKTOP_COLUMNS, desktopToRow, desktopFromRow);

  /** WHERE conditions and their parameters for whichever filter fields are set. */
  function conditions(f: DesktopFilter): { sql: string; params: Record<string, Bindable> } {
    const w = new Conditions().eq('host_id', 'hostId', f.hostId).eq('pool_id', 'poolId', f.poolId);
    if (f.state !== undefined) w.add(`state IN (SELECT value FROM ${d.jsonEach('@state')})`, { state: JSON.stringify(f.state) });
    if (f.ownerless !== undefined) w.add(f.ownerless ? 'owner_id IS NULL' : 'owner_id IS NOT NULL');
    return { sql: w.where(), params: w.params };
  }

  return {
    async createDesktop(x) {
      return desktopFromRow((await q.get<DesktopRow>(insert, desktopToRow(x)))!);
    },
    getDesktop: (id) => one(q, byId, [id], desktopFromRow),
    async listDesktops(filter = {}) {
      const { sql, params } = conditions(filter);
      return many(q, `SELECT * FROM desktops ${sql} ORDER BY created_at, id`, params, desktopFromRow);
    },
    updateDesktop: (id, p) => patch(id, p),
    updateDesktopIf: (id, when, p) => patch(id, p, (cur) => when.state.includes(cur.state) && (!when.ownerless || cur.ownerId === null)),
    claimWarmDesktop: (poolId, userId, now) => one(q, claim, { poolId, userId, now }, desktopFromRow),
    async countDesktopsByHost(state) {
      const rows = await q.all<{ host_id: string; n: number; spares: number }>(
        `SELECT host_id, count(*) AS n, sum(CASE WHEN owner_id IS NULL THEN 1 ELSE 0 END) AS spares FROM desktops
          WHERE state IN (SELECT value FROM ${d.jsonEach('@state')}) GROUP BY host_id`,
        { state: JSON.stringify(state) },
      );
      return new Map(rows.map((r) => [r.host_id, { desktops: r.n, spares: r.spares }]));
    },
    async countDesktops(filter) {
      const { sql, params } = conditions(filter);
      return (await q.get<{ n: number }>(`SELECT count(*) AS n FROM desktops ${sql}`, params))?.n ?? 0;
    },
  };
}
