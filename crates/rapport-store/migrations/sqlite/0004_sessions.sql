-- Rapport schema, version 4 (SQLite): browser sessions and login rate limiting. Kept identical to
-- the other backend's 0004_sessions.sql except for identity columns and collations.
-- (Version 3 is the audit log's.) The server keeps no state of its own, so both live here:
-- any instance behind a load balancer sees every session and every failed login.

-- A session cookie holds 32 random bytes; only their SHA-256 (hex) is kept, as for API tokens.
-- The CSRF token is not a credential on its own (it is useless without the cookie), so it is
-- kept as is and handed to the page. Sessions slide: each use moves expires_at on.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- One row per failed password login, by the email tried and the client's address; counted
-- over a recent window to refuse guessing, and pruned as they age out.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    client TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_client ON login_failures (client, at);
CREATE INDEX login_failures_at ON login_failures (at);
