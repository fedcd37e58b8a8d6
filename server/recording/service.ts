// Session recording for the gateway: decides when a session is recorded (its policy: `on` for the
// whole session, `shadow` while a helpdesk shadow is approved), runs one VNC recorder per session,
// keeps the catalogue (store) and the audit trail, and enforces the storage budget. RDP/SSH sessions
// are recorded by guacd (guac-recording.ts); retention and deletion are in retention.ts.
import { mkdirSync } from 'node:fs';
import type { SessionPolicy } from '../../contract/api/policy.ts';
import type { Audit } from '../audit.ts';
import type { SessionEvent } from '../broker/session-events.ts';
import { unavailable } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import type { Recording, RecordingTrigger } from '../store/recording-types.ts';
import type { Desktop, Session, Store } from '../store/types.ts';
import type { FinishedPart } from './part-writer.ts';
import { newRecording } from './files.ts';
import type { RecordingStorage } from './storage.ts';
import { VncRecorder } from './vnc-recorder.ts';

export interface RecordingServiceDeps {
  store: Store;
  audit: Audit;
  log: Logger;
  now: () => number;
  dir: string;
  storage: RecordingStorage;
  policyOf: (s: Session) => Promise<SessionPolicy>;
  openDesktop: (d: Desktop) => Promise<DesktopLink>;
  /** Tells the session's viewers that recordingActive changed (a `state` event). */
  announce: (sessionId: string) => void;
  recorder?: { keyframeMs: number; partMaxBytes: number; partMaxMs: number };
}

export const RECORDING_UNAVAILABLE_MESSAGE =
  'Recording storage is full, and this desktop may only be used while it is recorded; ask an administrator to free space for recordings.';

interface Active {
  rec: Recording;
  recorder: VncRecorder;
  parts: FinishedPart[];
  failed: Error | null;
}

export type RecordingService = ReturnType<typeof createRecordingService>;

