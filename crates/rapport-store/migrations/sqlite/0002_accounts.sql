-- Rapport schema, version 2 (SQLite): accounts for the team server. Kept identical to
-- migrations/postgres/0002_accounts.sql except for identity columns and collations.

-- An argon2id PHC string; NULL means the user cannot log in with a password (the local owner
-- of a single-seller database, or an account that only uses API tokens).
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- API tokens: only the SHA-256 of the token is kept (hex); the token itself is shown once.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE UNIQUE INDEX api_tokens_token_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
