// The recordings' lifecycle after recording: the retention sweep (delete past expires_at), an admin's
// delete, and recordings a stopped gateway left `recording` (their files are kept, hashed, and the row
// marked failed, so what was recorded stays watchable). Every deletion is audited.
import type { Audit } from '../audit.ts';
import type { Logger } from '../log.ts';
import type { Recording, RecordingPart } from '../store/recording-types.ts';
import type { Store } from '../store/types.ts';
import { partPath, removeFiles, sha256File, sizeOf } from './files.ts';
import type { RecordingStorage } from './storage.ts';

export interface RetentionDeps {
  store: Store;
  audit: Audit;
  log: Logger;
  dir: string;
  storage: RecordingStorage;
  now: () => number;
  /** Rows deleted per sweep at most (the rest wait for the next one). */
  batch?: number;
}

const DAY = 86_400_000;
const MAX_PARTS_RECOVERED = 10_000;

export function createRetention(d: RetentionDeps) {
  const remove = async (rec: Recording, actor: string | null, ip: string | null, why: string) => {
    await removeFiles(d.dir, rec);
    await d.store.deleteRecording(rec.id);
    d.storage.removed(rec.bytes);
    await d.audit.record({
      actor,
      action: 'recording.deleted',
      target: rec.id,
      result: 'ok',
      ip,
      details: { sessionId: rec.sessionId, userId: rec.userId, bytes: rec.bytes, reason: why },
    });
  };
  return {
    /** Deletes recordings past their expires_at; returns how many. */
    async sweep(): Promise<number> {
      const expired = await d.store.listExpiredRecordings(d.now(), d.batch ?? 100);
      for (const rec of expired) await remove(rec, null, null, 'retention');
      if (expired.length) d.log.info({ deleted: expired.length }, 'recordings past their retention deleted');
      return expired.length;
    },
    remove: (rec: Recording, actor: string, ip: string | null) => remove(rec, actor, ip, 'deleted by an administrator'),
    /** Rows a stopped gateway left `recording`: hash what is on disk and close them as failed. */
    async recoverInterrupted(): Promise<number> {
      const rows = await d.store.listRecordingsInProgress();
      for (const rec of rows) {
        const parts: RecordingPart[] = [];
        for (let n = 0; n < MAX_PARTS_RECOVERED; n++) {
          const path = partPath(d.dir, rec, n);
          if ((await sizeOf(path)) === null) break;
          parts.push(await sha256File(path));
          if (rec.kind === 'guac') break;
        }
        const endedAt = d.now();
        const bytes = parts.reduce((s, p) => s + p.bytes, 0);
        await d.store.updateRecording(rec.id, {
          state: 'failed',
          endedAt,
          durationMs: endedAt - rec.startedAt,
          bytes,
          parts,
          expiresAt: endedAt + rec.retentionDays * DAY,
          error: 'the gateway stopped while recording',
        });
        for (const [n, p] of parts.entries())
          await d.audit.record({
            actor: null,
            action: 'recording.finished',
            target: rec.id,
            result: 'ok',
            ip: null,
            details: { sessionId: rec.sessionId, part: n, bytes: p.bytes, sha256: p.sha256, interrupted: true },
          });
      }
      return rows.length;
    },
  };
}
