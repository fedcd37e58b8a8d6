// Store contract, fleet: pools, hosts, enrollment tokens and desktops, including the warm-desktop
// claim that must hand one desktop to exactly one launch. Run through runStoreContract.
import { describe, expect, it } from 'vitest';
import { isStoreConflict } from './errors.ts';
import type { CurrentStore } from './store.contract.ts';
import { aDesktop, aHost, aPool, T0 } from './store.fixtures.ts';

export function fleetContract(store: CurrentStore): void {
  async function poolAndHost() {
    return { pool: await store().createPool(aPool()), host: await store().createHost(aHost()) };
  }

  describe('pools', () => {
    it('round-trips every field, finds by name whatever its case, lists by name', async () => {
      const b = await store().createPool(
        aPool({
          name: 'Windows',
          driver: 'static',
          protocol: 'rdp',
          image: 'win11',
          cpu: null,
          memoryMb: null,
          persistence: 'personal',
          placement: 'depth',
          groups: ['g1'],
        }),
      );
      const a = await store().createPool(aPool({ name: 'Linux', cpu: 1.5 }));
      expect(await store().getPool(b.id)).toEqual(b);
      expect(await store().getPoolByName('windows')).toEqual(b);
      expect(await store().getPoolByName('mac')).toBeNull();
      expect(await store().listPools()).toEqual([a, b]);
    });

    it('updates, refuses a duplicate name, deletes', async () => {
      const p = await store().createPool(aPool({ name: 'One' }));
      await store().createPool(aPool({ name: 'Two' }));
      expect(await store().updatePool(p.id, { minWarm: 3, groups: ['x'] })).toEqual({ ...p, minWarm: 3, groups: ['x'] });
      expect(
        isStoreConflict(
          await store()
            .updatePool(p.id, { name: 'two' })
            .catch((e: unknown) => e),
          'duplicate',
        ),
      ).toBe(true);
      expect(await store().updatePool('nope', { minWarm: 1 })).toBeNull();
      expect(await store().deletePool(p.id)).toBe(true);
      expect(await store().getPool(p.id)).toBeNull();
      expect(await store().deletePool(p.id)).toBe(false);
    });
  });

  describe('hosts and enrollment', () => {
    it('round-trips labels, drivers and capacity, finds by credential hash', async () => {
      const h = await store().createHost(aHost({ lastHeartbeatAt: T0 + 1 }));
      expect(await store().getHost(h.id)).toEqual(h);
      expect(await store().getHostByCredentialHash(h.credentialHash)).toEqual(h);
      expect(await store().getHostByCredentialHash('unknown')).toBeNull();
      expect(await store().listHosts()).toEqual([h]);
    });

    it('updates, refuses a duplicate credential, deletes', async () => {
      const h = await store().createHost(aHost());
      const other = await store().createHost(aHost());
      const updated = await store().updateHost(h.id, { state: 'draining', lastHeartbeatAt: T0 + 7, labels: {} });
      expect(updated).toEqual({ ...h, state: 'draining', lastHeartbeatAt: T0 + 7, labels: {} });
      const dup = await store()
        .updateHost(h.id, { credentialHash: other.credentialHash })
        .catch((e: unknown) => e);
      expect(isStoreConflict(dup, 'duplicate')).toBe(true);
      expect(await store().updateHost('nope', { state: 'offline' })).toBeNull();
      expect(await store().deleteHost(h.id)).toBe(true);
      expect(await store().getHost(h.id)).toBeNull();
      expect(await store().deleteHost(h.id)).toBe(false);
    });

    it('redeems an enrollment token once, then says it was used', async () => {
      await store().createEnrollmentToken({ hash: 'enr', createdAt: T0, expiresAt: T0 + 60_000, usedAt: null });
      const both = await Promise.all([store().redeemEnrollmentToken('enr', T0 + 1), store().redeemEnrollmentToken('enr', T0 + 1)]);
      expect(both.sort()).toEqual(['redeemed', 'used']);
      expect(await store().redeemEnrollmentToken('enr', T0 + 2)).toBe('used');
      expect(await store().redeemEnrollmentToken('unknown', T0)).toBe('unknown');
    });

    it('does not redeem an expired enrollment token, and says it expired (used wins over expired)', async () => {
      await store().createEnrollmentToken({ hash: 'old', createdAt: T0, expiresAt: T0 + 10, usedAt: null });
      expect(await store().redeemEnrollmentToken('old', T0 + 10)).toBe('expired');
      await store().createEnrollmentToken({ hash: 'spent', createdAt: T0, expiresAt: T0 + 10, usedAt: T0 + 1 });
      expect(await store().redeemEnrollmentToken('spent', T0 + 20)).toBe('used');
    });
  });

  describe('desktops', () => {
    it('counts desktops per host in the given states, with the ownerless ones', async () => {
      const pool = await store().createPool(aPool());
      const [h1, h2] = [await store().createHost(aHost()), await store().createHost(aHost())];
      await store().createDesktop(aDesktop(pool.id, h1.id, { state: 'running', ownerId: null }));
      await store().createDesktop(aDesktop(pool.id, h1.id, { state: 'creating', ownerId: 'u-1' }));
      await store().createDesktop(aDesktop(pool.id, h1.id, { state: 'gone', ownerId: 'u-2' }));
      await store().createDesktop(aDesktop(pool.id, h2.id, { state: 'running', ownerId: 'u-3' }));
      const load = await store().countDesktopsByHost(['creating', 'running']);
      expect(load.get(h1.id)).toEqual({ desktops: 2, spares: 1 });
      expect(load.get(h2.id)).toEqual({ desktops: 1, spares: 0 });
      expect((await store().countDesktopsByHost([])).size).toBe(0);
    });

    it('updateDesktopIf checks the state and, when asked, that nobody claimed it meanwhile', async () => {
      const pool = await store().createPool(aPool());
      const host = await store().createHost(aHost());
      const d = await store().createDesktop(aDesktop(pool.id, host.id, { state: 'running', ownerId: null }));
      expect(await store().claimWarmDesktop(pool.id, 'u-1', T0)).toMatchObject({ id: d.id, ownerId: 'u-1' });
      expect(await store().updateDesktopIf(d.id, { state: ['running'], ownerless: true }, { state: 'stopping' })).toBeNull();
      expect(await store().updateDesktopIf(d.id, { state: ['creating'] }, { state: 'stopping' })).toBeNull();
      expect(await store().updateDesktopIf(d.id, { state: ['running'] }, { state: 'stopping' })).toMatchObject({
        state: 'stopping',
        ownerId: 'u-1',
      });
    });

    it('round-trips, updates, and returns null for an unknown id', async () => {
      const { pool, host } = await poolAndHost();
      const d = await store().createDesktop(aDesktop(pool.id, host.id, { state: 'creating' }));
      expect(await store().getDesktop(d.id)).toEqual(d);
      const failed = { ...d, state: 'failed' as const, error: 'Xvnc exited', updatedAt: T0 + 1 };
      expect(await store().updateDesktop(d.id, { state: 'failed', error: 'Xvnc exited', updatedAt: T0 + 1 })).toEqual(failed);
      expect(await store().getDesktop(d.id)).toEqual(failed);
      expect(await store().updateDesktop('nope', { state: 'gone' })).toBeNull();
      expect(await store().getDesktop('nope')).toBeNull();
    });

    it('lists and counts by host, pool, state and ownership', async () => {
      const { pool, host } = await poolAndHost();
      const other = await poolAndHost();
      const warm = await store().createDesktop(aDesktop(pool.id, host.id, { createdAt: T0 }));
      const owned = await store().createDesktop(aDesktop(pool.id, host.id, { ownerId: 'u1', createdAt: T0 + 1 }));
      const creating = await store().createDesktop(aDesktop(pool.id, other.host.id, { state: 'creating', createdAt: T0 + 2 }));
      const elsewhere = await store().createDesktop(aDesktop(other.pool.id, other.host.id, { createdAt: T0 + 3 }));

      expect(await store().listDesktops()).toEqual([warm, owned, creating, elsewhere]);
      expect(await store().listDesktops({ hostId: host.id })).toEqual([warm, owned]);
      expect(await store().listDesktops({ poolId: pool.id, state: ['running'] })).toEqual([warm, owned]);
      expect(await store().listDesktops({ poolId: pool.id, ownerless: true })).toEqual([warm, creating]);
      expect(await store().listDesktops({ ownerless: false })).toEqual([owned]);
      expect(await store().listDesktops({ state: [] })).toEqual([]);
      expect(await store().countDesktops({ poolId: pool.id, state: ['running', 'creating'] })).toBe(3);
      expect(await store().countDesktops({ hostId: other.host.id, state: ['running'] })).toBe(1);
      expect(await store().countDesktops({ state: ['gone'] })).toBe(0);
    });

    it("claims the pool's oldest running ownerless desktop, and nothing else", async () => {
      const { pool, host } = await poolAndHost();
      const other = await poolAndHost();
      await store().createDesktop(aDesktop(pool.id, host.id, { state: 'creating', createdAt: T0 }));
      await store().createDesktop(aDesktop(pool.id, host.id, { ownerId: 'someone', createdAt: T0 }));
      await store().createDesktop(aDesktop(other.pool.id, host.id, { createdAt: T0 }));
      const newer = await store().createDesktop(aDesktop(pool.id, host.id, { createdAt: T0 + 20 }));
      const oldest = await store().createDesktop(aDesktop(pool.id, host.id, { createdAt: T0 + 10 }));

      const first = await store().claimWarmDesktop(pool.id, 'u1', T0 + 100);
      expect(first).toEqual({ ...oldest, ownerId: 'u1', updatedAt: T0 + 100 });
      expect(await store().getDesktop(oldest.id)).toEqual(first);
      expect((await store().claimWarmDesktop(pool.id, 'u2', T0 + 101))?.id).toBe(newer.id);
      expect(await store().claimWarmDesktop(pool.id, 'u3', T0 + 102)).toBeNull();
      expect(await store().claimWarmDesktop('no-such-pool', 'u3', T0)).toBeNull();
    });

    it('gives one warm desktop to exactly one of two concurrent claimers', async () => {
      const { pool, host } = await poolAndHost();
      const d = await store().createDesktop(aDesktop(pool.id, host.id));
      const results = await Promise.all([store().claimWarmDesktop(pool.id, 'u1', T0), store().claimWarmDesktop(pool.id, 'u2', T0)]);
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      expect((await store().getDesktop(d.id))?.ownerId).toBe(winners[0]?.ownerId);
    });

    it('never gives one desktop to two of many concurrent claimers', async () => {
      const { pool, host } = await poolAndHost();
      for (let i = 0; i < 3; i++) await store().createDesktop(aDesktop(pool.id, host.id, { createdAt: T0 + i }));
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store().claimWarmDesktop(pool.id, `u${i}`, T0)));
      const ids = results.flatMap((r) => (r ? [r.id] : []));
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
    });
  });
}
