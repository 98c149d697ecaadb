-- Rapport schema, version 22. SQLite's search indexes now fold a letter with two marks as
-- PostgreSQL's `search_words` (migration 0021) already did; nothing changes in search here.
-- An organization's won deals are counted for each contact a recommendation looks at
-- (suggestions.rs, `purchase_histories`).
CREATE INDEX IF NOT EXISTS opportunities_organization ON opportunities (organization_id, outcome);
