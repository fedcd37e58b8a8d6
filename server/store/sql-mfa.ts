// Second factors (TOTP), recovery codes, remembered browsers and the MFA policy.
// Every "use once" operation (a time step, a recovery code) is a single conditional UPDATE, so two
// gateways sharing the file cannot both accept the same code.
import { rememberedBrowserFromRow, totpFromRow } from './rows-identity.ts';
import { one, type Sql } from './sql.ts';
import { DEFAULT_MFA_POLICY, ROLES, type MfaPolicy, type Role, type Store } from './types.ts';

export type MfaMethods = Pick<
  Store,
  | 'getTotp'
  | 'putPendingTotp'
  | 'confirmTotp'
  | 'advanceTotpStep'
  | 'clearMfa'
  | 'listTotpUserIds'
  | 'consumeRecoveryCode'
  | 'countRecoveryCodes'
  | 'createRememberedBrowser'
  | 'getRememberedBrowser'
  | 'deleteRememberedBrowsersOfUser'
  | 'deleteExpiredRememberedBrowsers'
  | 'getMfaPolicy'
  | 'setMfaPolicy'
>;

const POLICY_KEY = 'mfa_policy';

/** The stored JSON is ours, but a hand-edited or older document must not crash sign-in. */
function policyFromJson(text: string): MfaPolicy {
  try {
    const v = JSON.parse(text) as Partial<MfaPolicy>;
    return {
      requiredRoles: Array.isArray(v.requiredRoles) ? v.requiredRoles.filter((r): r is Role => ROLES.includes(r)) : [],
      requiredGroups: Array.isArray(v.requiredGroups) ? v.requiredGroups.filter((g) => typeof g === 'string') : [],
      rememberDays: typeof v.rememberDays === 'number' && v.rememberDays >= 0 ? v.rememberDays : 0,
    };
  } catch {
    return { ...DEFAULT_MFA_POLICY };
  }
}

export function sqlMfa(q: Sql): MfaMethods {
  const totp = {
    get: 'SELECT * FROM user_totp WHERE user_id = ?',
    putPending: `INSERT INTO user_totp (user_id, secret, created_at) VALUES (?, ?, ?)
      ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = NULL
      WHERE user_totp.confirmed_at IS NULL`,
    confirm: 'UPDATE user_totp SET confirmed_at = ?, last_step = ? WHERE user_id = ? AND secret = ? AND confirmed_at IS NULL',
    advance: 'UPDATE user_totp SET last_step = ? WHERE user_id = ? AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < ?)',
    delete: 'DELETE FROM user_totp WHERE user_id = ?',
    confirmedIds: 'SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL',
  };
  const codes = {
    insert: 'INSERT INTO mfa_recovery_codes (user_id, hash) VALUES (?, ?)',
    deleteOfUser: 'DELETE FROM mfa_recovery_codes WHERE user_id = ?',
    consume: 'UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at IS NULL',
    count: 'SELECT count(*) AS n FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL',
  };
  const browsers = {
    insert: 'INSERT INTO remembered_browsers (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
    get: 'SELECT * FROM remembered_browsers WHERE hash = ?',
    deleteOfUser: 'DELETE FROM remembered_browsers WHERE user_id = ? AND hash <> ?',
    deleteExpired: 'DELETE FROM remembered_browsers WHERE expires_at <= ?',
  };
  const settings = {
    get: 'SELECT value FROM settings WHERE key = ?',
    put: `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  };

  return {
    getTotp: (userId) => one(q, totp.get, [userId], totpFromRow),
    async putPendingTotp(userId, secret, now) {
      return (await q.run(totp.putPending, [userId, secret, now])) > 0;
    },
    confirmTotp: (userId, secret, step, recoveryHashes, now) =>
      q.tx(async (t) => {
        if ((await t.run(totp.confirm, [now, step, userId, secret])) === 0) return false;
        await t.run(codes.deleteOfUser, [userId]);
        for (const h of new Set(recoveryHashes)) await t.run(codes.insert, [userId, h]);
        return true;
      }),
    async advanceTotpStep(userId, step) {
      return (await q.run(totp.advance, [step, userId, step])) > 0;
    },
    clearMfa: (userId) =>
      q.tx(async (t) => {
        const existed = (await t.run(totp.delete, [userId])) > 0;
        await t.run(codes.deleteOfUser, [userId]);
        await t.run(browsers.deleteOfUser, [userId, '']);
        return existed;
      }),
    async listTotpUserIds() {
      return (await q.all<{ user_id: string }>(totp.confirmedIds)).map((r) => r.user_id);
    },
    async consumeRecoveryCode(userId, hash, now) {
      return (await q.run(codes.consume, [now, userId, hash])) > 0;
    },
    async countRecoveryCodes(userId) {
      return (await q.get<{ n: number }>(codes.count, [userId]))?.n ?? 0;
    },
    async createRememberedBrowser(b) {
      await q.run(browsers.insert, [b.hash, b.userId, b.createdAt, b.expiresAt]);
    },
    getRememberedBrowser: (hash) => one(q, browsers.get, [hash], rememberedBrowserFromRow),
    deleteRememberedBrowsersOfUser: (userId, exceptHash) => q.run(browsers.deleteOfUser, [userId, exceptHash ?? '']),
    deleteExpiredRememberedBrowsers: (now) => q.run(browsers.deleteExpired, [now]),
    async getMfaPolicy() {
      const row = await q.get<{ value: string }>(settings.get, [POLICY_KEY]);
      return row ? policyFromJson(row.value) : { ...DEFAULT_MFA_POLICY, requiredRoles: [], requiredGroups: [] };
    },
    async setMfaPolicy(p, now) {
      const clean: MfaPolicy = {
        requiredRoles: [...new Set(p.requiredRoles)],
        requiredGroups: [...new Set(p.requiredGroups)],
        rememberDays: p.rememberDays,
      };
      await q.run(settings.put, [POLICY_KEY, JSON.stringify(clean), now]);
      return clean;
    },
  };
}
