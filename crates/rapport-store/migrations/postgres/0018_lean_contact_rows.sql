-- Rapport schema, version 18. On SQLite, contacts' emails, phones and tags became WITHOUT
-- ROWID tables and the contact search index keeps no word positions. PostgreSQL's
-- tables and search documents need neither change. The version exists on both backends
-- because the two migration folders hold the same versions.
SELECT 1;
