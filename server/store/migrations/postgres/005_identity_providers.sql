-- 005 (PostgreSQL; see ../005_identity_providers.sql): external identity providers (OIDC, LDAP),
-- how their groups map to Deskport groups and roles, and which Deskport user an external identity
-- (provider + subject) signed in as.

-- id is the admin's slug (it appears in the OIDC redirect URI). config is the provider's JSON
-- settings (text) including its secret (client secret or bind password): the admin API never
-- returns secrets.
CREATE TABLE identity_providers (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  name       TEXT NOT NULL,
  enabled    BIGINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  config     TEXT NOT NULL,
  position   BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- An external group (compared case-insensitively: CITEXT) grants a Deskport group or a role.
CREATE TABLE group_mappings (
  id             TEXT PRIMARY KEY,
  provider_id    TEXT NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
  external_group CITEXT NOT NULL,
  group_id       TEXT,
  role           TEXT,
  CHECK ((group_id IS NULL) <> (role IS NULL))
);
CREATE INDEX group_mappings_provider ON group_mappings (provider_id);

-- managed_* remember what the provider granted last time, so a group the directory takes away
-- is taken away here too while groups an admin added by hand stay.
CREATE TABLE user_identities (
  provider_id    TEXT NOT NULL,
  subject        TEXT NOT NULL,
  user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  managed_groups TEXT NOT NULL DEFAULT '[]',
  managed_roles  TEXT NOT NULL DEFAULT '[]',
  created_at     BIGINT NOT NULL,
  last_login_at  BIGINT NOT NULL,
  PRIMARY KEY (provider_id, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);
