-- Rapport schema, version 1 (SQLite). Kept column-for-column identical to
-- migrations/postgres/0001_initial.sql: only identity columns and collations differ.
-- Dates are ISO 'YYYY-MM-DD' text and instants are UTC 'YYYY-MM-DDTHH:MM:SSZ' text, so they
-- sort chronologically and every query is the same SQL on both backends.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    time_zone TEXT,
    created_at TEXT NOT NULL
);

-- The local owner: a seller working alone owns everything until the team server adds users.
INSERT INTO users (email, name, role, created_at)
VALUES ('me@localhost', 'Me', 'admin', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    domain TEXT,
    tier TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX organizations_name_key ON organizations (name_key);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    title TEXT,
    organization_id BIGINT REFERENCES organizations (id),
    notes TEXT,
    tier TEXT,
    stage TEXT,
    horizon TEXT,
    prospect_kind TEXT,
    cadence TEXT,
    effective_cadence TEXT NOT NULL,
    cadence_source TEXT NOT NULL,
    added_on TEXT NOT NULL,
    last_touch_id BIGINT,
    last_touch_on TEXT,
    hold_until TEXT,
    hold_reason TEXT,
    next_touch_on TEXT NOT NULL,
    next_touch_source TEXT NOT NULL,
    archived_at TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- The agenda is a range scan of one owner's active contacts by due date.
CREATE INDEX contacts_agenda ON contacts (owner_id, next_touch_on) WHERE archived_at IS NULL;
CREATE INDEX contacts_name_key ON contacts (name_key);
CREATE INDEX contacts_organization ON contacts (organization_id);

CREATE TABLE contact_emails (
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    email TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (contact_id, email)
);
CREATE UNIQUE INDEX contact_emails_email ON contact_emails (email);

CREATE TABLE contact_phones (
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    phone TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (contact_id, phone)
);

CREATE TABLE contact_tags (
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag)
);
CREATE INDEX contact_tags_tag ON contact_tags (tag);

CREATE TABLE contact_roles (
    id INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    role TEXT NOT NULL,
    since TEXT NOT NULL,
    until TEXT
);
CREATE INDEX contact_roles_contact ON contact_roles (contact_id);

CREATE TABLE touches (
    id INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    summary TEXT,
    needs TEXT,
    next_approach TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX touches_contact ON touches (contact_id, occurred_at);

CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    owner_id BIGINT NOT NULL REFERENCES users (id),
    due_on TEXT NOT NULL,
    body TEXT NOT NULL,
    done_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX follow_ups_open ON follow_ups (contact_id, due_on) WHERE done_at IS NULL;

-- scope: 'fallback' (key ''), 'tier', 'stage', 'role' or 'horizon'.
CREATE TABLE cadence_defaults (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    cadence TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
INSERT INTO cadence_defaults (scope, key, cadence) VALUES
    ('fallback', '', '3m'),
    ('tier', 'A', '30d'),
    ('tier', 'B', '60d'),
    ('tier', 'C', '3m'),
    ('tier', 'D', '6m');
