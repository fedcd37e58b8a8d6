// The kept sign-in passwords of web sessions (sealed values only). Deletion at
// sign-out, revocation and expiry is the foreign key's ON DELETE CASCADE on web_sessions.id, so no
// path that ends a web session can forget it.
import type { SignInSecret, SignInSecretStore } from './sign-in-secret-types.ts';
import { many, one, type Sql } from './sql.ts';

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

export function sqlSignInSecrets(q: Sql): SignInSecretStore {
  const s = {
    put: `INSERT INTO web_session_secrets (web_session_id, user_id, provider_id, username, password_sealed, created_at)
      VALUES (@web_session_id, @user_id, @provider_id, @username, @password_sealed, @created_at)
      ON CONFLICT (web_session_id) DO UPDATE SET user_id = excluded.user_id, provider_id = excluded.provider_id,
      username = excluded.username, password_sealed = excluded.password_sealed, created_at = excluded.created_at`,
    get: 'SELECT * FROM web_session_secrets WHERE web_session_id = ?',
    // '' is never a web session id (they are UUIDs), so one statement serves "all" and "all but one".
    ofUser: 'SELECT * FROM web_session_secrets WHERE user_id = ? AND web_session_id <> ?',
    delete: 'DELETE FROM web_session_secrets WHERE web_session_id = ?',
  };
  return {
    async putSignInSecret(x) {
      await q.run(s.put, {
        web_session_id: x.webSessionId,
        user_id: x.userId,
        provider_id: x.providerId,
        username: x.username,
        password_sealed: x.passwordSealed,
        created_at: x.createdAt,
      });
    },
    getSignInSecret: (webSessionId) => one(q, s.get, [webSessionId], fromRow),
    listSignInSecretsOfUser: (userId, exceptWebSessionId) => many(q, s.ofUser, [userId, exceptWebSessionId ?? ''], fromRow),
    async deleteSignInSecret(webSessionId) {
      return (await q.run(s.delete, [webSessionId])) > 0;
    },
  };
}
