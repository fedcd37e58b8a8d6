-- 010: a display ticket issued for a helpdesk shadow names that shadow, so the display it opens is
-- that shadow's (its mode, its sound consent, its audit and its end), not whichever of the same
-- helpdesk user's shadows in that mode is found first. Null for the owner's own tickets.
ALTER TABLE tickets ADD COLUMN shadow_id TEXT;
