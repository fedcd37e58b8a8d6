// SQLite store: sessions and their one-time WebSocket tickets. consumeTicket is one UPDATE, so a
// ticket replayed in parallel opens at most one connection.
import type { Database } from 'better-sqlite3';
import {
  SESSION_COLUMNS,
  TICKET_COLUMNS,
  sessionFromRow,
  sessionToRow,
  ticketFromRow,
  ticketToRow,
  type SessionRow,
  type TicketRow,
} from './rows.ts';
import { clampLimit, insertSql, patcher, sqlList, StatementCache, translate, updateSql, where, type Params } from './sqlite-db.ts';
import { MACHINE_SESSION_LIMITS } from './machine-types.ts';
import { LIVE_SESSION_STATES, type Store } from './types.ts';

export type SessionMethods = Pick<
  Store,
  | 'createSession'
  | 'getSession'
  | 'listSessions'
  | 'listDueSessions'
  | 'countSessionsByState'
  | 'updateSession'
  | 'updateSessionIf'
  | 'findLiveSession'
  | 'countLiveSessions'
  | 'createTicket'
  | 'consumeTicket'
  | 'deleteExpiredTickets'
>;

/** No maximum: the broker lists every live session at start-up and must not get a silent cut. */
export const DEFAULT_SESSION_LIMIT = 500;

const LIVE = sqlList(LIVE_SESSION_STATES);

