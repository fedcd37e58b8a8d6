-- 006: existing machines (RDP, VNC and SSH servers Deskport does not start), each person's own
-- credentials for them, and sessions on a machine instead of a pool.

-- Secrets are sealed by the vault (server/vault.ts: AES-256-GCM, versioned, key id) before they
-- reach the store; *_sealed columns never hold plaintext. group_ids is a JSON array as for pools.
CREATE TABLE machines (
  id                 TEXT PRIMARY KEY,
  name               TEXT NOT NULL COLLATE NOCASE,
  description        TEXT NOT NULL DEFAULT '',
  protocol           TEXT NOT NULL CHECK (protocol IN ('rdp', 'vnc', 'ssh')),
  address            TEXT NOT NULL,
  port               INTEGER NOT NULL,
  host_id            TEXT,
  host_label         TEXT,
  security           TEXT NOT NULL DEFAULT 'any',
  ignore_cert        INTEGER NOT NULL DEFAULT 0 CHECK (ignore_cert IN (0, 1)),
  domain             TEXT NOT NULL DEFAULT '',
  credential_mode    TEXT NOT NULL,
  username           TEXT NOT NULL DEFAULT '',
  password_sealed    TEXT,
  private_key_sealed TEXT,
  group_ids          TEXT NOT NULL DEFAULT '[]',
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  CHECK ((host_id IS NULL) <> (host_label IS NULL))
);
CREATE UNIQUE INDEX machines_name ON machines (name);

CREATE TABLE machine_credentials (
  machine_id         TEXT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
  user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  username           TEXT NOT NULL,
  password_sealed    TEXT,
  private_key_sealed TEXT,
  updated_at         INTEGER NOT NULL,
  PRIMARY KEY (machine_id, user_id)
);
CREATE INDEX machine_credentials_user ON machine_credentials (user_id);

-- A session is on a pool or on a machine, never both, and says which viewer protocol it speaks.
-- pool_id becomes nullable, which SQLite can only do by rebuilding the table. Dropping the old table deletes its tickets (ON DELETE CASCADE):
-- they live 30 seconds and no display can open while the gateway migrates, so none is lost that
-- could still be used.
CREATE TABLE sessions_006 (
  id               TEXT PRIMARY KEY,
  pool_id          TEXT,
  machine_id       TEXT,
  protocol         TEXT NOT NULL DEFAULT 'vnc',
  user_id          TEXT NOT NULL,
  state            TEXT NOT NULL,
  desktop_id       TEXT,
  host_id          TEXT,
  created_at       INTEGER NOT NULL,
  ready_at         INTEGER,
  ended_at         INTEGER,
  last_activity_at INTEGER NOT NULL,
  detached_at      INTEGER,
  error            TEXT,
  CHECK ((pool_id IS NULL) <> (machine_id IS NULL))
);
INSERT INTO sessions_006 (id, pool_id, machine_id, user_id, state, desktop_id, host_id, created_at, ready_at, ended_at,
  last_activity_at, detached_at, error)
  SELECT id, pool_id, NULL, user_id, state, desktop_id, host_id, created_at, ready_at, ended_at, last_activity_at, detached_at, error
  FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_006 RENAME TO sessions;
CREATE INDEX sessions_user_pool_state ON sessions (user_id, pool_id, state);
CREATE INDEX sessions_user_machine_state ON sessions (user_id, machine_id, state);
CREATE INDEX sessions_machine_state ON sessions (machine_id, state);
CREATE INDEX sessions_state ON sessions (state);
CREATE INDEX sessions_host ON sessions (host_id);
CREATE INDEX sessions_created ON sessions (created_at);
CREATE INDEX sessions_by_desktop ON sessions (desktop_id);
