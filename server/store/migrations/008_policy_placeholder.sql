-- TEMPORARY on branch wt-rec: stands in for main's migration 008 (session policy) so 009 can run
-- before that lands; the merge with main deletes this file.
SELECT 1;
