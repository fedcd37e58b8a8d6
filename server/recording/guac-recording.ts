// RDP/SSH recording: guacd records a connection itself (its `.guac` format) when given
// recording-path / recording-name. Each owner connection of a session whose policy is `on` gets
// a recording row (kind guac); when the connection ends, the file is hashed once guacd has let go of
// it. guacd must write into the gateway's recordings directory: the supervised guacd runs here; an
// external guacd needs that directory shared at the same path (README "Recording").
import type { SessionPolicy } from '../../contract/api/policy.ts';
import type { Audit } from '../audit.ts';
import type { Logger } from '../log.ts';
import type { Recording } from '../store/recording-types.ts';
import type { Session, Store } from '../store/types.ts';
import { newRecording, partPath, sha256File, sizeOf } from './files.ts';
import type { RecordingStorage } from './storage.ts';

export interface GuacRecordingDeps {
  store: Store;
  audit: Audit;
  log: Logger;
  dir: string;
  storage: RecordingStorage;
  now: () => number;
  policyOf: (s: Session) => Promise<SessionPolicy>;
  /** A recording row became active or ended (recordingActive on the session view). */
  changed: (sessionId: string, active: boolean) => void;
  countFailure: () => void;
  /** How long to wait for guacd to stop writing after the connection closed. */
  settleMs?: number;
}

export interface GuacRecordingHandle {
  /** Extra guacd connection parameters. */
  settings: Record<string, string>;
  /** The connection ended: hash the file and close the row. Safe to call twice. */
  end(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createGuacRecording(d: GuacRecordingDeps) {
  /**
   * guacd keeps writing for a moment after the client left (its last instructions when the
   * connection's process frees it; on a loaded machine a pause of several hundred ms comes first):
   * wait until the size has not changed for a whole second, at most `settleMs`.
   */
  const settled = async (path: string): Promise<number | null> => {
    const step = 250;
    const stableSteps = 4;
    let last = await sizeOf(path);
    let same = 0;
    for (let waited = 0; waited < (d.settleMs ?? 10_000); waited += step) {
      await sleep(step);
      const now = await sizeOf(path);
      same = now === last && now !== null ? same + 1 : 0;
      if (same >= stableSteps) return now;
      last = now;
    }
    return last;
  };
  /** The finished file's size and SHA-256, hashed again if guacd still wrote while it was hashed. */
  const finalPart = async (path: string): Promise<{ bytes: number; sha256: string } | null> => {
    for (let i = 0; ; i++) {
      const size = await settled(path);
      if (size === null || size === 0) return null;
      const part = await sha256File(path);
      if (part.bytes === (await sizeOf(path)) || i === 2) return part;
    }
  };

  return {
    /** For an owner's new guacd connection: recording parameters, or null when it is not recorded. */
    async begin(session: Session): Promise<GuacRecordingHandle | null> {
      const policy = await d.policyOf(session);
      // `shadow` needs a recording that starts mid-connection, which guacd cannot do: VNC only (README).
      if (policy.recording !== 'on') return null;
      if (!d.storage.canRecord()) {
        d.countFailure();
        d.log.warn({ sessionId: session.id }, 'recording storage unavailable: this RDP/SSH connection is not recorded');
        return null;
      }
      const rec = await d.store.createRecording(
        newRecording(session, { kind: 'guac', trigger: 'on', startedAt: d.now(), retentionDays: policy.recordingRetentionDays }),
      );
      const path = partPath(d.dir, rec, 0);
      const details = { sessionId: rec.sessionId, userId: rec.userId };
      await d.audit.record({
        actor: null,
        action: 'recording.started',
        target: rec.id,
        result: 'ok',
        ip: null,
        details: { ...details, trigger: 'on', kind: 'guac' },
      });
      d.changed(session.id, true);
      let ended: Promise<void> | null = null;
      return {
        settings: { 'recording-path': d.dir, 'recording-name': path.slice(d.dir.length + 1), 'create-recording-path': 'true' },
        end() {
          ended ??= (async () => {
            const part = await finalPart(path);
            const ok = part !== null;
            if (part) d.storage.add(part.bytes);
            await closeGuacRow(d, rec, part, {
              reason: 'connection ended',
              error: ok ? null : 'guacd wrote no recording (is the recordings directory shared with guacd?)',
            });
            d.changed(session.id, false);
          })().catch((err) => d.log.error({ err, recordingId: rec.id }, 'closing a guacd recording failed'));
          return ended;
        },
      };
    },
  };
}

/** Closes a `.guac` recording's row with its one part (none: `failed`, with `error`), audited as every recording. */
export async function closeGuacRow(
  d: Pick<GuacRecordingDeps, 'store' | 'audit' | 'now' | 'countFailure'>,
  rec: Recording,
  part: { bytes: number; sha256: string } | null,
  o: { reason: string; error: string | null },
): Promise<void> {
  const failed = o.error !== null || !part;
  const endedAt = d.now();
  await d.store.updateRecording(rec.id, {
    state: failed ? 'failed' : 'finished',
    endedAt,
    durationMs: endedAt - rec.startedAt,
    bytes: part?.bytes ?? 0,
    parts: part ? [part] : [],
    expiresAt: endedAt + rec.retentionDays * 86_400_000,
    error: o.error?.slice(0, 300) ?? null,
  });
  const base = { actor: null, target: rec.id, ip: null };
  const details = { sessionId: rec.sessionId, userId: rec.userId };
  if (part) await d.audit.record({ ...base, action: 'recording.finished', result: 'ok', details: { ...details, part: 0, ...part } });
  if (failed) d.countFailure();
  await d.audit.record({
    ...base,
    action: 'recording.stopped',
    result: failed ? 'failed' : 'ok',
    details: { ...details, reason: o.reason.slice(0, 200), bytes: part?.bytes ?? 0 },
  });
}
