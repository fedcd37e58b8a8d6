// The one contract every Store implementation must pass (SQLite today, PostgreSQL later), the way
// Hono checks every router with one suite. `open` must return a new, empty, migrated store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountsContract } from './store.contract-accounts.ts';
import { auditContract } from './store.contract-audit.ts';
import { fleetContract } from './store.contract-fleet.ts';
import { identityContract } from './store.contract-identity.ts';
import { leasesContract } from './store.contract-leases.ts';
import { machinesContract } from './store.contract-machines.ts';
import { pendingSignInsContract } from './store.contract-pending-sign-ins.ts';
import { recordingsContract } from './store.contract-recordings.ts';
import { sessionsContract } from './store.contract-sessions.ts';
import { shadowsContract } from './store.contract-shadows.ts';
import { gatewaysContract } from './store.contract-gateways.ts';
import { downloadTicketsContract } from './store.contract-download-tickets.ts';
import { signInSecretsContract } from './store.contract-sign-in-secrets.ts';
import { throttlesContract } from './store.contract-throttles.ts';
import type { Store } from './types.ts';

/** Gives each contract section the store of the running test. */
export type CurrentStore = () => Store;

export function runStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store | null = null;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store?.close();
      store = null;
    });
    const current: CurrentStore = () => {
      if (!store) throw new Error('no store open');
      return store;
    };

    accountsContract(current);
    fleetContract(current);
    sessionsContract(current);
    auditContract(current);
    identityContract(current);
    machinesContract(current);
    signInSecretsContract(current);
    recordingsContract(current);
    leasesContract(current);
    throttlesContract(current);
    pendingSignInsContract(current);
    shadowsContract(current);
    gatewaysContract(current);
    downloadTicketsContract(current);

    describe('lifecycle', () => {
      it('answers ping while open and not after close', async () => {
        const s = current();
        expect(await s.ping()).toBe(true);
        await s.close();
        expect(await s.ping()).toBe(false);
      });

      it('can be closed twice', async () => {
        await current().close();
        await expect(current().close()).resolves.toBeUndefined();
      });
    });
  });
}
