// SQLite store: second factors (TOTP), recovery codes, remembered browsers and the MFA policy.
// Every "use once" operation (a time step, a recovery code) is a single conditional UPDATE, so two
// gateways sharing the file cannot both accept the same code.
import type { Database } from 'better-sqlite3';
import { rememberedBrowserFromRow, totpFromRow, type RememberedBrowserRow, type TotpRow } from './rows-identity.ts';
import { translate } from './sqlite-db.ts';
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

export function sqliteMfa(db: Database): MfaMethods {
  const totp = {
    get: db.prepare<[string], TotpRow>('SELECT * FROM user_totp WHERE user_id = ?'),
    putPending: db.prepare<[string, string, number]>(`INSERT INTO user_totp (user_id, secret, created_at) VALUES (?, ?, ?)
      ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = NULL
      WHERE user_totp.confirmed_at IS NULL`),
    confirm: db.prepare<[number, number, string, string]>(
      'UPDATE user_totp SET confirmed_at = ?, last_step = ? WHERE user_id = ? AND secret = ? AND confirmed_at IS NULL',
    ),
    advance: db.prepare<[number, string, number]>(
      'UPDATE user_totp SET last_step = ? WHERE user_id = ? AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < ?)',
    ),
    delete: db.prepare<[string]>('DELETE FROM user_totp WHERE user_id = ?'),
    confirmedIds: db.prepare<[], { user_id: string }>('SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL'),
  };
  const codes = {
    insert: db.prepare<[string, string]>('INSERT INTO mfa_recovery_codes (user_id, hash) VALUES (?, ?)'),
    deleteOfUser: db.prepare<[string]>('DELETE FROM mfa_recovery_codes WHERE user_id = ?'),
    consume: db.prepare<[number, string, string]>(
      'UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at IS NULL',
    ),
    count: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL'),
  };
  const browsers = {
    insert: db.prepare<[string, string, number, number]>(
      'INSERT INTO remembered_browsers (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
    ),
    get: db.prepare<[string], RememberedBrowserRow>('SELECT * FROM remembered_browsers WHERE hash = ?'),
    deleteOfUser: db.prepare<[string, string]>('DELETE FROM remembered_browsers WHERE user_id = ? AND hash <> ?'),
    deleteExpired: db.prepare<[number]>('DELETE FROM remembered_browsers WHERE expires_at <= ?'),
  };
  const settings = {
    get: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
    put: db.prepare<[string, string, number]>(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
  };

  const confirm = db.transaction((userId: string, secret: string, step: number, hashes: string[], now: number): boolean => {
    if (totp.confirm.run(now, step, userId, secret).changes === 0) return false;
    codes.deleteOfUser.run(userId);
    for (const h of new Set(hashes)) codes.insert.run(userId, h);
    return true;
  });
  const clear = db.transaction((userId: string): boolean => {
    const existed = totp.delete.run(userId).changes > 0;
    codes.deleteOfUser.run(userId);
    browsers.deleteOfUser.run(userId, '');
    return existed;
  });

  return {
    async getTotp(userId) {
      const row = totp.get.get(userId);
      return row ? totpFromRow(row) : null;
    },
    async putPendingTotp(userId, secret, now) {
      return translate(() => totp.putPending.run(userId, secret, now)).changes > 0;
    },
    async confirmTotp(userId, secret, step, recoveryHashes, now) {
      return confirm.immediate(userId, secret, step, recoveryHashes, now);
    },
    async advanceTotpStep(userId, step) {
      return totp.advance.run(step, userId, step).changes > 0;
    },
    async clearMfa(userId) {
      return clear.immediate(userId);
    },
    async listTotpUserIds() {
      return totp.confirmedIds.all().map((r) => r.user_id);
    },
    async consumeRecoveryCode(userId, hash, now) {
      return codes.consume.run(now, userId, hash).changes > 0;
    },
    async countRecoveryCodes(userId) {
      return codes.count.get(userId)?.n ?? 0;
    },
    async createRememberedBrowser(b) {
      translate(() => browsers.insert.run(b.hash, b.userId, b.createdAt, b.expiresAt));
    },
    async getRememberedBrowser(hash) {
      const row = browsers.get.get(hash);
      return row ? rememberedBrowserFromRow(row) : null;
    },
    async deleteRememberedBrowsersOfUser(userId, exceptHash) {
      return browsers.deleteOfUser.run(userId, exceptHash ?? '').changes;
    },
    async deleteExpiredRememberedBrowsers(now) {
      return browsers.deleteExpired.run(now).changes;
    },
    async getMfaPolicy() {
      const row = settings.get.get(POLICY_KEY);
      return row ? policyFromJson(row.value) : { ...DEFAULT_MFA_POLICY, requiredRoles: [], requiredGroups: [] };
    },
    async setMfaPolicy(p, now) {
      const clean: MfaPolicy = {
        requiredRoles: [...new Set(p.requiredRoles)],
        requiredGroups: [...new Set(p.requiredGroups)],
        rememberDays: p.rememberDays,
      };
      settings.put.run(POLICY_KEY, JSON.stringify(clean), now);
      return clean;
    },
  };
}
