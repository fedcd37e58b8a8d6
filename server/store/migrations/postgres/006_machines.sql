-- 006 (PostgreSQL; see ../006_machines.sql): existing machines (RDP, VNC and SSH servers Deskport
-- does not start), each person's own credentials for them, and sessions on a machine instead of a pool.

-- Secrets are sealed by the vault (server/vault.ts: AES-256-GCM, versioned, key id) before they
-- reach the store; *_sealed columns never hold plaintext. group_ids is a JSON array as for pools.
CREATE TABLE machines (
  id                 TEXT PRIMARY KEY,
  name               CITEXT NOT NULL,
  description        TEXT NOT NULL DEFAULT '',
  protocol           TEXT NOT NULL CHECK (protocol IN ('rdp', 'vnc', 'ssh')),
  address            TEXT NOT NULL,
  port               BIGINT NOT NULL,
  host_id            TEXT,
  host_label         TEXT,
  security           TEXT NOT NULL DEFAULT 'any',
  ignore_cert        BIGINT NOT NULL DEFAULT 0 CHECK (ignore_cert IN (0, 1)),
  domain             TEXT NOT NULL DEFAULT '',
  credential_mode    TEXT NOT NULL,
  username           TEXT NOT NULL DEFAULT '',
  password_sealed    TEXT,
  private_key_sealed TEXT,
  group_ids          TEXT NOT NULL DEFAULT '[]',
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL,
  CHECK ((host_id IS NULL) <> (host_label IS NULL))
);
CREATE UNIQUE INDEX machines_name ON machines (name);

CREATE TABLE machine_credentials (
  machine_id         TEXT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
  user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  username           TEXT NOT NULL,
  password_sealed    TEXT,
  private_key_sealed TEXT,
  updated_at         BIGINT NOT NULL,
  PRIMARY KEY (machine_id, user_id)
);
CREATE INDEX machine_credentials_user ON machine_credentials (user_id);

-- A session is on a pool or on a machine, never both, and says which viewer protocol it speaks.
-- SQLite rebuilds the table to make pool_id nullable; PostgreSQL alters it in place, which keeps
-- the rowid identity (insertion order), the tickets and their FK. The column order therefore
-- differs from SQLite's (machine_id and protocol come last); the application names its columns.
ALTER TABLE sessions ALTER COLUMN pool_id DROP NOT NULL;
ALTER TABLE sessions ADD COLUMN machine_id TEXT;
ALTER TABLE sessions ADD COLUMN protocol TEXT NOT NULL DEFAULT 'vnc';
ALTER TABLE sessions ADD CHECK ((pool_id IS NULL) <> (machine_id IS NULL));
-- The same index set as SQLite's after its rebuild: the 001 and 002 indexes stay, two are new.
CREATE INDEX sessions_user_machine_state ON sessions (user_id, machine_id, state);
CREATE INDEX sessions_machine_state ON sessions (machine_id, state);
