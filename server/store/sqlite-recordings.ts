// SQLite store: the catalogue of session recordings (migration 009). The list filters and the
// retention sweep each run on an index (recordings_user/pool/machine/host/started, recordings_expires).
import type { Database } from 'better-sqlite3';
import type { RecordingStore } from './recording-types.ts';
import { RECORDING_COLUMNS, recordingFromRow, recordingToRow, type RecordingRow } from './rows-recordings.ts';
import { insertSql, translate, updateSql } from './sqlite-db.ts';

const MAX_LIST = 500;

export function sqliteRecordings(db: Database): RecordingStore {
  const q = {
    insert: db.prepare<RecordingRow, RecordingRow>(insertSql('recordings', RECORDING_COLUMNS)),
    byId: db.prepare<[string], RecordingRow>('SELECT * FROM recordings WHERE id = ?'),
    update: db.prepare<RecordingRow, RecordingRow>(updateSql('recordings', RECORDING_COLUMNS)),
    expired: db.prepare<[number, number], RecordingRow>(
      'SELECT * FROM recordings WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?',
    ),
    inProgress: db.prepare<[], RecordingRow>("SELECT * FROM recordings WHERE state = 'recording'"),
    delete: db.prepare<[string]>('DELETE FROM recordings WHERE id = ?'),
    sum: db.prepare<[], { total: number | null }>('SELECT SUM(bytes) AS total FROM recordings'),
  };
  const update = db.transaction((id: string, patch: object): RecordingRow | undefined => {
    const cur = q.byId.get(id);
    if (!cur) return undefined;
    return q.update.get(recordingToRow({ ...recordingFromRow(cur), ...patch }));
  });
  return {
    async createRecording(r) {
      return recordingFromRow(translate(() => q.insert.get(recordingToRow(r)))!);
    },
    async getRecording(id) {
      const r = q.byId.get(id);
      return r ? recordingFromRow(r) : null;
    },
    async updateRecording(id, patch) {
      const r = translate(() => update.immediate(id, patch));
      return r ? recordingFromRow(r) : null;
    },
    async listRecordings(f) {
      const where: string[] = [];
      const args: Record<string, string | number> = { limit: Math.max(1, Math.min(MAX_LIST, f.limit)) };
      const eq = (col: string, v: string | undefined) => {
        if (v === undefined) return;
        where.push(`${col} = @${col}`);
        args[col] = v;
      };
      eq('user_id', f.userId);
      eq('pool_id', f.poolId);
      eq('machine_id', f.machineId);
      eq('host_id', f.hostId);
      if (f.from !== undefined) (where.push('started_at >= @from'), (args.from = f.from));
      if (f.to !== undefined) (where.push('started_at < @to'), (args.to = f.to));
      if (f.before !== undefined) (where.push('started_at < @before'), (args.before = f.before));
      const sql = `SELECT * FROM recordings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id LIMIT @limit`;
      return db.prepare<Record<string, string | number>, RecordingRow>(sql).all(args).map(recordingFromRow);
    },
    async listExpiredRecordings(now, limit) {
      return q.expired.all(now, limit).map(recordingFromRow);
    },
    async listRecordingsInProgress() {
      return q.inProgress.all().map(recordingFromRow);
    },
    async deleteRecording(id) {
      return q.delete.run(id).changes > 0;
    },
    async sumRecordingBytes() {
      return q.sum.get()?.total ?? 0;
    },
  };
}
