// Store contract, leases: one holder per job (server/broker/leadership.ts). Run through runStoreContract.
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './store.contract.ts';
import { T0 } from './store.fixtures.ts';

export function leasesContract(store: CurrentStore): void {
  describe('leases', () => {
    it('gives a free lease to the first asker, renews it for its holder, and refuses others until it expires', async () => {
      const s = store();
      expect(await s.acquireLease('sweep', 'gw-a', T0, T0 + 10_000)).toBe(true);
      expect(await s.acquireLease('sweep', 'gw-b', T0 + 1000, T0 + 11_000)).toBe(false);
      expect(await s.acquireLease('sweep', 'gw-a', T0 + 5000, T0 + 15_000)).toBe(true); // renewed
      expect(await s.acquireLease('sweep', 'gw-b', T0 + 14_999, T0 + 24_999)).toBe(false);
      expect(await s.acquireLease('sweep', 'gw-b', T0 + 15_000, T0 + 25_000)).toBe(true); // expired: taken over
      expect(await s.acquireLease('sweep', 'gw-a', T0 + 16_000, T0 + 26_000)).toBe(false);
      expect(await s.acquireLease('other-job', 'gw-a', T0 + 16_000, T0 + 26_000)).toBe(true); // per name
    });

    it('frees a lease its holder releases, and ignores a release by anyone else', async () => {
      const s = store();
      await s.acquireLease('sweep', 'gw-a', T0, T0 + 10_000);
      await s.releaseLease('sweep', 'gw-b');
      expect(await s.acquireLease('sweep', 'gw-b', T0 + 1, T0 + 10_001)).toBe(false);
      await s.releaseLease('sweep', 'gw-a');
      expect(await s.acquireLease('sweep', 'gw-b', T0 + 2, T0 + 10_002)).toBe(true);
    });

    it('of many askers at once, exactly one gets a free or expired lease', async () => {
      const s = store();
      for (const now of [T0, T0 + 60_000]) {
        const got = await Promise.all(Array.from({ length: 20 }, (_, i) => s.acquireLease('sweep', `gw-${now}-${i}`, now, now + 10_000)));
        expect(got.filter(Boolean)).toHaveLength(1);
      }
    });
  });
}
