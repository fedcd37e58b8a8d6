// Store contract, second factors: TOTP enrolment and its replay guard, one-time recovery codes,
// remembered browsers and the MFA policy. Run through accountsContract, never on its own.
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './store.contract.ts';
import { aUser, T0 } from './store.fixtures.ts';
import { DEFAULT_MFA_POLICY } from './types.ts';

export function mfaContract(store: CurrentStore): void {
  describe('TOTP factors and recovery codes', () => {
    it('keeps a pending secret until it is confirmed, then refuses to replace it', async () => {
      const u = await store().createUser(aUser());
      expect(await store().getTotp(u.id)).toBeNull();
      expect(await store().putPendingTotp(u.id, 'SECRETA', T0)).toBe(true);
      expect(await store().putPendingTotp(u.id, 'SECRETB', T0 + 1)).toBe(true); // a fresh setup replaces a pending one
      expect(await store().getTotp(u.id)).toEqual({
        userId: u.id,
        secret: 'SECRETB',
        createdAt: T0 + 1,
        confirmedAt: null,
        lastStep: null,
      });
      expect(await store().confirmTotp(u.id, 'SECRETA', 100, ['r1'], T0 + 2)).toBe(false); // not the pending secret
      expect(await store().confirmTotp(u.id, 'SECRETB', 100, ['r1', 'r2'], T0 + 2)).toBe(true);
      expect(await store().confirmTotp(u.id, 'SECRETB', 101, ['r3'], T0 + 3)).toBe(false); // already confirmed
      expect(await store().getTotp(u.id)).toEqual({
        userId: u.id,
        secret: 'SECRETB',
        createdAt: T0 + 1,
        confirmedAt: T0 + 2,
        lastStep: 100,
      });
      expect(await store().putPendingTotp(u.id, 'SECRETC', T0 + 4)).toBe(false);
      expect(await store().countRecoveryCodes(u.id)).toBe(2);
      expect(await store().listTotpUserIds()).toEqual([u.id]);
    });

    it('accepts each time step once, and never an older one', async () => {
      const u = await store().createUser(aUser());
      await store().putPendingTotp(u.id, 'S', T0);
      expect(await store().advanceTotpStep(u.id, 5)).toBe(false); // pending factors take no codes
      await store().confirmTotp(u.id, 'S', 10, [], T0);
      expect(await store().advanceTotpStep(u.id, 10)).toBe(false);
      expect(await store().advanceTotpStep(u.id, 9)).toBe(false);
      expect(await store().advanceTotpStep(u.id, 11)).toBe(true);
      expect(await store().advanceTotpStep(u.id, 11)).toBe(false);
      expect((await store().getTotp(u.id))?.lastStep).toBe(11);
    });

    it('consumes a recovery code once, only for its own user', async () => {
      const a = await store().createUser(aUser());
      const b = await store().createUser(aUser());
      await store().putPendingTotp(a.id, 'S', T0);
      await store().confirmTotp(a.id, 'S', 1, ['c1', 'c2'], T0);
      expect(await store().consumeRecoveryCode(b.id, 'c1', T0)).toBe(false);
      expect(await store().consumeRecoveryCode(a.id, 'c1', T0)).toBe(true);
      expect(await store().consumeRecoveryCode(a.id, 'c1', T0)).toBe(false);
      expect(await store().countRecoveryCodes(a.id)).toBe(1);
    });

    it('clears the factor, the codes and the remembered browsers together', async () => {
      const u = await store().createUser(aUser());
      await store().putPendingTotp(u.id, 'S', T0);
      await store().confirmTotp(u.id, 'S', 1, ['c1'], T0);
      await store().createRememberedBrowser({ hash: 'rb1', userId: u.id, createdAt: T0, expiresAt: T0 + 10 });
      expect(await store().clearMfa(u.id)).toBe(true);
      expect(await store().getTotp(u.id)).toBeNull();
      expect(await store().countRecoveryCodes(u.id)).toBe(0);
      expect(await store().getRememberedBrowser('rb1')).toBeNull();
      expect(await store().clearMfa(u.id)).toBe(false);
      expect(await store().listTotpUserIds()).toEqual([]);
    });

    it('deletes second factors with their user', async () => {
      const u = await store().createUser(aUser());
      await store().putPendingTotp(u.id, 'S', T0);
      await store().confirmTotp(u.id, 'S', 1, ['c1'], T0);
      await store().createRememberedBrowser({ hash: 'rb2', userId: u.id, createdAt: T0, expiresAt: T0 + 10 });
      await store().deleteUser(u.id);
      expect(await store().getTotp(u.id)).toBeNull();
      expect(await store().countRecoveryCodes(u.id)).toBe(0);
      expect(await store().getRememberedBrowser('rb2')).toBeNull();
    });
  });

  describe('remembered browsers', () => {
    it('round-trips, forgets all of a user but one, and expired ones by count', async () => {
      const a = await store().createUser(aUser());
      const b = await store().createUser(aUser());
      const rb = (hash: string, userId: string, expiresAt: number) => ({ hash, userId, createdAt: T0, expiresAt });
      await store().createRememberedBrowser(rb('a1', a.id, T0 + 10));
      await store().createRememberedBrowser(rb('a2', a.id, T0 + 10));
      await store().createRememberedBrowser(rb('b1', b.id, T0 + 5));
      expect(await store().getRememberedBrowser('a1')).toEqual(rb('a1', a.id, T0 + 10));
      expect(await store().deleteRememberedBrowsersOfUser(a.id, 'a2')).toBe(1);
      expect(await store().getRememberedBrowser('a1')).toBeNull();
      expect(await store().getRememberedBrowser('a2')).not.toBeNull();
      expect(await store().deleteExpiredRememberedBrowsers(T0 + 5)).toBe(1);
      expect(await store().getRememberedBrowser('b1')).toBeNull();
    });
  });

  describe('MFA policy', () => {
    it('is the default until set, then what was set, without duplicates', async () => {
      expect(await store().getMfaPolicy()).toEqual(DEFAULT_MFA_POLICY);
      const p = { requiredRoles: ['admin', 'admin'] as const, requiredGroups: ['g1'], rememberDays: 30 };
      expect(await store().setMfaPolicy({ ...p, requiredRoles: [...p.requiredRoles] }, T0)).toEqual({
        requiredRoles: ['admin'],
        requiredGroups: ['g1'],
        rememberDays: 30,
      });
      expect(await store().getMfaPolicy()).toEqual({ requiredRoles: ['admin'], requiredGroups: ['g1'], rememberDays: 30 });
      await store().setMfaPolicy({ requiredRoles: [], requiredGroups: [], rememberDays: 0 }, T0 + 1);
      expect(await store().getMfaPolicy()).toEqual(DEFAULT_MFA_POLICY);
    });
  });
}
