// The recordings directory's budget: a quota (optional) over the bytes of all recordings, and a floor
// of free disk space. Recorders ask before each write (a counter, no syscall); free space is read at
// most every few seconds. When recordings cannot be written the status says why, for the 503 of
// `recordingRequired` pools, the dashboard alert and /metrics.
import { statfsSync } from 'node:fs';

export type StorageProblem = 'quota' | 'disk_full' | 'write_error';

export interface StorageStatus {
  ok: boolean;
  problem: StorageProblem | null;
  /** For the dashboard: what is wrong and what to do. */
  message: string | null;
  /** Since when (epoch ms) recordings cannot be written. */
  since: number | null;
  usedBytes: number;
  quotaBytes: number | null;
  freeBytes: number | null;
}

export interface RecordingStorageOptions {
  dir: string;
  quotaBytes: number | null;
  minFreeBytes: number;
  /** Bytes of the stored recordings at start (store.sumRecordingBytes()). */
  usedAtStart: number;
  now?: () => number;
  /** Free bytes for an unprivileged writer on the directory's file system. */
  freeBytes?: (dir: string) => number;
  checkEveryMs?: number;
  /** A write error blocks recording this long before the next try. */
  writeErrorHoldMs?: number;
}

const MIB = 1024 * 1024;
const fsFree = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

const MESSAGES: Record<StorageProblem, string> = {
  quota:
    'The recordings quota is used up: VNC recordings pause and resume by themselves once there is room (RDP and SSH connections started meanwhile are not recorded). Delete old recordings or raise DESKPORT_RECORDINGS_QUOTA_MB.',
  disk_full:
    'The recordings disk is nearly full: VNC recordings pause and resume by themselves once there is room (RDP and SSH connections started meanwhile are not recorded). Free space there, move DESKPORT_RECORDINGS_DIR, or lower DESKPORT_RECORDINGS_MIN_FREE_MB.',
  write_error: 'Writing a recording failed: new recordings are not made for a minute. Check the gateway log and the recordings directory.',
};

export type RecordingStorage = ReturnType<typeof createRecordingStorage>;

export function createRecordingStorage(o: RecordingStorageOptions) {
  const now = o.now ?? Date.now;
  const freeOf = o.freeBytes ?? fsFree;
  const every = o.checkEveryMs ?? 5000;
  const hold = o.writeErrorHoldMs ?? 60_000;
  let used = o.usedAtStart;
  let free: number | null = null;
  let checkedAt = -Infinity;
  let problem: StorageProblem | null = null;
  let since: number | null = null;
  let writeErrorAt = -Infinity;

  const evaluate = (): void => {
    let p: StorageProblem | null = null;
    if (now() - writeErrorAt < hold) p = 'write_error';
    else if (o.quotaBytes !== null && used >= o.quotaBytes) p = 'quota';
    else if (free !== null && free < o.minFreeBytes) p = 'disk_full';
    if (p !== problem) since = p ? now() : null;
    problem = p;
  };
  const refresh = (force = false): void => {
    if (force || now() - checkedAt >= every) {
      checkedAt = now();
      try {
        free = freeOf(o.dir);
      } catch {
        free = 0; // a directory we cannot even stat cannot take recordings
      }
    }
    evaluate();
  };

  return {
    /** May a recording start (or go on)? Reads free space when the last reading is stale. */
    canRecord(): boolean {
      refresh();
      return problem === null;
    },
    /** Counts `n` bytes about to be written; false when they must not be (the recorder stops). */
    add(n: number): boolean {
      used += n;
      // Free space shrinks by what we write: estimate between readings.
      if (free !== null) free -= n;
      refresh();
      return problem === null;
    },
    /** Bytes freed by deleting a recording. */
    removed(n: number): void {
      used = Math.max(0, used - n);
      refresh(true);
    },
    /** A write failed (ENOSPC, EIO): block new recordings for a while. */
    writeFailed(err: NodeJS.ErrnoException): void {
      if (err.code === 'ENOSPC' || err.code === 'EDQUOT') {
        free = 0; // until the next reading
        checkedAt = now();
      } else writeErrorAt = now();
      evaluate();
    },
    status(): StorageStatus {
      refresh();
      return {
        ok: problem === null,
        problem,
        message: problem ? MESSAGES[problem] : null,
        since,
        usedBytes: used,
        quotaBytes: o.quotaBytes,
        freeBytes: free,
      };
    },
  };
}

export const mib = (n: number | undefined): number | null => (n === undefined ? null : n * MIB);
