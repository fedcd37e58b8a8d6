// Host administration: enrollment tokens for new hosts, drain/cordon/uncordon through the host
// lifecycle (host-state.ts), and removing a host (its agent is cut off now). Each is audited.
import type { HostAction } from '../../contract/api/admin.ts';
import type { Audit } from '../audit.ts';
import type { Clock } from '../clock.ts';
import { conflict, notFound } from '../errors.ts';
import type { Host, HostState, Store } from '../store/types.ts';
import { secretToken, sha256 } from '../util/random.ts';
import { moveHostByAdmin } from './host-state.ts';
import type { AdminActor } from './pools.ts';

const ENROLLMENT_TTL_MS = 3600_000;
const TARGET: Record<HostAction, HostState> = { drain: 'draining', cordon: 'cordoned', uncordon: 'online' };

export interface HostAdminDeps {
  store: Store;
  audit: Audit;
  clock: Clock;
  connected: (hostId: string) => boolean;
  /** Cuts a deleted host's agent off now (control connection and display streams). */
  removeHost: (hostId: string, reason: string) => { control: boolean; streams: number };
}

export function createHostAdmin(deps: HostAdminDeps) {
  const { store, audit, clock } = deps;
  return {
    /** Every host with its load (desktops creating, running or stopping; of those, warm spares). */
    async list(): Promise<{ host: Host; desktops: number; spares: number }[]> {
      const hosts = await store.listHosts();
      const load = await store.countDesktopsByHost(['creating', 'running', 'stopping']);
      return hosts.map((host) => ({ host, ...(load.get(host.id) ?? { desktops: 0, spares: 0 }) }));
    },

    async createEnrollment(by: AdminActor): Promise<{ token: string; expiresAt: number }> {
      const token = secretToken('dpe_');
      const expiresAt = clock.now() + ENROLLMENT_TTL_MS;
      await store.createEnrollmentToken({ hash: sha256(token), createdAt: clock.now(), expiresAt, usedAt: null });
      await audit.record({ actor: by.actor, action: 'host.enrollment_token', target: null, result: 'ok', ip: by.ip, details: {} });
      return { token, expiresAt };
    },

    /** Uncordon brings a host back to online, or to unreachable while its agent is away. */
    async act(id: string, action: HostAction, by: AdminActor): Promise<Host> {
      const h = await store.getHost(id);
      if (!h) throw notFound('host');
      const to = TARGET[action] === 'online' && !deps.connected(id) ? 'unreachable' : TARGET[action];
      const updated = await moveHostByAdmin(store, h, to);
      if (!updated) throw notFound('host');
      await audit.record({ actor: by.actor, action: `host.${action}`, target: id, result: 'ok', ip: by.ip, details: {} });
      return updated;
    },

    // Deleting a host revokes it: its credential goes with the record, and its agent is cut off now
    // (a close the agent takes as final, docs/agent-protocol.md). A host that runs desktops is
    // refused, so a deleted host has no live sessions; any it had would go `lost` as for a host
    // that dropped its connection, and end after the pool's grace.
    async remove(id: string, by: AdminActor): Promise<void> {
      if ((await store.countDesktops({ hostId: id, state: ['creating', 'running', 'stopping'] })) > 0)
        throw conflict('host_in_use', 'The host still runs desktops; drain it first.');
      const host = await store.getHost(id);
      if (!host || !(await store.deleteHost(id))) throw notFound('host');
      const cut = deps.removeHost(id, `host ${host.name} was deleted by an administrator`);
      await audit.record({
        actor: by.actor,
        action: 'host.delete',
        target: id,
        result: 'ok',
        ip: by.ip,
        details: { name: host.name, disconnected: cut.control, streamsClosed: cut.streams },
      });
    },
  };
}

export type HostAdmin = ReturnType<typeof createHostAdmin>;
