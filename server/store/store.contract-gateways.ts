// Store contract, several gateways (server/cluster/): the gateway registry, and reconcile claims of
// which one gateway wins per agent boot. Run through runStoreContract.
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './store.contract.ts';
import { aHost, T0 } from './store.fixtures.ts';

export function gatewaysContract(store: CurrentStore): void {
  describe('gateways', () => {
    it('keeps each gateway’s row fresh by its heartbeat and lists those seen lately, oldest start first', async () => {
      const s = store();
      await s.heartbeatGateway({ id: 'gw-b', url: 'http://b:8080', startedAt: T0 + 10, seenAt: T0 + 10 });
      await s.heartbeatGateway({ id: 'gw-a', url: 'http://a:8080', startedAt: T0, seenAt: T0 });
      await s.heartbeatGateway({ id: 'gw-a', url: 'http://a:8080', startedAt: T0 + 999, seenAt: T0 + 20 });
      expect(await s.listGateways(T0 + 5)).toEqual([
        { id: 'gw-a', url: 'http://a:8080', startedAt: T0, seenAt: T0 + 20 },
        { id: 'gw-b', url: 'http://b:8080', startedAt: T0 + 10, seenAt: T0 + 10 },
      ]);
      expect((await s.listGateways(T0 + 15)).map((g) => g.id)).toEqual(['gw-a']);
      expect(await s.deleteStaleGateways(T0 + 15)).toBe(1);
      await s.deleteGateway('gw-a');
      expect(await s.listGateways(0)).toEqual([]);
    });

    it('gives a host’s reconcile to one claimant per boot, and again after the host was away', async () => {
      const s = store();
      const h = await s.createHost(aHost());
      const claims = await Promise.all([1, 2, 3, 4, 5].map(() => s.claimHostReconcile(h.id, 'boot-1')));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await s.claimHostReconcile(h.id, 'boot-1')).toBe(false);
      expect(await s.claimHostReconcile(h.id, 'boot-2')).toBe(true);
      await s.forgetHostReconcile(h.id);
      expect(await s.claimHostReconcile(h.id, 'boot-2')).toBe(true);
      expect(await s.claimHostReconcile('h-none', 'boot-1')).toBe(false);
    });
  });
}
