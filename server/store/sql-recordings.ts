// The catalogue of session recordings (migration 009). The list filters and the
// retention sweep each run on an index (recordings_user/pool/machine/host/started, recordings_expires).
import type { RecordingStore } from './recording-types.ts';
import { RECORDING_COLUMNS, recordingFromRow, recordingToRow, type RecordingRow } from './rows-recordings.ts';
import { Conditions, insertSql, many, one, updateSql, type Sql } from './sql.ts';

const MAX_LIST = 500;

export function sqlRecordings(q: Sql): RecordingStore {
  const r = {
    insert: insertSql('recordings', RECORDING_COLUMNS),
    byId: 'SELECT * FROM recordings WHERE id = ?',
    update: updateSql('recordings', RECORDING_COLUMNS),
    expired: 'SELECT * FROM recordings WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?',
    inProgress: "SELECT * FROM recordings WHERE state = 'recording'",
    delete: 'DELETE FROM recordings WHERE id = ?',
    sum: 'SELECT SUM(bytes) AS total FROM recordings',
  };
  return {
    async createRecording(x) {
      return recordingFromRow((await q.get<RecordingRow>(r.insert, recordingToRow(x)))!);
    },
    getRecording: (id) => one(q, r.byId, [id], recordingFromRow),
    updateRecording: (id, patch) =>
      q.tx(async (t) => {
        const cur = await t.get<RecordingRow>(r.byId + q.dialect.forUpdate, [id]);
        if (!cur) return null;
        return one(t, r.update, recordingToRow({ ...recordingFromRow(cur), ...patch }), recordingFromRow);
      }),
    async listRecordings(f) {
      const w = new Conditions({ limit: Math.max(1, Math.min(MAX_LIST, f.limit)) });
      w.eq('user_id', 'userId', f.userId)
        .eq('pool_id', 'poolId', f.poolId)
        .eq('machine_id', 'machineId', f.machineId)
        .eq('host_id', 'hostId', f.hostId);
      if (f.from !== undefined) w.add('started_at >= @from', { from: f.from });
      if (f.to !== undefined) w.add('started_at < @to', { to: f.to });
      if (f.before !== undefined) w.add('started_at < @before', { before: f.before });
      return many(q, `SELECT * FROM recordings ${w.where()} ORDER BY started_at DESC, id LIMIT @limit`, w.params, recordingFromRow);
    },
    listExpiredRecordings: (now, limit) => many(q, r.expired, [now, limit], recordingFromRow),
    listRecordingsInProgress: () => many(q, r.inProgress, [], recordingFromRow),
    async deleteRecording(id) {
      return (await q.run(r.delete, [id])) > 0;
    },
    async sumRecordingBytes() {
      return (await q.get<{ total: number | null }>(r.sum))?.total ?? 0;
    },
  };
}
