// Helpdesk shadow requests (migration 015), shared by every gateway on the store. Each move is one
// UPDATE ... WHERE state IN (...) RETURNING, so of two answers at once (the owner on one gateway,
// the expiry on another) exactly one lands.
import type { Shadow, ShadowStore } from './shadow-types.ts';
import { Conditions, insertSql, many, one, type Sql } from './sql.ts';

interface Row {
  id: string;
  session_id: string;
  owner_id: string;
  requester_id: string;
  requester_name: string;
  requester_display_name: string;
  mode: string;
  reason: string;
  state: string;
  consent: string;
  sound: number;
  created_at: number;
  decided_at: number | null;
  ended_at: number | null;
}
const COLUMNS = [
  'id',
  'session_id',
  'owner_id',
  'requester_id',
  'requester_name',
  'requester_display_name',
  'mode',
  'reason',
  'state',
  'consent',
  'sound',
  'created_at',
  'decided_at',
  'ended_at',
] as const;

const num = (v: number | null) => (v === null ? null : Number(v));
const fromRow = (r: Row): Shadow => ({
  id: r.id,
  sessionId: r.session_id,
  ownerId: r.owner_id,
  requesterId: r.requester_id,
  requesterName: r.requester_name,
  requesterDisplayName: r.requester_display_name,
  mode: r.mode as Shadow['mode'],
  reason: r.reason,
  state: r.state as Shadow['state'],
  consent: r.consent as Shadow['consent'],
  sound: Number(r.sound) === 1,
  createdAt: Number(r.created_at),
  decidedAt: num(r.decided_at),
  endedAt: num(r.ended_at),
});
const toRow = (s: Shadow): Row => ({
  id: s.id,
  session_id: s.sessionId,
  owner_id: s.ownerId,
  requester_id: s.requesterId,
  requester_name: s.requesterName,
  requester_display_name: s.requesterDisplayName,
  mode: s.mode,
  reason: s.reason,
  state: s.state,
  consent: s.consent,
  sound: s.sound ? 1 : 0,
  created_at: s.createdAt,
  decided_at: s.decidedAt,
  ended_at: s.endedAt,
});

const ACTIVE = "state IN ('pending', 'approved')";

export function sqlShadows(q: Sql): ShadowStore {
  const d = q.dialect;
  const insert = insertSql('shadows', COLUMNS);
  const move = `UPDATE shadows SET state = @state, decided_at = coalesce(@decided_at, decided_at),
      ended_at = coalesce(@ended_at, ended_at), sound = coalesce(@sound, sound), consent = coalesce(@consent, consent)
    WHERE id = @id AND state IN (SELECT value FROM ${d.jsonEach('@from')}) RETURNING *`;
  return {
    async createShadow(s) {
      await q.run(insert, toRow(s));
    },
    getShadow: (id) => one(q, 'SELECT * FROM shadows WHERE id = ?', [id], fromRow),
    async listActiveShadows(filter) {
      const w = new Conditions().add(ACTIVE).eq('requester_id', 'requester', filter.requesterId);
      if (filter.sessionIds !== undefined) {
        if (filter.sessionIds.length === 0) return [];
        w.add(`session_id IN (SELECT value FROM ${d.jsonEach('@sessions')})`, { sessions: JSON.stringify(filter.sessionIds) });
      }
      return many(q, `SELECT * FROM shadows ${w.where()} ORDER BY created_at, id`, w.params, fromRow);
    },
    moveShadow: (id, from, m) =>
      one(
        q,
        move,
        {
          id,
          from: JSON.stringify(from),
          state: m.state,
          decided_at: m.decidedAt ?? null,
          ended_at: m.endedAt ?? null,
          sound: m.sound === undefined ? null : m.sound ? 1 : 0,
          consent: m.consent ?? null,
        },
        fromRow,
      ),
    listShadowsPendingSince: (before, limit) =>
      many(q, "SELECT * FROM shadows WHERE state = 'pending' AND created_at < ? ORDER BY created_at LIMIT ?", [before, limit], fromRow),
    deleteFinishedShadows: (before) => q.run("DELETE FROM shadows WHERE state IN ('denied', 'ended') AND ended_at < ?", [before]),
  };
}