export function createRecordingService(d: RecordingServiceDeps) {
  mkdirSync(d.dir, { recursive: true, mode: 0o700 });
  const active = new Map<string, Active>();
  /** Approved shadows per session, for `shadow` recording. */
  const shadows = new Map<string, Set<string>>();
  const starting = new Set<string>();
  /** Open guacd connections being recorded, per session. */
  const guacLive = new Map<string, number>();
  let failures = 0;
  const audit = (action: string, rec: Recording, details: Record<string, unknown>, result: 'ok' | 'failed' = 'ok') =>
    d.audit.record({
      actor: null,
      action,
      target: rec.id,
      result,
      ip: null,
      details: { sessionId: rec.sessionId, userId: rec.userId, ...details },
    });

  async function startVnc(session: Session, trigger: RecordingTrigger, policy: SessionPolicy): Promise<void> {
    if (active.has(session.id) || starting.has(session.id)) return;
    if (!session.desktopId) return;
    if (!d.storage.canRecord()) {
      failures++;
      d.log.warn(
        { sessionId: session.id, storage: d.storage.status().problem },
        'recording storage unavailable: this session is not recorded',
      );
      return;
    }
    starting.add(session.id);
    try {
      const desktop = await d.store.getDesktop(session.desktopId);
      if (!desktop) return;
      const rec = await d.store.createRecording(
        newRecording(session, { kind: 'rfb', trigger, startedAt: d.now(), retentionDays: policy.recordingRetentionDays }),
      );
      const a: Active = { rec, recorder: null as unknown as VncRecorder, parts: [], failed: null };
      a.recorder = new VncRecorder({
        recordingId: rec.id,
        sessionId: session.id,
        dir: d.dir,
        openLink: () => d.openDesktop(desktop),
        secret: desktop.secret,
        log: d.log,
        now: d.now,
        ...d.recorder,
        allowBytes: (n) => d.storage.add(n),
        onPart: (n, p) => {
          a.parts[n] = p;
          void audit('recording.finished', rec, { part: n, bytes: p.bytes, sha256: p.sha256 });
        },
        onFailed: (err) => {
          a.failed = err;
          failures++;
          d.storage.writeFailed(err as NodeJS.ErrnoException);
          void stop(session.id, `failed: ${err.message}`);
        },
      });
      active.set(session.id, a);
      await audit('recording.started', rec, { trigger, kind: 'rfb' });
      d.announce(session.id);
      // A desktop not reachable yet (its agent reconnecting after a gateway restart) is retried by the
      // recorder with backoff until the session ends; a recording that never got a picture is `failed`.
      a.recorder
        .start()
        .catch((err: Error) => d.log.warn({ sessionId: session.id, err: err.message }, 'recording connection failed; retrying'));
    } finally {
      starting.delete(session.id);
    }
  }

  async function stop(sessionId: string, reason: string): Promise<void> {
    const a = active.get(sessionId);
    if (!a) return;
    active.delete(sessionId);
    const parts = await a.recorder.stop(reason);
    const endedAt = d.now();
    const bytes = parts.reduce((n, p) => n + p.bytes, 0);
    if (!a.failed && a.recorder.segments === 0) {
      a.failed = new Error('the desktop could not be reached for recording');
      failures++;
    }
    const rec = await d.store.updateRecording(a.rec.id, {
      state: a.failed ? 'failed' : 'finished',
      endedAt,
      durationMs: endedAt - a.rec.startedAt,
      bytes,
      parts: parts.map((p) => ({ bytes: p.bytes, sha256: p.sha256 })),
      expiresAt: endedAt + a.rec.retentionDays * 86_400_000,
      error: a.failed?.message.slice(0, 300) ?? null,
    });
    await audit(
      'recording.stopped',
      rec ?? a.rec,
      { reason: reason.slice(0, 200), bytes, parts: parts.length },
      a.failed ? 'failed' : 'ok',
    );
    d.announce(sessionId);
  }

  /** A ready VNC session: start recording if its policy asks for it now. */
  async function consider(sessionId: string): Promise<void> {
    if (active.has(sessionId)) return;
    const s = await d.store.getSession(sessionId);
    if (!s || s.state !== 'ready' || (s.protocol ?? 'vnc') !== 'vnc') return;
    const policy = await d.policyOf(s);
    if (policy.recording === 'on' || (policy.recording === 'shadow' && (shadows.get(sessionId)?.size ?? 0) > 0))
      await startVnc(s, policy.recording, policy);
  }

  /** What a session's events mean for its recording. */
  async function onEvent(sessionId: string, e: SessionEvent): Promise<void> {
    if (e.kind === 'state') {
      const st = e.session.state;
      if (st === 'ready' && e.session.protocol === 'vnc') await consider(sessionId);
      else if (st === 'ended' || st === 'failed' || st === 'ending') {
        shadows.delete(sessionId);
        await stop(sessionId, 'session ended');
      }
      return;
    }
    if (e.kind !== 'shadow') return;
    const set = shadows.get(sessionId) ?? new Set<string>();
    if (e.shadow.state === 'approved') set.add(e.shadow.id);
    else set.delete(e.shadow.id);
    if (set.size > 0) shadows.set(sessionId, set);
    else shadows.delete(sessionId);
    const s = await d.store.getSession(sessionId);
    if (!s || s.state !== 'ready' || (s.protocol ?? 'vnc') !== 'vnc') return;
    const policy = await d.policyOf(s);
    if (policy.recording !== 'shadow') return;
    if (set.size > 0) await startVnc(s, 'shadow', policy);
    else await stop(sessionId, 'shadow ended');
  }

  return {
    /** Feed every session event here (SessionEvents.observe). Errors are logged, never thrown. */
    observe(sessionId: string, e: SessionEvent): void {
      onEvent(sessionId, e).catch((err) => d.log.error({ err, sessionId }, 'recording decision failed'));
    },
    /** Sessions already running when the gateway starts: record those whose policy says `on`. */
    async resume(sessions: Session[]): Promise<void> {
      for (const s of sessions) await consider(s.id).catch((err) => d.log.error({ err, sessionId: s.id }, 'recording decision failed'));
    },
    /** Launch check: a pool that must be recorded is refused while recordings cannot be written. */
    admit(policy: SessionPolicy): void {
      if (policy.recording !== 'off' && policy.recordingRequired && !d.storage.canRecord())
        throw unavailable('recording_unavailable', RECORDING_UNAVAILABLE_MESSAGE);
    },
    isActive: (sessionId: string): boolean => active.has(sessionId) || (guacLive.get(sessionId) ?? 0) > 0,
    activeCount: (): number => active.size + [...guacLive.values()].reduce((a, b) => a + b, 0),
    /** A guacd connection of the session started (true) or stopped (false) being recorded. */
    guacChanged(sessionId: string, on: boolean): void {
      const n = (guacLive.get(sessionId) ?? 0) + (on ? 1 : -1);
      if (n > 0) guacLive.set(sessionId, n);
      else guacLive.delete(sessionId);
      d.announce(sessionId);
    },
    failures: (): number => failures,
    countFailure(): void {
      failures++;
    },
    async stopAll(reason: string): Promise<void> {
      await Promise.all([...active.keys()].map((id) => stop(id, reason)));
    },
  };
}
