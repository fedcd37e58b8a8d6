// Builds the gateway's recording parts from the configuration (storage budget, VNC service, guacd
// recording, retention) and the few hooks the rest of the gateway needs: the broker's launch check
// and recordingActive, the /ws/rdp parameters, the sweep, metrics and the dashboard alert.
import type { SessionPolicy } from '../../contract/api/policy.ts';
import type { Audit } from '../audit.ts';
import type { SessionEvents } from '../broker/session-events.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import type { Desktop, Session, Store } from '../store/types.ts';
import { createGuacRecording } from './guac-recording.ts';
import { createGuacShadowRecording, type GuacJoinAccess, type GuacShadowRecording } from './guac-shadow.ts';
import { createRetention } from './retention.ts';
import { createRecordingService } from './service.ts';
import { createRecordingStorage, mib } from './storage.ts';

export interface RecordingSetupDeps {
  config: Config;
  store: Store;
  audit: Audit;
  log: Logger;
  clock: Clock;
  events: SessionEvents;
  openDesktop: (d: Desktop) => Promise<DesktopLink>;
  policyOf: (s: Session) => Promise<SessionPolicy>;
  policyOfTarget: (t: { poolId: string } | { machineId: string }) => Promise<SessionPolicy>;
  /** The session's view as its owner gets it (broker.view), for the `state` event announcing recordingActive. */
  view: (s: Session) => import('../../contract/api/desktops.ts').SessionView;
  /** The owners' guacd connections, for shadow-only recording of RDP/SSH sessions (guac-shadow.ts). */
  guacJoin?: GuacJoinAccess;
}

const RETENTION_EVERY_MS = 60_000;

export type GatewayRecording = Awaited<ReturnType<typeof setUpRecording>>;

export async function setUpRecording(d: RecordingSetupDeps) {
  const { config, store, log } = d;
  const now = () => d.clock.now();
  const dir = config.recordingsDir;
  const storage = createRecordingStorage({
    dir,
    quotaBytes: mib(config.recordingsQuotaMb),
    minFreeBytes: config.recordingsMinFreeMb * 1024 * 1024,
    usedAtStart: await store.sumRecordingBytes(),
    now,
  });
  // The service's own `state` events must not be taken for news by its observer.
  const announcing = new Set<string>();
  const announce = (sessionId: string) =>
    void store
      .getSession(sessionId)
      .then((s) => {
        if (!s) return;
        announcing.add(sessionId);
        try {
          d.events.emit(sessionId, { kind: 'state', session: d.view(s) });
        } finally {
          announcing.delete(sessionId);
        }
      })
      .catch((err) => log.warn({ err, sessionId }, 'could not announce the recording state'));
  const service = createRecordingService({
    store,
    audit: d.audit,
    log,
    now,
    dir,
    storage,
    policyOf: d.policyOf,
    openDesktop: d.openDesktop,
    announce,
    recorder: {
      keyframeMs: config.recordingKeyframeS * 1000,
      partMaxBytes: config.recordingPartMb * 1024 * 1024,
      partMaxMs: config.recordingPartMinutes * 60_000,
    },
    guacShadow: {
      shadowed: async (s, on) => guacShadow?.shadowed(s, on),
      ended: async (id) => guacShadow?.ended(id),
    },
  });
  // What both RDP/SSH recorders (guacd's own, and the gateway's join while shadowed) share.
  const guacDeps = {
    store,
    audit: d.audit,
    log,
    dir,
    storage,
    now,
    policyOf: d.policyOf,
    changed: (id: string, on: boolean) => service.guacChanged(id, on),
    countFailure: () => service.countFailure(),
  };
  const guacShadow: GuacShadowRecording | undefined = !d.guacJoin
    ? undefined
    : createGuacShadowRecording({ ...guacDeps, join: d.guacJoin, maxBytes: config.recordingPartMb * 1024 * 1024 });
  const guac = createGuacRecording(guacDeps);
  const retention = createRetention({ store, audit: d.audit, log, dir, storage, now });
  const recovered = await retention.recoverInterrupted();
  if (recovered) log.warn({ recovered }, 'recordings interrupted by the last stop were closed as failed');
  d.events.observe((sessionId, e) => {
    if (!announcing.has(sessionId)) service.observe(sessionId, e);
  });
  await service.resume(await store.listSessions({ state: ['ready'] }));
  let lastRetention = 0;
  let sweeping = false;
  let lastProblem = storage.status().problem;
  /** The storage's state changes (full, or space again and the dashboard alert gone) go into the audit log. */
  const watchStorage = (): void => {
    const s = storage.status();
    if (s.problem === lastProblem) return;
    const previous = lastProblem;
    lastProblem = s.problem;
    void d.audit.record({
      actor: null,
      action: s.problem ? 'recording.storage.unavailable' : 'recording.storage.available',
      target: null,
      result: s.problem ? 'failed' : 'ok',
      ip: null,
      details: { problem: s.problem, previous, usedBytes: s.usedBytes, freeBytes: s.freeBytes, quotaBytes: s.quotaBytes },
    });
    log.warn({ problem: s.problem, previous }, s.problem ? 'recording storage unavailable' : 'recording storage available again');
  };
  return {
    dir,
    storage,
    service,
    retention,
    broker: {
      admit: async (t: { poolId: string } | { machineId: string }) => service.admit(await d.policyOfTarget(t)),
      isActive: (id: string) => service.isActive(id),
    },
    recordGuac: (s: Session) => guac.begin(s),
    /** Called by the gateway's sweep (every second): recordings waiting for storage are retried (free
     *  space is read at most every few seconds), retention runs once a minute. */
    sweep(): void {
      watchStorage();
      service.retryWaiting();
      guacShadow?.sweep();
      if (sweeping || now() - lastRetention < RETENTION_EVERY_MS) return;
      sweeping = true;
      lastRetention = now();
      retention
        .sweep()
        .catch((err) => log.error({ err }, 'recording retention sweep failed'))
        .finally(() => (sweeping = false));
    },
    metrics: () => ({ bytes: storage.status().usedBytes, failures: service.failures(), active: service.activeCount() }),
    /** Problems for the admin dashboard. */
    alerts(): { id: string; title: string; message: string; since: string | null }[] {
      const s = storage.status();
      if (s.ok || !s.message) return [];
      return [
        {
          id: 'recording-storage',
          title: 'Recording storage',
          message: s.message,
          since: s.since ? new Date(s.since).toISOString() : null,
        },
      ];
    },
    stop: () => Promise.all([service.stopAll('gateway stopping'), guacShadow?.stopAll('gateway stopping')]),
  };
}
