// Recording policy `shadow` for sessions shown through guacd (RDP, SSH): while a helpdesk shadow is
// approved, the gateway records the owner's guacd connection itself (guac-join-recorder.ts), one
// recording row (kind guac, trigger shadow) per join, at most one join per session. A session whose
// owner's display is not open yet, or whose join ended while shadows still watch (the owner
// reconnected, the size cap), is tried again by the sweep. README "Recording and playback".
import type { SessionPolicy } from '../../contract/api/policy.ts';
import type { Audit } from '../audit.ts';
import type { GuacdEndpoint } from '../display/guac-thumbnail.ts';
import type { Logger } from '../log.ts';
import type { Recording } from '../store/recording-types.ts';
import type { Session, Store } from '../store/types.ts';
import { newRecording, partPath, sha256File } from './files.ts';
import { closeGuacRow } from './guac-recording.ts';
import { startGuacJoinRecorder, type GuacJoinRecorder, type JoinRecordingEnd } from './guac-join-recorder.ts';
import type { RecordingStorage } from './storage.ts';

/** How the gateway reaches an owner's live guacd connection (guac-endpoint.ts registers them). */
export interface GuacJoinAccess {
  guacd: { endpoint(): GuacdEndpoint | null };
  /** guacd's id of the owner's live connection of a session (GuacConnections.current). */
  connections: { current(sessionId: string): string | null };
  /** The owner's picture (shadow-snapshot.ts), or null. */
  snapshot: (sessionId: string) => Promise<string | null>;
}

export interface GuacShadowDeps {
  store: Store;
  audit: Audit;
  log: Logger;
  dir: string;
  storage: RecordingStorage;
  now: () => number;
  policyOf: (s: Session) => Promise<SessionPolicy>;
  join: GuacJoinAccess;
  /** The file of one recording at most (config recordingPartMb). */
  maxBytes: number;
  changed: (sessionId: string, active: boolean) => void;
  countFailure: () => void;
  /** After a join ended by itself, the next try waits this long. Default 5 s. */
  retryMs?: number;
}

interface Live {
  rec: Recording;
  recorder: GuacJoinRecorder;
  done: Promise<void>;
}

export type GuacShadowRecording = ReturnType<typeof createGuacShadowRecording>;

export function createGuacShadowRecording(d: GuacShadowDeps) {
  /** Sessions with an approved shadow whose policy may ask for `shadow` recording. */
  const wanted = new Map<string, Session>();
  const live = new Map<string, Live>();
  const starting = new Set<string>();
  const notBefore = new Map<string, number>();
  /** Sessions whose recording the storage refused (until it starts, or the shadow ends). */
  const refused = new Set<string>();
  const audit = (action: string, rec: Recording, details: Record<string, unknown>, result: 'ok' | 'failed' = 'ok') =>
    d.audit.record({
      actor: null,
      action,
      target: rec.id,
      result,
      ip: null,
      details: { sessionId: rec.sessionId, userId: rec.userId, ...details },
    });

  async function start(session: Session): Promise<void> {
    if (live.has(session.id) || starting.has(session.id) || (notBefore.get(session.id) ?? 0) > d.now()) return;
    const endpoint = d.join.guacd.endpoint();
    const connectionId = d.join.connections.current(session.id);
    if (!endpoint || !connectionId) return; // the owner's display is not open: the sweep tries again
    starting.add(session.id);
    try {
      const policy = await d.policyOf(session);
      // Decided at the shadow's approval, as for VNC: a policy of `on` is guacd's own recording.
      if (policy.recording !== 'shadow') return void wanted.delete(session.id);
      if (!wanted.has(session.id)) return;
      if (!d.storage.canRecord()) {
        notBefore.set(session.id, d.now() + (d.retryMs ?? 5_000));
        if (refused.has(session.id)) return; // counted and logged once per wait
        refused.add(session.id);
        d.countFailure();
        return void d.log.warn({ sessionId: session.id }, 'recording storage unavailable: this shadowed RDP/SSH session is not recorded');
      }
      refused.delete(session.id);
      const rec = await d.store.createRecording(
        newRecording(session, { kind: 'guac', trigger: 'shadow', startedAt: d.now(), retentionDays: policy.recordingRetentionDays }),
      );
      const path = partPath(d.dir, rec, 0);
      const recorder = startGuacJoinRecorder({
        endpoint,
        connectionId,
        path,
        snapshot: () => d.join.snapshot(session.id),
        allowBytes: (n) => d.storage.add(n),
        maxBytes: d.maxBytes,
      });
      d.changed(session.id, true);
      const started = audit('recording.started', rec, { trigger: 'shadow', kind: 'guac' });
      // The start is audited before the end, however soon the join ends.
      const done = recorder.ended.then(async (end) => (await started.catch(() => undefined), finish(session.id, rec, path, end)));
      live.set(session.id, { rec, recorder, done });
      await started;
      if (!wanted.has(session.id)) await stop(session.id, 'shadow ended'); // ended while this one started
    } finally {
      starting.delete(session.id);
    }
  }

  /** The join ended (stopped, cut, or guacd ended it): hash the file and close the row. */
  async function finish(sessionId: string, rec: Recording, path: string, end: JoinRecordingEnd): Promise<void> {
    try {
      if (end.diskError) d.storage.writeFailed(end.diskError);
      const part = end.bytes > 0 ? await sha256File(path).catch(() => null) : null;
      const error = end.failed ? end.reason : part ? null : 'the shadowed display sent nothing to record';
      await closeGuacRow(d, rec, part, { reason: end.reason, error });
    } catch (err) {
      d.log.error({ err, recordingId: rec.id }, 'closing a shadow recording failed');
    } finally {
      live.delete(sessionId);
      // A join that ended by itself while shadows still watch is tried again, not at once.
      notBefore.set(sessionId, d.now() + (d.retryMs ?? 5_000));
      d.changed(sessionId, false);
    }
  }

  async function stop(sessionId: string, reason: string): Promise<void> {
    notBefore.delete(sessionId);
    const l = live.get(sessionId);
    if (!l) return;
    await l.recorder.stop(reason);
    await l.done;
    notBefore.delete(sessionId);
  }

  return {
    /** The session (RDP/SSH, ready) has approved shadows (`on`) or none any more. */
    async shadowed(session: Session, on: boolean): Promise<void> {
      if (!on) {
        wanted.delete(session.id);
        refused.delete(session.id);
        return stop(session.id, 'shadow ended');
      }
      wanted.set(session.id, session);
      await start(session);
    },
    async ended(sessionId: string): Promise<void> {
      wanted.delete(sessionId);
      refused.delete(sessionId);
      await stop(sessionId, 'session ended');
    },
    /** Called every second: sessions that want a recording and have none get one when they can. */
    sweep(): void {
      for (const s of wanted.values())
        if (!live.has(s.id)) start(s).catch((err) => d.log.error({ err, sessionId: s.id }, 'starting a shadow recording failed'));
    },
    async stopAll(reason: string): Promise<void> {
      wanted.clear();
      await Promise.all([...live.keys()].map((id) => stop(id, reason)));
    },
  };
}
