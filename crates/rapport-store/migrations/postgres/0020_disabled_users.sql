-- Rapport schema, version 20 (PostgreSQL): a user can be disabled. Kept identical to
-- migrations/sqlite/0020_disabled_users.sql except for collations.

-- When an admin disabled the user (fixed-width UTC text, like the other instants); NULL for
-- an active user. A disabled user authenticates nowhere (password, session, API token, the
-- command line's --as) and owns no contacts (`Store::set_user_disabled`).
ALTER TABLE users ADD COLUMN disabled_at TEXT COLLATE "C";
