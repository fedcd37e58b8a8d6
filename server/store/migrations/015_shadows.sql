-- 015: helpdesk shadow requests (server/broker/shadows.ts), in the store so that every gateway sees
-- them: the owner may answer on another gateway than the one the helper asked on, and a display
-- ticket is checked wherever the viewer lands. Finished rows go 10 minutes after they ended.
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
  created_at             INTEGER NOT NULL,
  decided_at             INTEGER,
  ended_at               INTEGER
);
CREATE INDEX shadows_by_session ON shadows (session_id, state);
CREATE INDEX shadows_by_requester ON shadows (requester_id, state);
CREATE INDEX shadows_by_state ON shadows (state, created_at);
