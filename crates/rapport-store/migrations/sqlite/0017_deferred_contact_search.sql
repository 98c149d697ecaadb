-- Rapport schema, version 17. On PostgreSQL a contacts import refreshes its contacts' search
-- documents in one statement instead of through a trigger per row. SQLite's import already
-- suspends its row-by-row indexing triggers inside its own transaction (intake.rs): nothing
-- to change. The version exists on both backends because the two migration folders hold the
-- same versions.
SELECT 1;
