// SQLite store: the kept sign-in passwords of web sessions (sealed values only). Deletion at
// sign-out, revocation and expiry is the foreign key's ON DELETE CASCADE on web_sessions.id, so no
// path that ends a web session can forget it.
import type { Database } from 'better-sqlite3';
import type { SignInSecret, SignInSecretStore } from './sign-in-secret-types.ts';
import { translate } from './sqlite-db.ts';

interface Row {
  web_session_id: string;
  user_id: string;
  provider_id: string;
  username: string;
  password_sealed: string;
  created_at: number;
}

const fromRow = (r: Row): SignInSecret => ({
  webSessionId: r.web_session_id,
  userId: r.user_id,
  providerId: r.provider_id,
  username: r.username,
  passwordSealed: r.password_sealed,
  createdAt: r.created_at,
});

export function sqliteSignInSecrets(db: Database): SignInSecretStore {
  const q = {
    put: db.prepare<Row>(`INSERT INTO web_session_secrets (web_session_id, user_id, provider_id, username, password_sealed, created_at)
      VALUES (@web_session_id, @user_id, @provider_id, @username, @password_sealed, @created_at)
      ON CONFLICT (web_session_id) DO UPDATE SET user_id = excluded.user_id, provider_id = excluded.provider_id,
      username = excluded.username, password_sealed = excluded.password_sealed, created_at = excluded.created_at`),
    get: db.prepare<[string], Row>('SELECT * FROM web_session_secrets WHERE web_session_id = ?'),
    // '' is never a web session id (they are UUIDs), so one statement serves "all" and "all but one".
    ofUser: db.prepare<[string, string], Row>('SELECT * FROM web_session_secrets WHERE user_id = ? AND web_session_id <> ?'),
    delete: db.prepare<[string]>('DELETE FROM web_session_secrets WHERE web_session_id = ?'),
  };
  return {
    async putSignInSecret(s) {
      translate(() =>
        q.put.run({
          web_session_id: s.webSessionId,
          user_id: s.userId,
          provider_id: s.providerId,
          username: s.username,
          password_sealed: s.passwordSealed,
          created_at: s.createdAt,
        }),
      );
    },
    async getSignInSecret(webSessionId) {
      const r = q.get.get(webSessionId);
      return r ? fromRow(r) : null;
    },
    async listSignInSecretsOfUser(userId, exceptWebSessionId) {
      return q.ofUser.all(userId, exceptWebSessionId ?? '').map(fromRow);
    },
    async deleteSignInSecret(webSessionId) {
      return q.delete.run(webSessionId).changes > 0;
    },
  };
}
