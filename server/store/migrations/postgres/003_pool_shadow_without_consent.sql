-- A pool may let helpdesk staff view sessions without asking (kiosks, labs); off by default.
ALTER TABLE pools ADD COLUMN shadow_without_consent BIGINT NOT NULL DEFAULT 0 CHECK (shadow_without_consent IN (0, 1));
