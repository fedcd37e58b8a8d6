import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOST_STATES } from '../../contract/ids.ts';
import { DomainError } from '../errors.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import { aHost } from '../store/store.fixtures.ts';
import type { HostState, Store } from '../store/types.ts';
import { hostMachine } from './lifecycles.ts';
import { moveHost, moveHostByAdmin } from './host-state.ts';
import { IllegalTransition } from './state-machine.ts';

let store: Store;
beforeEach(() => void (store = openSqliteStore({ file: ':memory:' })));
afterEach(() => store.close());

const hostIn = (state: HostState) => store.createHost(aHost({ state }));

describe('host state changes go through the host lifecycle', () => {
  it('writes every legal move and refuses every illegal one without writing', async () => {
    for (const from of HOST_STATES) {
      for (const to of HOST_STATES) {
        const h = await hostIn(from);
        if (from === to || hostMachine.can(from, to)) {
          expect((await moveHost(store, h, to))?.state, `${from}→${to}`).toBe(to);
        } else {
          await expect(moveHost(store, h, to), `${from}→${to}`).rejects.toThrow(IllegalTransition);
          expect((await store.getHost(h.id))?.state).toBe(from);
        }
      }
    }
  });

  it('writes the rest of a patch with the move, and alone when the state stays', async () => {
    const h = await hostIn('cordoned');
    expect(await moveHost(store, h, 'cordoned', { lastHeartbeatAt: 42 })).toMatchObject({ state: 'cordoned', lastHeartbeatAt: 42 });
    const away = await hostIn('unreachable');
    expect(await moveHost(store, away, 'online', { lastHeartbeatAt: 7 })).toMatchObject({ state: 'online', lastHeartbeatAt: 7 });
  });

  it('is null for a host whose record is gone', async () => {
    const h = await hostIn('unreachable');
    await store.deleteHost(h.id);
    expect(await moveHost(store, h, 'online', { lastHeartbeatAt: 1 })).toBeNull();
  });

  it('refuses an admin move on an offline host as the conflict host_offline', async () => {
    for (const to of ['draining', 'cordoned', 'unreachable'] as const) {
      const err = await moveHostByAdmin(store, await hostIn('offline'), to).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ kind: 'conflict', code: 'host_offline' });
    }
  });

  it('lets an admin drain, cordon and uncordon a host that is online or away', async () => {
    expect((await moveHostByAdmin(store, await hostIn('online'), 'draining'))?.state).toBe('draining');
    expect((await moveHostByAdmin(store, await hostIn('unreachable'), 'cordoned'))?.state).toBe('cordoned');
    expect((await moveHostByAdmin(store, await hostIn('draining'), 'unreachable'))?.state).toBe('unreachable');
  });
});
