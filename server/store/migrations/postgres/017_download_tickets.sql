-- 017: file download tickets, shared by every gateway. See the SQLite file for the rest.
CREATE TABLE download_tickets (
  hash       TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  session_id TEXT NOT NULL,
  path       TEXT NOT NULL,
  name       TEXT NOT NULL,
  size       BIGINT NOT NULL,
  state      TEXT NOT NULL,
  sent       BIGINT NOT NULL DEFAULT 0,
  sha256     TEXT,
  error      TEXT,
  cancel     INTEGER NOT NULL DEFAULT 0 CHECK (cancel IN (0, 1)),
  expires_at BIGINT NOT NULL,
  seen_at    BIGINT NOT NULL,
  ended_at   BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX download_tickets_by_user ON download_tickets (user_id, ended_at);
CREATE INDEX download_tickets_waiting ON download_tickets (state, expires_at);
CREATE INDEX download_tickets_running ON download_tickets (state, seen_at);
CREATE INDEX download_tickets_by_end ON download_tickets (ended_at);
