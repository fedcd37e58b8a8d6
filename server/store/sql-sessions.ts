// Sessions and their one-time WebSocket tickets. consumeTicket is one UPDATE, so a
// ticket replayed in parallel opens at most one connection.
import { SESSION_COLUMNS, TICKET_COLUMNS, sessionFromRow, sessionToRow, ticketFromRow, ticketToRow, type SessionRow } from './rows.ts';
import { clampLimit, Conditions, insertSql, many, one, patcher, sqlList, type Sql } from './sql.ts';
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

export function sqlSessions(q: Sql): SessionMethods {
  const d = q.dialect;
  const session = {
    insert: insertSql('sessions', SESSION_COLUMNS),
    byId: 'SELECT * FROM sessions WHERE id = ?',
    // rowid: insertion order (SQLite's own; a generated column in PostgreSQL) breaks created_at ties.
    live: `SELECT * FROM sessions
      WHERE user_id = ? AND pool_id = ? AND state IN ${LIVE} ORDER BY created_at DESC, rowid DESC LIMIT 1`,
  };
  // The rules of server/broker/timers.ts in SQL, so a sweep reads only rows it may act on. A
  // session whose pool is gone matches on grace (300 s default) and the stuck rule only; a machine
  // session takes MACHINE_SESSION_LIMITS.
  const limit = (column: string, machine: number) => `coalesce(p.${column}, CASE WHEN s.machine_id IS NOT NULL THEN ${machine} END)`;
  const L = MACHINE_SESSION_LIMITS;
  const [life, idle, grace] = [
    limit('max_lifetime_s', L.maxLifetimeS),
    limit('idle_timeout_s', L.idleTimeoutS),
    `coalesce(${limit('grace_s', L.graceS)}, 300)`,
  ];
  const due = `SELECT s.* FROM sessions s LEFT JOIN pools p ON p.id = s.pool_id
    WHERE s.state IN ('ready', 'starting', 'lost') AND (
      (${life} > 0 AND s.created_at < @now - ${life} * 1000)
      OR (s.state = 'starting' AND s.created_at < @now - @stuck)
      OR (s.state = 'ready' AND ${idle} > 0 AND s.last_activity_at < @now - ${idle} * 1000)
      OR (s.state = 'ready' AND s.detached_at IS NOT NULL AND s.detached_at < @now - ${grace} * 1000)
      OR (s.state = 'lost' AND coalesce(s.detached_at, s.created_at) < @now - ${grace} * 1000))
    ORDER BY s.created_at LIMIT 1000`;
  const byState = `SELECT state, count(*) AS n FROM sessions WHERE state IN (SELECT value FROM ${d.jsonEach('?')}) GROUP BY state`;
  const ticket = {
    insert: insertSql('tickets', TICKET_COLUMNS),
    consume: `UPDATE tickets SET used_at = @now
      WHERE hash = @hash AND used_at IS NULL AND expires_at > @now RETURNING *`,
    // Used tickets go too once expired: after expiry they are useless either way.
    deleteExpired: 'DELETE FROM tickets WHERE expires_at <= ?',
  };
  const patch = patcher(q, 'sessions', SESSION_COLUMNS, sessionToRow, sessionFromRow);

  return {
    async createSession(s) {
      return sessionFromRow((await q.get<SessionRow>(session.insert, sessionToRow(s)))!);
    },
    getSession: (id) => one(q, session.byId, [id], sessionFromRow),
    async listSessions(filter = {}) {
      const w = new Conditions({ limit: clampLimit(filter.limit, DEFAULT_SESSION_LIMIT, Number.MAX_SAFE_INTEGER) });
      if (filter.state !== undefined)
        w.add(`state IN (SELECT value FROM ${d.jsonEach('@state')})`, { state: JSON.stringify(filter.state) });
      w.eq('user_id', 'userId', filter.userId)
        .eq('pool_id', 'poolId', filter.poolId)
        .eq('machine_id', 'machineId', filter.machineId)
        .eq('desktop_id', 'desktopId', filter.desktopId);
      if (filter.cameUp) w.add('ready_at IS NOT NULL AND host_id IS NOT NULL');
      w.eq('host_id', 'hostId', filter.hostId);
      const sql = `SELECT * FROM sessions ${w.where()} ORDER BY created_at DESC, rowid DESC LIMIT @limit`;
      return many(q, sql, w.params, sessionFromRow);
    },
    listDueSessions: (now, stuckMs) => many(q, due, { now, stuck: stuckMs }, sessionFromRow),
    async countSessionsByState(states) {
      const out: Record<string, number> = Object.fromEntries(states.map((st) => [st, 0]));
      for (const r of await q.all<{ state: string; n: number }>(byState, [JSON.stringify(states)])) out[r.state] = r.n;
      return out;
    },
    updateSession: (id, p) => patch(id, p),
    updateSessionIf: (id, when, p) => patch(id, p, (cur) => when.state.includes(cur.state)),
    findLiveSession: (userId, poolId) => one(q, session.live, [userId, poolId], sessionFromRow),
    async countLiveSessions(filter) {
      const w = new Conditions().add(`state IN ${LIVE}`).eq('user_id', 'userId', filter.userId).eq('pool_id', 'poolId', filter.poolId);
      if (filter.kind !== undefined) w.add(filter.kind === 'pool' ? 'pool_id IS NOT NULL' : 'machine_id IS NOT NULL');
      w.eq('machine_id', 'machineId', filter.machineId);
      return (await q.get<{ n: number }>(`SELECT count(*) AS n FROM sessions ${w.where()}`, w.params))?.n ?? 0;
    },

    async createTicket(t) {
      await q.run(ticket.insert, ticketToRow(t));
    },
    consumeTicket: (hash, now) => one(q, ticket.consume, { hash, now }, ticketFromRow),
    deleteExpiredTickets: (now) => q.run(ticket.deleteExpired, [now]),
  };
}
