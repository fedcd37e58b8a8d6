// Where a recording's files are (named by recording id and part) and the file-level operations the
// service, retention and API share: a new recording's row, hashing a finished file, removing every
// file of a recording.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Recording, RecordingKind, RecordingTrigger } from '../store/recording-types.ts';
import type { Session } from '../store/types.ts';
import { newId } from '../util/random.ts';

const ID = /^rec-[0-9a-f]{18}$/;

export function partFileName(recordingId: string, n: number): string {
  return `${recordingId}-${n}.dprec`;
}

/** The file of part `n`: `<id>-<n>.dprec` (VNC) or `<id>.guac` (guacd, one part). */
export function partPath(dir: string, rec: Pick<Recording, 'id' | 'kind'>, n: number): string {
  // Ids come from newId('rec'); a row that does not look like one never becomes a path.
  if (!ID.test(rec.id)) throw new Error('not a recording id');
  return join(dir, rec.kind === 'guac' ? `${rec.id}.guac` : partFileName(rec.id, n));
}

export async function sha256File(path: string): Promise<{ bytes: number; sha256: string }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: h.digest('hex') };
}

export async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/** Removes the recording's files (every part it lists, and part 0 of one that lists none yet). */
export async function removeFiles(dir: string, rec: Recording): Promise<void> {
  const n = Math.max(1, rec.parts.length);
  for (let i = 0; i < n; i++) await rm(partPath(dir, rec, i), { force: true });
}

/** The row of a recording of `session` that starts now (state `recording`, no part finished yet). */
export function newRecording(
  session: Session,
  o: { kind: RecordingKind; trigger: RecordingTrigger; startedAt: number; retentionDays: number },
): Recording {
  return {
    id: newId('rec'),
    sessionId: session.id,
    userId: session.userId,
    poolId: session.poolId,
    machineId: session.machineId ?? null,
    hostId: session.hostId,
    kind: o.kind,
    trigger: o.trigger,
    state: 'recording',
    startedAt: o.startedAt,
    endedAt: null,
    durationMs: null,
    bytes: 0,
    parts: [],
    retentionDays: o.retentionDays,
    expiresAt: null,
    error: null,
  };
}
