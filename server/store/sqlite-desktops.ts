// SQLite store: desktops. claimWarmDesktop is a single UPDATE so two launches racing for the last
// warm desktop (even from two gateway processes) can never both get it.
import type { Database } from 'better-sqlite3';
import { DESKTOP_COLUMNS, desktopFromRow, desktopToRow, type DesktopRow } from './rows.ts';
import { insertSql, patcher, StatementCache, translate, updateSql, where, type Params } from './sqlite-db.ts';
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

export function sqliteDesktops(db: Database): DesktopMethods {
  const insert = db.prepare<DesktopRow, DesktopRow>(insertSql('desktops', DESKTOP_COLUMNS));
  const byId = db.prepare<[string], DesktopRow>('SELECT * FROM desktops WHERE id = ?');
  const update = db.prepare<DesktopRow, DesktopRow>(updateSql('desktops', DESKTOP_COLUMNS));
  // The outer "owner_id IS NULL" re-checks the row the subquery picked, so the claim stays
  // correct even where the subquery and the update could see different snapshots (PostgreSQL).
  const claim = db.prepare<{ poolId: string; userId: string; now: number }, DesktopRow>(`UPDATE desktops
    SET owner_id = @userId, updated_at = @now
    WHERE id = (SELECT id FROM desktops WHERE pool_id = @poolId AND state = 'running' AND owner_id IS NULL
                ORDER BY created_at, id LIMIT 1)
      AND owner_id IS NULL
    RETURNING *`);
  const filtered = new StatementCache(db);
  const patch = patcher(db, byId, update, desktopToRow, desktopFromRow);

  /** WHERE conditions and their parameters for whichever filter fields are set. */
  function conditions(f: DesktopFilter): { sql: string; params: Params } {
    const c: string[] = [];
    const params: Params = {};
    if (f.hostId !== undefined) {
      c.push('host_id = @hostId');
      params.hostId = f.hostId;
    }
    if (f.poolId !== undefined) {
      c.push('pool_id = @poolId');
      params.poolId = f.poolId;
    }
    if (f.state !== undefined) {
      c.push('state IN (SELECT value FROM json_each(@state))');
      params.state = JSON.stringify(f.state);
    }
    if (f.ownerless !== undefined) c.push(f.ownerless ? 'owner_id IS NULL' : 'owner_id IS NOT NULL');
    return { sql: where(c), params };
  }

  return {
    async createDesktop(d) {
      return desktopFromRow(translate(() => insert.get(desktopToRow(d)))!);
    },
    async getDesktop(id) {
      const row = byId.get(id);
      return row ? desktopFromRow(row) : null;
    },
    async listDesktops(filter = {}) {
      const { sql, params } = conditions(filter);
      return filtered.get<DesktopRow>(`SELECT * FROM desktops ${sql} ORDER BY created_at, id`).all(params).map(desktopFromRow);
    },
    async updateDesktop(id, p) {
      return patch(id, p);
    },
    async updateDesktopIf(id, when, p) {
      return patch(id, p, (cur) => when.state.includes(cur.state) && (!when.ownerless || cur.ownerId === null));
    },
    async claimWarmDesktop(poolId, userId, now) {
      const row = claim.get({ poolId, userId, now });
      return row ? desktopFromRow(row) : null;
    },
    async countDesktopsByHost(state) {
      const rows = filtered
        .get<{ host_id: string; n: number; spares: number }>(
          'SELECT host_id, count(*) AS n, sum(owner_id IS NULL) AS spares FROM desktops WHERE state IN (SELECT value FROM json_each(@state)) GROUP BY host_id',
        )
        .all({ state: JSON.stringify(state) });
      return new Map(rows.map((r) => [r.host_id, { desktops: r.n, spares: r.spares }]));
    },
    async countDesktops(filter) {
      const { sql, params } = conditions(filter);
      return filtered.get<{ n: number }>(`SELECT count(*) AS n FROM desktops ${sql}`).get(params)?.n ?? 0;
    },
  };
}
