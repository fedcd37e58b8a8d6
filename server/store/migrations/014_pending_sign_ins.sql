-- 014: sign-ins waiting for a second step (a provider sign-in of someone with two-step
-- verification waits for the code: server/auth/oidc-sign-in.ts), in the store so that the gateway
-- that gets the code need not be the one that got the provider's answer. Keyed by the SHA-256 of
-- the key the browser holds; data is JSON; a row goes when used, after too many tries, or once
-- expired (housekeeping).
CREATE TABLE pending_sign_ins (
  hash       TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  data       TEXT NOT NULL,
  tries      INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER NOT NULL
);
CREATE INDEX pending_sign_ins_by_expiry ON pending_sign_ins (expires_at);
