// The gateway's recording service (server/recording/service.ts) wired to one real Xvnc desktop and a
// SQLite store, for integration tests of its decisions: a fixed ready VNC session and its desktop,
// session events to feed it, and what it announced (recordingActive after each announcement).
import net from 'node:net';
import type { SessionPolicy } from '../../contract/api/policy.ts';
import type { SessionView, ShadowView } from '../../contract/api/desktops.ts';
import { createAudit } from '../../server/audit.ts';
import { SessionEvents } from '../../server/broker/session-events.ts';
import { silentLogger } from '../../server/log.ts';
import { createRecordingService, type RecordingServiceDeps } from '../../server/recording/service.ts';
import { createRecordingStorage, type RecordingStorage } from '../../server/recording/storage.ts';
import { socketLink } from '../../server/relay/desktop-link.ts';
import type { Desktop, Session, Store } from '../../server/store/types.ts';

export const recordedSession: Session = {
  id: 's-recorded',
  poolId: 'p1',
  machineId: null,
  protocol: 'vnc',
  userId: 'u1',
  state: 'ready',
  desktopId: 'd1',
  hostId: 'h1',
  createdAt: 1,
  readyAt: 1,
  endedAt: null,
  lastActivityAt: 1,
  detachedAt: null,
  error: null,
};

export interface ServiceOptions {
  /** The Xvnc's port and password. */
  port: number;
  secret: string;
  dir: string;
  store: Store;
  policy: SessionPolicy;
  /** Default: no quota, no free-space floor. */
  storage?: RecordingStorage;
  /** The first N dials of the desktop fail (a host not connected yet). */
  unreachableFirst?: number;
  recorder?: RecordingServiceDeps['recorder'];
}

export function recordingServiceFor(o: ServiceOptions) {
  const desktop = {
    id: 'd1',
    poolId: 'p1',
    hostId: 'h1',
    state: 'running',
    ownerId: 'u1',
    secret: o.secret,
    error: null,
    createdAt: 1,
    updatedAt: 1,
  } as Desktop;
  const store: Store = { ...o.store, getSession: async () => recordedSession, getDesktop: async () => desktop };
  const events = new SessionEvents();
  const announced: boolean[] = [];
  let links = 0;
  const service = createRecordingService({
    store,
    audit: createAudit(o.store, silentLogger()),
    log: silentLogger(),
    now: Date.now,
    dir: o.dir,
    storage: o.storage ?? createRecordingStorage({ dir: o.dir, quotaBytes: null, minFreeBytes: 0, usedAtStart: 0 }),
    policyOf: async () => o.policy,
    openDesktop: () =>
      new Promise((resolve, reject) => {
        links++;
        if (links <= (o.unreachableFirst ?? 0)) return reject(new Error('the desktop host is not connected'));
        const s = net.connect(o.port, '127.0.0.1');
        s.once('error', reject);
        s.once('connect', () => resolve(socketLink(s)));
      }),
    announce: (id) => announced.push(service.isActive(id)),
    ...(o.recorder ? { recorder: o.recorder } : {}),
  });
  events.observe((id, e) => service.observe(id, e));
  return { service, events, announced, links: () => links };
}

export const stateEvent = (st: Session['state']) => ({
  kind: 'state' as const,
  session: { id: recordedSession.id, protocol: 'vnc', state: st } as SessionView,
});
export const shadowEvent = (id: string, st: ShadowView['state']) => ({
  kind: 'shadow' as const,
  shadow: { id, sessionId: recordedSession.id, state: st } as ShadowView,
});
