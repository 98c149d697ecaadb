-- Rapport schema, version 21. Accents fold away in search (see the PostgreSQL migration of the
-- same number): SQLite's unicode61 tokenizer already folds them in every search index, so
-- only search.rs changed here. The version keeps both backends' numbers in step: a JSON dump
-- names the schema version it was taken from, and moves between them.
SELECT 1;
