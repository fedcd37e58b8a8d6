// Sign-ins waiting for a second step (migration 014), shared by every gateway on the store. Taking
// one for good is a DELETE ... RETURNING, so of two requests with the same key at once one gets it;
// a wrong try is counted in one UPDATE ... RETURNING.
import type { Sql } from './sql.ts';
import type { PendingSignIn } from './sign-in-state-types.ts';
import type { Store } from './types.ts';

export type PendingSignInMethods = Pick<
  Store,
  'createPendingSignIn' | 'getPendingSignIn' | 'countPendingSignInTry' | 'takePendingSignIn' | 'deleteExpiredPendingSignIns'
>;

interface Row {
  hash: string;
  kind: string;
  data: string;
  tries: number;
  expires_at: number;
}

const fromRow = (r: Row): PendingSignIn => ({
  hash: r.hash,
  kind: r.kind,
  data: JSON.parse(r.data) as unknown,
  tries: Number(r.tries),
  expiresAt: Number(r.expires_at),
});

export function sqlPendingSignIns(q: Sql): PendingSignInMethods {
  return {
    async createPendingSignIn(p) {
      await q.run('INSERT INTO pending_sign_ins (hash, kind, data, tries, expires_at) VALUES (?, ?, ?, 0, ?)', [
        p.hash,
        p.kind,
        JSON.stringify(p.data),
        p.expiresAt,
      ]);
    },
    async getPendingSignIn(hash, kind) {
      const row = await q.get<Row>('SELECT * FROM pending_sign_ins WHERE hash = ? AND kind = ?', [hash, kind]);
      return row ? fromRow(row) : null;
    },
    async countPendingSignInTry(hash) {
      const row = await q.get<{ tries: number }>('UPDATE pending_sign_ins SET tries = tries + 1 WHERE hash = ? RETURNING tries', [hash]);
      return row ? Number(row.tries) : null;
    },
    async takePendingSignIn(hash, kind) {
      const row = await q.get<Row>('DELETE FROM pending_sign_ins WHERE hash = ? AND kind = ? RETURNING *', [hash, kind]);
      return row ? fromRow(row) : null;
    },
    deleteExpiredPendingSignIns(now) {
      return q.run('DELETE FROM pending_sign_ins WHERE expires_at <= ?', [now]);
    },
  };
}
