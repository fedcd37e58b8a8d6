// Session recording for the gateway: decides when a session is recorded (its policy: `on` for the
// whole session, `shadow` while a helpdesk shadow is approved), runs one VNC recorder per session,
// keeps the catalogue (store) and the audit trail, and enforces the storage budget: a recording the
// full storage stopped is paused and resumes in a new part once there is space again (retryWaiting).
// RDP/SSH sessions are recorded by guacd (guac-recording.ts), and while shadowed by the gateway's own
// join (guac-shadow.ts); retention and deletion are in retention.ts.
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
import type { RecordingStorage, StorageProblem } from './storage.ts';
import { StorageRefused, VncRecorder } from './vnc-recorder.ts';

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
  /** Policy `shadow` for sessions shown through guacd (guac-shadow.ts). */
  guacShadow?: { shadowed(s: Session, on: boolean): Promise<void>; ended(sessionId: string): Promise<void> };
}

/** Sessions shown through guacd: RDP and SSH, and every existing machine (a VNC machine too). */
const throughGuacd = (s: Session): boolean => Boolean(s.machineId) || (s.protocol ?? 'vnc') !== 'vnc';

export const RECORDING_UNAVAILABLE_MESSAGE =
  'Recording storage is full, and this desktop may only be used while it is recorded; ask an administrator to free space for recordings.';

interface Active {
  rec: Recording;
  recorder: VncRecorder;
  /** Every part of the recording so far, by number (those of earlier runs before a pause too). */
  parts: FinishedPart[];
  failed: Error | null;
  /** The first part this run writes (0, or after the parts of a paused run). */
  firstPart: number;
}

/** A session that storage keeps from being recorded: its paused recording (null: none started yet). */
interface Waiting {
  rec: Recording | null;
  parts: FinishedPart[];
  since: number;
  problem: StorageProblem | null;
  /** Resolves once the paused run's parts are closed and listed; until then it is not resumed. */
  settled: Promise<void>;
  ready: boolean;
}

/** The catalogue's parts: a part whose file could not even be made is the last one, and left out. */
const listed = (parts: FinishedPart[]): FinishedPart[] => parts.filter(Boolean);

/** Errors that mean "no space" (the budget, or the disk itself): the recording waits for space. */
const isFull = (err: Error): boolean =>
  err instanceof StorageRefused || ['ENOSPC', 'EDQUOT'].includes((err as NodeJS.ErrnoException).code ?? '');

export type RecordingService = ReturnType<typeof createRecordingService>;

