-- 004 (PostgreSQL; see ../004_account_security.sql): account security. Web sessions get a public id
-- (the primary key is the hash of the cookie secret and must never be shown) plus where they were
-- started from; TOTP second factors, their one-time recovery codes, "remember this browser"
-- tokens, and one settings table for the MFA policy.

ALTER TABLE web_sessions ADD COLUMN id TEXT;
ALTER TABLE web_sessions ADD COLUMN ip TEXT;
ALTER TABLE web_sessions ADD COLUMN user_agent TEXT;
-- Sessions from before this migration get a random id, so every row can be listed and revoked:
-- 32 lowercase hex digits like SQLite's lower(hex(randomblob(16))); gen_random_uuid is core in PG 13+.
UPDATE web_sessions SET id = replace(gen_random_uuid()::text, '-', '') WHERE id IS NULL;
CREATE UNIQUE INDEX web_sessions_id ON web_sessions (id);

-- One TOTP factor per user. confirmed_at is null while enrolment is pending (the person has seen
-- the secret but not yet proved their app has it). last_step is the newest time step accepted,
-- so a code is never accepted twice. The secret is base32 text.
CREATE TABLE user_totp (
  user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret       TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  confirmed_at BIGINT,
  last_step    BIGINT
);

-- sha256 of each recovery code; a used code keeps its row (used_at) so "codes left" is a count.
CREATE TABLE mfa_recovery_codes (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  hash    TEXT NOT NULL,
  used_at BIGINT,
  PRIMARY KEY (user_id, hash)
);

-- "Remember this browser": sha256 of the cookie secret, bound to one user, with an expiry.
CREATE TABLE remembered_browsers (
  hash       TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX remembered_browsers_user ON remembered_browsers (user_id);
CREATE INDEX remembered_browsers_expires ON remembered_browsers (expires_at);

-- Gateway-wide settings as JSON documents (text) by key (today only "mfa_policy").
CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
