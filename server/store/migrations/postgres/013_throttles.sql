-- 013: the sign-in throttles' counters and the addresses each account signed in from, shared by
-- every gateway on the store. See the SQLite file for the rest.
CREATE TABLE throttles (
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  fails        TEXT NOT NULL,
  locked_until BIGINT NOT NULL,
  strikes      INTEGER NOT NULL,
  last_fail_at BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX throttles_by_expiry ON throttles (expires_at);
CREATE INDEX throttles_by_last_fail ON throttles (last_fail_at);

CREATE TABLE known_addresses (
  account TEXT NOT NULL,
  address TEXT NOT NULL,
  at      BIGINT NOT NULL,
  PRIMARY KEY (account, address)
);
CREATE INDEX known_addresses_by_at ON known_addresses (at);
