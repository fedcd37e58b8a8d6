// Stored session recordings (migration 009): who and what was recorded, where it is in its life,
// the part files' sizes and checksums, and when retention deletes it. The files themselves live in
// the recordings directory (server/recording/storage.ts); this is their catalogue.

export type RecordingKind = 'rfb' | 'guac';
export type RecordingState = 'recording' | 'finished' | 'failed';
export type RecordingTrigger = 'on' | 'shadow';

export interface RecordingPart {
  bytes: number;
  /** Hex SHA-256 of the finished file; null while it is being written. */
  sha256: string | null;
}

export interface Recording {
  id: string;
  sessionId: string;
  userId: string;
  poolId: string | null;
  machineId: string | null;
  hostId: string | null;
  kind: RecordingKind;
  trigger: RecordingTrigger;
  state: RecordingState;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  bytes: number;
  parts: RecordingPart[];
  retentionDays: number;
  expiresAt: number | null;
  error: string | null;
}

export interface RecordingFilter {
  userId?: string;
  poolId?: string;
  machineId?: string;
  hostId?: string;
  /** started_at >= from (epoch ms) */
  from?: number;
  /** started_at < to (epoch ms) */
  to?: number;
  /** Newest first; at most this many (capped by the store at 500). */
  limit: number;
  /** Keyset paging: only recordings that started before this. */
  before?: number;
}

export type RecordingPatch = Partial<Pick<Recording, 'state' | 'endedAt' | 'durationMs' | 'bytes' | 'parts' | 'expiresAt' | 'error'>>;

export interface RecordingStore {
  createRecording(r: Recording): Promise<Recording>;
  getRecording(id: string): Promise<Recording | null>;
  updateRecording(id: string, patch: RecordingPatch): Promise<Recording | null>;
  listRecordings(f: RecordingFilter): Promise<Recording[]>;
  /** Recordings past their expires_at, oldest first. */
  listExpiredRecordings(now: number, limit: number): Promise<Recording[]>;
  /** Rows still `recording` (after a crash nobody finishes them). */
  listRecordingsInProgress(): Promise<Recording[]>;
  deleteRecording(id: string): Promise<boolean>;
  /** Bytes of every stored recording. */
  sumRecordingBytes(): Promise<number>;
}
