-- 015: helpdesk shadow requests, shared by every gateway. See the SQLite file for the rest.
CREATE TABLE shadows (
  id                     TEXT PRIMARY KEY,
  session_id             TEXT NOT NULL,
  owner_id               TEXT NOT NULL,
  requester_id           TEXT NOT NULL,
  requester_name         TEXT NOT NULL,
  requester_display_name TEXT NOT NULL,
  mode                   TEXT NOT NULL,
  reason                 TEXT NOT NULL,
  state                  TEXT NOT NULL,
  consent                TEXT NOT NULL,
  sound                  INTEGER NOT NULL DEFAULT 0,
  created_at             BIGINT NOT NULL,
  decided_at             BIGINT,
  ended_at               BIGINT
);
CREATE INDEX shadows_by_session ON shadows (session_id, state);
CREATE INDEX shadows_by_requester ON shadows (requester_id, state);
CREATE INDEX shadows_by_state ON shadows (state, created_at);