export function createRecordingService(d: RecordingServiceDeps) {
  mkdirSync(d.dir, { recursive: true, mode: 0o700 });
  const active = new Map<string, Active>();
  /** Approved shadows per session, for `shadow` recording. */
  const shadows = new Map<string, Set<string>>();
  const starting = new Set<string>();
  /** Sessions whose recording waits for storage (README "Quota and a full disk"). */
  const waiting = new Map<string, Waiting>();
  let retrying = false;
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
    const paused = waiting.get(session.id);
    if (paused && !paused.ready) return;
    if (!d.storage.canRecord()) {
      if (paused) return;
      failures++;
      const problem = d.storage.status().problem;
      waiting.set(session.id, { rec: null, parts: [], since: d.now(), problem, settled: Promise.resolve(), ready: true });
      d.log.warn(
        { sessionId: session.id, storage: problem },
        'recording storage unavailable: this session is recorded once there is space',
      );
      return;
    }
    starting.add(session.id);
    try {
      const desktop = await d.store.getDesktop(session.desktopId);
      if (!desktop) return;
      waiting.delete(session.id);
      const rec =
        paused?.rec ??
        (await d.store.createRecording(
          newRecording(session, { kind: 'rfb', trigger, startedAt: d.now(), retentionDays: policy.recordingRetentionDays }),
        ));
      const parts = listed(paused?.parts ?? []);
      const a: Active = { rec, recorder: null as unknown as VncRecorder, parts, failed: null, firstPart: parts.length };
      a.recorder = new VncRecorder({
        recordingId: rec.id,
        sessionId: session.id,
        dir: d.dir,
        openLink: () => d.openDesktop(desktop),
        secret: desktop.secret,
        log: d.log,
        now: d.now,
        ...d.recorder,
        firstPart: a.firstPart,
        allowBytes: (n) => d.storage.add(n),
        onPart: (n, p) => {
          a.parts[n] = p;
          void audit('recording.finished', rec, { part: n, bytes: p.bytes, sha256: p.sha256, ...(p.cut ? { cut: true } : {}) });
        },
        onFailed: (err) => {
          failures++;
          // The disk's own errors (ENOSPC, EIO) go to the storage; a StorageRefused came from it already.
          if ((err as NodeJS.ErrnoException).code) d.storage.writeFailed(err as NodeJS.ErrnoException);
          if (isFull(err)) return void pause(session.id, err.message);
          a.failed = err;
          void stop(session.id, `failed: ${err.message}`);
        },
      });
      active.set(session.id, a);
      if (paused?.rec)
        await audit('recording.resumed', rec, { part: a.firstPart, pausedMs: d.now() - paused.since, problem: paused.problem });
      else await audit('recording.started', rec, { trigger, kind: 'rfb', ...(paused ? { waitedMs: d.now() - paused.since } : {}) });
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

  /** Storage is full: close the current part, keep the row `recording`, and wait for space (retryWaiting). */
  async function pause(sessionId: string, why: string): Promise<void> {
    const a = active.get(sessionId);
    if (!a) return;
    active.delete(sessionId);
    const problem = d.storage.status().problem;
    let settle = (): void => undefined;
    const w: Waiting = { rec: a.rec, parts: a.parts, since: d.now(), problem, settled: new Promise((r) => (settle = r)), ready: false };
    waiting.set(sessionId, w);
    try {
      await a.recorder.stop(`paused: ${why}`);
      const parts = listed(a.parts);
      const bytes = parts.reduce((n, p) => n + p.bytes, 0);
      await d.store.updateRecording(a.rec.id, { bytes, parts: parts.map((p) => ({ bytes: p.bytes, sha256: p.sha256 })) });
      d.log.warn({ sessionId, recordingId: a.rec.id, storage: problem }, 'recording paused: its storage is full');
      await audit('recording.paused', a.rec, { reason: why.slice(0, 200), problem, parts: parts.length, bytes }, 'failed');
    } finally {
      w.ready = true;
      settle();
    }
    d.announce(sessionId);
  }

  /** Closes a recording row with its parts and audits the stop. */
  async function finish(rec: Recording, all: FinishedPart[], failed: Error | null, reason: string, note: string | null = null) {
    const parts = listed(all);
    const endedAt = d.now();
    const bytes = parts.reduce((n, p) => n + p.bytes, 0);
    const row = await d.store.updateRecording(rec.id, {
      state: failed ? 'failed' : 'finished',
      endedAt,
      durationMs: endedAt - rec.startedAt,
      bytes,
      parts: parts.map((p) => ({ bytes: p.bytes, sha256: p.sha256 })),
      expiresAt: endedAt + rec.retentionDays * 86_400_000,
      error: (failed?.message ?? note)?.slice(0, 300) ?? null,
    });
    await audit('recording.stopped', row ?? rec, { reason: reason.slice(0, 200), bytes, parts: parts.length }, failed ? 'failed' : 'ok');
  }

  async function stop(sessionId: string, reason: string): Promise<void> {
    const w = waiting.get(sessionId);
    if (w) {
      waiting.delete(sessionId);
      await w.settled;
      const since = new Date(w.since).toISOString();
      if (w.rec) await finish(w.rec, w.parts, null, reason, `not recorded from ${since} on: the recordings storage was full`);
    }
    const a = active.get(sessionId);
    if (!a) return;
    active.delete(sessionId);
    await a.recorder.stop(reason);
    if (!a.failed && a.recorder.segments === 0 && a.firstPart === 0) {
      a.failed = new Error('the desktop could not be reached for recording');
      failures++;
    }
    await finish(a.rec, a.parts, a.failed, reason);
    d.announce(sessionId);
  }

  /** Sessions waiting for storage: end the wait of those that ended; record the others once there is space. */
  async function retryWaiting(): Promise<void> {
    for (const id of [...waiting.keys()]) {
      const s = await d.store.getSession(id);
      if (!s || s.state !== 'ready') await stop(id, 'session ended');
      else if (d.storage.canRecord()) await consider(id);
    }
  }

  /** A ready VNC session: start recording if its policy asks for it now. */
  async function consider(sessionId: string): Promise<void> {
    if (active.has(sessionId)) return;
    const s = await d.store.getSession(sessionId);
    if (!s || s.state !== 'ready' || (s.protocol ?? 'vnc') !== 'vnc') return;
    const policy = await d.policyOf(s);
    if (policy.recording === 'on' || (policy.recording === 'shadow' && (shadows.get(sessionId)?.size ?? 0) > 0))
      await startVnc(s, policy.recording, policy);
    else await stop(sessionId, 'the policy no longer records');
  }

  /** What a session's events mean for its recording. */
  async function onEvent(sessionId: string, e: SessionEvent): Promise<void> {
    if (e.kind === 'state') {
      const st = e.session.state;
      if (st === 'ready' && e.session.protocol === 'vnc') await consider(sessionId);
      else if (st === 'ended' || st === 'failed' || st === 'ending') {
        shadows.delete(sessionId);
        await Promise.all([stop(sessionId, 'session ended'), d.guacShadow?.ended(sessionId)]);
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
    if (s?.state === 'ready' && throughGuacd(s)) return d.guacShadow?.shadowed(s, set.size > 0);
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
    /** Sessions whose recording waits for storage. */
    waitingCount: (): number => waiting.size,
    /** Called by the gateway's sweep (every second): resumes recordings paused for storage once it has space. */
    retryWaiting(): void {
      if (retrying || waiting.size === 0) return;
      retrying = true;
      retryWaiting()
        .catch((err) => d.log.error({ err }, 'resuming recordings failed'))
        .finally(() => (retrying = false));
    },
    countFailure(): void {
      failures++;
    },
    async stopAll(reason: string): Promise<void> {
      await Promise.all([...new Set([...active.keys(), ...waiting.keys()])].map((id) => stop(id, reason)));
    },
  };
}
