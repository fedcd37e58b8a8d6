-- 008: what a session may do beyond showing the screen (recording, files, clipboard, sound), one JSON
-- object per pool and per machine in the shape of contract/api/policy.ts SessionPolicy. '{}' means
-- the defaults (completePolicy fills them), so rows written before this migration behave as before.
ALTER TABLE pools ADD COLUMN policy TEXT NOT NULL DEFAULT '{}';
ALTER TABLE machines ADD COLUMN policy TEXT NOT NULL DEFAULT '{}';
