-- 012: leases, so that one gateway of several does a job at a time (the sweep and the warm-spare
-- refills: server/broker/leadership.ts). See the SQLite file for the rest.
CREATE TABLE leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
