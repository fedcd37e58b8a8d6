-- 016: several gateways: their registry, and which agent boot was reconciled. See the SQLite file.
CREATE TABLE gateways (
  id         TEXT PRIMARY KEY,
  url        TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  seen_at    BIGINT NOT NULL
);
CREATE INDEX gateways_by_seen ON gateways (seen_at);
ALTER TABLE hosts ADD COLUMN reconciled_boot TEXT;
