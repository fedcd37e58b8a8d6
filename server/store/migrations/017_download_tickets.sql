-- 017: file download tickets (server/files/download-tickets.ts), shared by every gateway: the page
-- asks one gateway for a ticket, the browser's download and the status polls may reach others.
-- `hash` is the SHA-256 of the ticket. The gateway sending a download writes `sent` and `seen_at`
-- every second and reads `cancel` back (a cancel may be asked on another gateway).
CREATE TABLE download_tickets (
  hash       TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  session_id TEXT NOT NULL,
  path       TEXT NOT NULL,
  name       TEXT NOT NULL,
  size       INTEGER NOT NULL,
  state      TEXT NOT NULL,
  sent       INTEGER NOT NULL DEFAULT 0,
  sha256     TEXT,
  error      TEXT,
  cancel     INTEGER NOT NULL DEFAULT 0 CHECK (cancel IN (0, 1)),
  expires_at INTEGER NOT NULL,
  seen_at    INTEGER NOT NULL,
  ended_at   INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX download_tickets_by_user ON download_tickets (user_id, ended_at);
CREATE INDEX download_tickets_waiting ON download_tickets (state, expires_at);
CREATE INDEX download_tickets_running ON download_tickets (state, seen_at);
CREATE INDEX download_tickets_by_end ON download_tickets (ended_at);
