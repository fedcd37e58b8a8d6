// Store contract, sign-ins waiting for a second step (server/auth/oidc-sign-in.ts): any gateway reads
// them, wrong tries count in one place, and one request takes each for good. Run through runStoreContract.
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './store.contract.ts';
import { T0 } from './store.fixtures.ts';

export function pendingSignInsContract(store: CurrentStore): void {
  describe('pending sign-ins', () => {
    it('keeps one by hash and kind, counts tries, and gives it to one taker', async () => {
      const s = store();
      const data = { userId: 'u-alice', providerId: 'corp', next: '/desktops' };
      await s.createPendingSignIn({ hash: 'h1', kind: 'oidc-code', data, expiresAt: T0 + 300_000 });
      expect(await s.getPendingSignIn('h1', 'oidc-code')).toEqual({
        hash: 'h1',
        kind: 'oidc-code',
        data,
        tries: 0,
        expiresAt: T0 + 300_000,
      });
      expect(await s.getPendingSignIn('h1', 'other-kind')).toBeNull();
      expect(await s.countPendingSignInTry('h1')).toBe(1);
      expect(await s.countPendingSignInTry('h1')).toBe(2);
      const takers = await Promise.all([s.takePendingSignIn('h1', 'oidc-code'), s.takePendingSignIn('h1', 'oidc-code')]);
      expect(takers.filter(Boolean)).toHaveLength(1);
      expect(takers.find(Boolean)).toMatchObject({ tries: 2, data });
      expect(await s.getPendingSignIn('h1', 'oidc-code')).toBeNull();
      expect(await s.countPendingSignInTry('h1')).toBeNull();
    });

    it('deletes the expired ones', async () => {
      const s = store();
      await s.createPendingSignIn({ hash: 'old', kind: 'oidc-code', data: {}, expiresAt: T0 });
      await s.createPendingSignIn({ hash: 'new', kind: 'oidc-code', data: {}, expiresAt: T0 + 1 });
      expect(await s.deleteExpiredPendingSignIns(T0)).toBe(1);
      expect(await s.getPendingSignIn('new', 'oidc-code')).not.toBeNull();
    });
  });
}
