-- Rapport schema, version 15. On SQLite this version indexes touches for search in batches
-- instead of one FTS5 row per touch. PostgreSQL indexes touches with an expression GIN index
-- (0011), which the database keeps in step itself and which a touch's insert updates through
-- GIN's pending list (fastupdate): already batched, nothing to change. The version exists on
-- both backends because the two migration folders hold the same versions.
SELECT 1;
