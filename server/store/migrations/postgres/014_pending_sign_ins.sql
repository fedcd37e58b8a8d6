-- 014: sign-ins waiting for a second step, shared by every gateway. See the SQLite file for the rest.
CREATE TABLE pending_sign_ins (
  hash       TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  data       TEXT NOT NULL,
  tries      INTEGER NOT NULL DEFAULT 0,
  expires_at BIGINT NOT NULL
);
CREATE INDEX pending_sign_ins_by_expiry ON pending_sign_ins (expires_at);
