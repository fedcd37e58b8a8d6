-- 009 (PostgreSQL; see ../009_recordings.sql): session recordings (docs/recording-format.md, README
-- "Recording"). One row per recording: a VNC session recorded by the gateway (kind rfb, one or
-- more `.dprec` part files) or an RDP/SSH connection recorded by guacd (kind guac, one `.guac`
-- file). Like sessions, rows keep plain ids without FKs, so deleting a user, pool or machine keeps
-- the history (and its files) until retention.
CREATE TABLE recordings (
  id             TEXT PRIMARY KEY,
  session_id     TEXT NOT NULL,
  user_id        TEXT NOT NULL,
  pool_id        TEXT,
  machine_id     TEXT,
  host_id        TEXT,
  kind           TEXT NOT NULL CHECK (kind IN ('rfb', 'guac')),
  -- 'on' (the whole session) or 'shadow' (only while a helpdesk shadow was active)
  trigger        TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('recording', 'finished', 'failed')),
  started_at     BIGINT NOT NULL,
  ended_at       BIGINT,
  -- The last record's time in the files (ms); null while recording.
  duration_ms    BIGINT,
  bytes          BIGINT NOT NULL DEFAULT 0,
  -- JSON array (text), one entry per part file in order: {"bytes": n, "sha256": "hex" | null}
  parts          TEXT NOT NULL DEFAULT '[]',
  retention_days BIGINT NOT NULL,
  -- ended_at + retention_days; null while recording (never swept then)
  expires_at     BIGINT,
  error          TEXT
);
CREATE INDEX recordings_started ON recordings (started_at);
CREATE INDEX recordings_user ON recordings (user_id, started_at);
CREATE INDEX recordings_pool ON recordings (pool_id, started_at);
CREATE INDEX recordings_machine ON recordings (machine_id, started_at);
CREATE INDEX recordings_host ON recordings (host_id, started_at);
CREATE INDEX recordings_session ON recordings (session_id);
CREATE INDEX recordings_expires ON recordings (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX recordings_state ON recordings (state) WHERE state = 'recording';