export function sqliteSessions(db: Database): SessionMethods {
  const session = {
    insert: db.prepare<SessionRow, SessionRow>(insertSql('sessions', SESSION_COLUMNS)),
    byId: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
    update: db.prepare<SessionRow, SessionRow>(updateSql('sessions', SESSION_COLUMNS)),
    live: db.prepare<[string, string], SessionRow>(`SELECT * FROM sessions
      WHERE user_id = ? AND pool_id = ? AND state IN ${LIVE} ORDER BY created_at DESC, rowid DESC LIMIT 1`),
  };
  // The rules of server/broker/timers.ts in SQL, so a sweep reads only rows it may act on. A
  // session whose pool is gone matches on grace (300 s default) and the stuck rule only; a machine
  // session takes MACHINE_SESSION_LIMITS.
  const limit = (column: string, machine: number) => `coalesce(p.${column}, iif(s.machine_id IS NOT NULL, ${machine}, NULL))`;
  const L = MACHINE_SESSION_LIMITS;
  const [life, idle, grace] = [
    limit('max_lifetime_s', L.maxLifetimeS),
    limit('idle_timeout_s', L.idleTimeoutS),
    `coalesce(${limit('grace_s', L.graceS)}, 300)`,
  ];
  const due = db.prepare<{ now: number; stuck: number }, SessionRow>(`SELECT s.* FROM sessions s LEFT JOIN pools p ON p.id = s.pool_id
    WHERE s.state IN ('ready', 'starting', 'lost') AND (
      (${life} > 0 AND s.created_at < @now - ${life} * 1000)
      OR (s.state = 'starting' AND s.created_at < @now - @stuck)
      OR (s.state = 'ready' AND ${idle} > 0 AND s.last_activity_at < @now - ${idle} * 1000)
      OR (s.state = 'ready' AND s.detached_at IS NOT NULL AND s.detached_at < @now - ${grace} * 1000)
      OR (s.state = 'lost' AND coalesce(s.detached_at, s.created_at) < @now - ${grace} * 1000))
    ORDER BY s.created_at LIMIT 1000`);
  const byState = db.prepare<[string], { state: string; n: number }>(
    'SELECT state, count(*) AS n FROM sessions WHERE state IN (SELECT value FROM json_each(?)) GROUP BY state',
  );
  const ticket = {
    insert: db.prepare<TicketRow>(insertSql('tickets', TICKET_COLUMNS)),
    consume: db.prepare<{ hash: string; now: number }, TicketRow>(`UPDATE tickets SET used_at = @now
      WHERE hash = @hash AND used_at IS NULL AND expires_at > @now RETURNING *`),
    // Used tickets go too once expired: after expiry they are useless either way.
    deleteExpired: db.prepare<[number]>('DELETE FROM tickets WHERE expires_at <= ?'),
  };
  const filtered = new StatementCache(db);
  const patch = patcher(db, session.byId, session.update, sessionToRow, sessionFromRow);

  return {
    async createSession(s) {
      return sessionFromRow(translate(() => session.insert.get(sessionToRow(s)))!);
    },
    async getSession(id) {
      const row = session.byId.get(id);
      return row ? sessionFromRow(row) : null;
    },
    async listSessions(filter = {}) {
      const c: string[] = [];
      const params: Params = { limit: clampLimit(filter.limit, DEFAULT_SESSION_LIMIT, Number.MAX_SAFE_INTEGER) };
      if (filter.state !== undefined) {
        c.push('state IN (SELECT value FROM json_each(@state))');
        params.state = JSON.stringify(filter.state);
      }
      if (filter.userId !== undefined) {
        c.push('user_id = @userId');
        params.userId = filter.userId;
      }
      if (filter.poolId !== undefined) {
        c.push('pool_id = @poolId');
        params.poolId = filter.poolId;
      }
      if (filter.machineId !== undefined) {
        c.push('machine_id = @machineId');
        params.machineId = filter.machineId;
      }
      if (filter.desktopId !== undefined) {
        c.push('desktop_id = @desktopId');
        params.desktopId = filter.desktopId;
      }
      if (filter.cameUp) c.push('ready_at IS NOT NULL AND host_id IS NOT NULL');
      if (filter.hostId !== undefined) {
        c.push('host_id = @hostId');
        params.hostId = filter.hostId;
      }
      const sql = `SELECT * FROM sessions ${where(c)} ORDER BY created_at DESC, rowid DESC LIMIT @limit`;
      return filtered.get<SessionRow>(sql).all(params).map(sessionFromRow);
    },
    async listDueSessions(now, stuckMs) {
      return due.all({ now, stuck: stuckMs }).map(sessionFromRow);
    },
    async countSessionsByState(states) {
      const out: Record<string, number> = Object.fromEntries(states.map((st) => [st, 0]));
      for (const r of byState.all(JSON.stringify(states))) out[r.state] = r.n;
      return out;
    },
    async updateSession(id, p) {
      return patch(id, p);
    },
    async updateSessionIf(id, when, p) {
      return patch(id, p, (cur) => when.state.includes(cur.state));
    },
    async findLiveSession(userId, poolId) {
      const row = session.live.get(userId, poolId);
      return row ? sessionFromRow(row) : null;
    },
    async countLiveSessions(filter) {
      const c = [`state IN ${LIVE}`];
      const params: Params = {};
      if (filter.userId !== undefined) {
        c.push('user_id = @userId');
        params.userId = filter.userId;
      }
      if (filter.poolId !== undefined) {
        c.push('pool_id = @poolId');
        params.poolId = filter.poolId;
      }
      if (filter.kind !== undefined) c.push(filter.kind === 'pool' ? 'pool_id IS NOT NULL' : 'machine_id IS NOT NULL');
      if (filter.machineId !== undefined) {
        c.push('machine_id = @machineId');
        params.machineId = filter.machineId;
      }
      return filtered.get<{ n: number }>(`SELECT count(*) AS n FROM sessions ${where(c)}`).get(params)?.n ?? 0;
    },

    async createTicket(t) {
      translate(() => ticket.insert.run(ticketToRow(t)));
    },
    async consumeTicket(hash, now) {
      const row = ticket.consume.get({ hash, now });
      return row ? ticketFromRow(row) : null;
    },
    async deleteExpiredTickets(now) {
      return ticket.deleteExpired.run(now).changes;
    },
  };
}
