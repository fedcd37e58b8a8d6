-- 012: leases, so that one gateway of several does a job at a time (the sweep and the warm-spare
-- refills: server/broker/leadership.ts). A lease is free once expires_at has passed; its holder
-- renews it well before. One row per job, so the table stays as small as the list of jobs.
CREATE TABLE leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
