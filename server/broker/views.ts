// The public JSON shapes of broker entities (contract/api/desktops.ts `SessionView`). Times are ISO 8601 strings.
import type { SessionView } from '../../contract/api/desktops.ts';
import type { Session } from '../store/types.ts';

export type { SessionView };

const iso = (t: number) => new Date(t).toISOString();

export function sessionView(s: Session, viewers: number, recordingActive?: boolean): SessionView {
  return {
    id: s.id,
    ...(s.poolId ? { poolId: s.poolId } : {}),
    ...(s.machineId ? { machineId: s.machineId } : {}),
    protocol: s.protocol ?? 'vnc',
    userId: s.userId,
    state: s.state,
    ...(s.hostId ? { hostId: s.hostId } : {}),
    createdAt: iso(s.createdAt),
    ...(s.readyAt ? { readyAt: iso(s.readyAt) } : {}),
    ...(s.endedAt ? { endedAt: iso(s.endedAt) } : {}),
    viewers,
    ...(s.error ? { error: s.error } : {}),
    ...(recordingActive !== undefined ? { recordingActive } : {}),
  };
}
