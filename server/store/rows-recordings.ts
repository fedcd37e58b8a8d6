// Row <-> entity mapping of session recordings (migration 009), with the helpers of rows.ts.
import { columns, json, parse } from './rows.ts';
import type { Recording, RecordingKind, RecordingPart, RecordingState, RecordingTrigger } from './recording-types.ts';

export interface RecordingRow {
  id: string;
  session_id: string;
  user_id: string;
  pool_id: string | null;
  machine_id: string | null;
  host_id: string | null;
  kind: string;
  trigger: string;
  state: string;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  bytes: number;
  parts: string;
  retention_days: number;
  expires_at: number | null;
  error: string | null;
}

export const RECORDING_COLUMNS = columns<RecordingRow>({
  id: 1,
  session_id: 1,
  user_id: 1,
  pool_id: 1,
  machine_id: 1,
  host_id: 1,
  kind: 1,
  trigger: 1,
  state: 1,
  started_at: 1,
  ended_at: 1,
  duration_ms: 1,
  bytes: 1,
  parts: 1,
  retention_days: 1,
  expires_at: 1,
  error: 1,
});

export const recordingToRow = (r: Recording): RecordingRow => ({
  id: r.id,
  session_id: r.sessionId,
  user_id: r.userId,
  pool_id: r.poolId,
  machine_id: r.machineId,
  host_id: r.hostId,
  kind: r.kind,
  trigger: r.trigger,
  state: r.state,
  started_at: r.startedAt,
  ended_at: r.endedAt,
  duration_ms: r.durationMs,
  bytes: r.bytes,
  parts: json(r.parts),
  retention_days: r.retentionDays,
  expires_at: r.expiresAt,
  error: r.error,
});

export const recordingFromRow = (r: RecordingRow): Recording => ({
  id: r.id,
  sessionId: r.session_id,
  userId: r.user_id,
  poolId: r.pool_id,
  machineId: r.machine_id,
  hostId: r.host_id,
  kind: r.kind as RecordingKind,
  trigger: r.trigger as RecordingTrigger,
  state: r.state as RecordingState,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  durationMs: r.duration_ms,
  bytes: r.bytes,
  parts: parse<RecordingPart[]>(r.parts),
  retentionDays: r.retention_days,
  expiresAt: r.expires_at,
  error: r.error,
});
