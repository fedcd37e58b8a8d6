// File download tickets (migration 017), shared by every gateway on the store. Each move is one
// UPDATE ... WHERE state IN (...) RETURNING, so a ticket is used once even when two requests with
// it reach two gateways at once, and a progress write never lands on a download that ended.
import type { DownloadTicketRow, DownloadTicketStore } from './download-ticket-types.ts';
import { insertSql, one, type Sql } from './sql.ts';

interface Row {
  hash: string;
  user_id: string;
  session_id: string;
  path: string;
  name: string;
  size: number;
  state: string;
  sent: number;
  sha256: string | null;
  error: string | null;
  cancel: number;
  expires_at: number;
  seen_at: number;
  ended_at: number | null;
  created_at: number;
}
const COLUMNS = [
  'hash',
  'user_id',
  'session_id',
  'path',
  'name',
  'size',
  'state',
  'sent',
  'sha256',
  'error',
  'cancel',
  'expires_at',
  'seen_at',
  'ended_at',
  'created_at',
] as const;

const fromRow = (r: Row): DownloadTicketRow => ({
  hash: r.hash,
  userId: r.user_id,
  sessionId: r.session_id,
  path: r.path,
  name: r.name,
  size: Number(r.size),
  state: r.state as DownloadTicketRow['state'],
  sent: Number(r.sent),
  sha256: r.sha256,
  error: r.error,
  cancel: Number(r.cancel) === 1,
  expiresAt: Number(r.expires_at),
  seenAt: Number(r.seen_at),
  endedAt: r.ended_at === null ? null : Number(r.ended_at),
  createdAt: Number(r.created_at),
});
const toRow = (t: DownloadTicketRow): Row => ({
  hash: t.hash,
  user_id: t.userId,
  session_id: t.sessionId,
  path: t.path,
  name: t.name,
  size: t.size,
  state: t.state,
  sent: t.sent,
  sha256: t.sha256,
  error: t.error,
  cancel: t.cancel ? 1 : 0,
  expires_at: t.expiresAt,
  seen_at: t.seenAt,
  ended_at: t.endedAt,
  created_at: t.createdAt,
});

export function sqlDownloadTickets(q: Sql): DownloadTicketStore {
  const insert = insertSql('download_tickets', COLUMNS);
  const move = `UPDATE download_tickets SET state = @state, sent = coalesce(@sent, sent), size = coalesce(@size, size),
      sha256 = coalesce(@sha256, sha256), error = coalesce(@error, error), cancel = coalesce(@cancel, cancel),
      seen_at = coalesce(@seen_at, seen_at), ended_at = coalesce(@ended_at, ended_at)
    WHERE hash = @hash AND state IN (SELECT value FROM ${q.dialect.jsonEach('@from')}) RETURNING *`;
  return {
    async createDownloadTicket(t) {
      await q.run(insert, toRow(t));
    },
    getDownloadTicket: (hash) => one(q, 'SELECT * FROM download_tickets WHERE hash = ?', [hash], fromRow),
    async countDownloadTickets(userId) {
      const r = await q.get<{ open: number; n: number }>(
        'SELECT count(*) AS n, coalesce(sum(CASE WHEN ended_at IS NULL THEN 1 ELSE 0 END), 0) AS open FROM download_tickets WHERE user_id = ?',
        [userId],
      );
      return { open: Number(r?.open ?? 0), all: Number(r?.n ?? 0) };
    },
    moveDownloadTicket: (hash, from, m) =>
      one(
        q,
        move,
        {
          hash,
          from: JSON.stringify(from),
          state: m.state,
          sent: m.sent ?? null,
          size: m.size ?? null,
          sha256: m.sha256 ?? null,
          error: m.error ?? null,
          cancel: m.cancel === undefined ? null : m.cancel ? 1 : 0,
          seen_at: m.seenAt ?? null,
          ended_at: m.endedAt ?? null,
        },
        fromRow,
      ),
    async sweepDownloadTickets(o) {
      await q.run("UPDATE download_tickets SET state = 'expired', error = ?, ended_at = ? WHERE state = 'waiting' AND expires_at <= ?", [
        o.expiredError,
        o.now,
        o.now,
      ]);
      await q.run("UPDATE download_tickets SET state = 'failed', error = ?, ended_at = ? WHERE state = 'running' AND seen_at < ?", [
        o.staleError,
        o.now,
        o.staleBefore,
      ]);
      await q.run('DELETE FROM download_tickets WHERE ended_at < ?', [o.forgetBefore]);
    },
  };
}
