-- 016: several gateways. `gateways` lists the gateways sharing this store, each with the address
-- agents reach it at, kept fresh by its heartbeat (server/cluster/); agents keep a connection to
-- each. `hosts.reconciled_boot` is the agent boot whose inventory a gateway reconciled last: of the
-- hellos one boot sends to several gateways, one reconciles (cleared when the host was away).
CREATE TABLE gateways (
  id         TEXT PRIMARY KEY,
  url        TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  seen_at    INTEGER NOT NULL
);
CREATE INDEX gateways_by_seen ON gateways (seen_at);
ALTER TABLE hosts ADD COLUMN reconciled_boot TEXT;
