-- 013: the sign-in throttles' counters (server/auth/throttle.ts) and the addresses each account
-- signed in from (server/auth/login-throttle.ts), in the store so that every gateway on it counts
-- the same failures: a guesser behind a load balancer gets no more tries with more gateways.
-- A row goes once expires_at has passed (housekeeping); fails is a JSON array of at most ~20 times.
CREATE TABLE throttles (
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  fails        TEXT NOT NULL,
  locked_until INTEGER NOT NULL,
  strikes      INTEGER NOT NULL,
  last_fail_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX throttles_by_expiry ON throttles (expires_at);
CREATE INDEX throttles_by_last_fail ON throttles (last_fail_at);

CREATE TABLE known_addresses (
  account TEXT NOT NULL,
  address TEXT NOT NULL,
  at      INTEGER NOT NULL,
  PRIMARY KEY (account, address)
);
CREATE INDEX known_addresses_by_at ON known_addresses (at);
