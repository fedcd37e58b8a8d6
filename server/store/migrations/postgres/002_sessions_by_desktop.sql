-- Reconciliation and desktop events look sessions up by their desktop.
CREATE INDEX IF NOT EXISTS sessions_by_desktop ON sessions (desktop_id);
