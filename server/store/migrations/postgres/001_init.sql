-- 001 (PostgreSQL): the initial schema, the same tables as ../001_init.sql so the same application
-- SQL and row mapping work on both. Times are epoch milliseconds in BIGINT (they overflow int4);
-- booleans are 0/1 BIGINTs; arrays and objects are JSON *text* (not jsonb). SQLite's
-- `TEXT COLLATE NOCASE` is CITEXT, so equality, unique indexes and ORDER BY ignore case alike.
-- States and enums are not CHECK-constrained: they are validated at the edge, as in SQLite.

-- citext is a trusted extension (PG 13+): the database owner may create it.
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      CITEXT NOT NULL,
  display_name  TEXT NOT NULL,
  roles         TEXT NOT NULL DEFAULT '[]',
  group_ids     TEXT NOT NULL DEFAULT '[]',
  disabled      BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  password_hash TEXT,
  created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);

CREATE TABLE groups (
  id          TEXT PRIMARY KEY,
  name        CITEXT NOT NULL,
  description TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX groups_name ON groups (name);

-- Credentials die with their user.
CREATE TABLE web_sessions (
  hash         TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  hash         TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT,
  last_used_at BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE pools (
  id             TEXT PRIMARY KEY,
  name           CITEXT NOT NULL,
  description    TEXT NOT NULL DEFAULT '',
  driver         TEXT NOT NULL,
  protocol       TEXT NOT NULL,
  image          TEXT,
  cpu            DOUBLE PRECISION,
  memory_mb      BIGINT,
  min_warm       BIGINT NOT NULL,
  max_desktops   BIGINT NOT NULL,
  max_per_user   BIGINT NOT NULL,
  idle_timeout_s BIGINT NOT NULL,
  grace_s        BIGINT NOT NULL,
  max_lifetime_s BIGINT NOT NULL,
  persistence    TEXT NOT NULL,
  placement      TEXT NOT NULL,
  group_ids      TEXT NOT NULL DEFAULT '[]',
  created_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX pools_name ON pools (name);

CREATE TABLE hosts (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  labels            TEXT NOT NULL DEFAULT '{}',
  drivers           TEXT NOT NULL DEFAULT '[]',
  capacity          TEXT NOT NULL,
  state             TEXT NOT NULL,
  credential_hash   TEXT NOT NULL,
  last_heartbeat_at BIGINT,
  created_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX hosts_credential_hash ON hosts (credential_hash);

CREATE TABLE enrollment_tokens (
  hash       TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT
);

-- History: no FKs, so deleting a pool, host or user never rewrites or blocks these rows. owner_id
-- in particular must not be SET NULL on user deletion: that would turn a used desktop warm.
CREATE TABLE desktops (
  id         TEXT PRIMARY KEY,
  pool_id    TEXT NOT NULL,
  host_id    TEXT NOT NULL,
  state      TEXT NOT NULL,
  owner_id   TEXT,
  secret     TEXT NOT NULL,
  error      TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- created_at last so claimWarmDesktop's "oldest warm desktop" is read straight off the index.
CREATE INDEX desktops_pool_state_owner ON desktops (pool_id, state, owner_id, created_at);
CREATE INDEX desktops_host ON desktops (host_id);

-- rowid stands in for SQLite's implicit rowid: the application orders by
-- `created_at DESC, rowid DESC` to break ties in insertion order. Not in the SQLite schema.
CREATE TABLE sessions (
  id               TEXT PRIMARY KEY,
  pool_id          TEXT NOT NULL,
  user_id          TEXT NOT NULL,
  state            TEXT NOT NULL,
  desktop_id       TEXT,
  host_id          TEXT,
  created_at       BIGINT NOT NULL,
  ready_at         BIGINT,
  ended_at         BIGINT,
  last_activity_at BIGINT NOT NULL,
  detached_at      BIGINT,
  error            TEXT,
  rowid            BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX sessions_user_pool_state ON sessions (user_id, pool_id, state);
CREATE INDEX sessions_state ON sessions (state);
CREATE INDEX sessions_host ON sessions (host_id);
CREATE INDEX sessions_created ON sessions (created_at);

CREATE TABLE tickets (
  hash       TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  mode       TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX tickets_expires ON tickets (expires_at);
-- Indexes on FK child columns keep ON DELETE CASCADE from scanning the table.
CREATE INDEX tickets_user ON tickets (user_id);
CREATE INDEX tickets_session ON tickets (session_id);

-- An identity that is never reused (SQLite's AUTOINCREMENT), so "newest first" and beforeId paging
-- stay stable. GENERATED ALWAYS: the application never supplies an id.
CREATE TABLE audit (
  id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at      BIGINT NOT NULL,
  actor   TEXT,
  action  TEXT NOT NULL,
  target  TEXT,
  result  TEXT NOT NULL,
  ip      TEXT,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_actor ON audit (actor);
CREATE INDEX audit_action ON audit (action);
