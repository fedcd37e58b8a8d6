// The one way a host's state changes: every move (an agent connecting or dropping, the gateway
// starting, an admin's drain/cordon/uncordon) is checked against the host lifecycle
// (lifecycles.ts hostMachine) before it is written.
import type { Host, HostState, Store } from '../store/types.ts';
import { conflict } from '../errors.ts';
import { hostMachine } from './lifecycles.ts';
import { IllegalTransition } from './state-machine.ts';

/**
 * Moves `host` to `to` (writing `patch` with it); staying in the same state is no move. Throws
 * IllegalTransition for a move the lifecycle forbids. Null when the host record is gone.
 */
export async function moveHost(
  store: Pick<Store, 'updateHost'>,
  host: Host,
  to: HostState,
  patch: Partial<Omit<Host, 'id' | 'createdAt' | 'state'>> = {},
): Promise<Host | null> {
  if (host.state === to) return Object.keys(patch).length ? store.updateHost(host.id, patch) : host;
  hostMachine.check(host.state, to);
  return store.updateHost(host.id, { ...patch, state: to });
}

/** An admin's move: an illegal one is a conflict with a stable code (contract/api/admin.ts). */
export async function moveHostByAdmin(store: Pick<Store, 'updateHost'>, host: Host, to: HostState): Promise<Host | null> {
  try {
    return await moveHost(store, host, to);
  } catch (err) {
    if (!(err instanceof IllegalTransition)) throw err;
    if (host.state === 'offline')
      throw conflict('host_offline', `The host ${host.name} is offline; it can be changed once its agent connects again.`);
    throw conflict('illegal_transition', `A host that is ${host.state} cannot become ${to}.`);
  }
}
