-- 007 (PostgreSQL; see ../007_sign_in_secrets.sql): the directory password a person signed in with,
-- kept for the life of that web session only (for existing machines in `passthrough` mode), and
-- which web session a display ticket came from.

-- One row per web session that signed in with a directory password. password_sealed is sealed by
-- the vault (server/vault.ts, AES-256-GCM, bound to "websession:<id>:password"), never plaintext.
-- The row dies with its web session (sign-out, revocation, expiry sweep) and with its user.
-- username is the directory's own name for the person (its uid / sAMAccountName attribute).
-- web_sessions.id has a unique index (004), which PostgreSQL requires of an FK's target.
CREATE TABLE web_session_secrets (
  web_session_id  TEXT PRIMARY KEY REFERENCES web_sessions (id) ON DELETE CASCADE,
  user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider_id     TEXT NOT NULL,
  username        TEXT NOT NULL,
  password_sealed TEXT NOT NULL,
  created_at      BIGINT NOT NULL
);
CREATE INDEX web_session_secrets_user ON web_session_secrets (user_id);

-- A ticket issued from a browser names its web session, so a passthrough machine's display opens
-- with that sign-in's password; signing out deletes the ticket too. Null for API-token tickets.
ALTER TABLE tickets ADD COLUMN web_session_id TEXT REFERENCES web_sessions (id) ON DELETE CASCADE;
CREATE INDEX tickets_web_session ON tickets (web_session_id);
