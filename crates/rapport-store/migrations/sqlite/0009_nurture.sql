-- Rapport schema, version 9 (sqlite): personal lead nurturing — the content library, each
-- contact's interests and needs, which item a content touch sent, who nurtures and who sells
-- to a contact, and the team's nurture rules. Kept identical to the other backend's 0009
-- except for identity columns and collations.

-- An item of the content library. `link` is a URL or a file reference. Topics and needs are
-- lowercase terms, one per line; `stages` and `kinds` (one word per line) name the lifecycle
-- stages and prospect kinds it suits, empty meaning any. `expires_on` is the last day it may
-- be sent; a retired item is never recommended again but stays for the history.
CREATE TABLE content_items (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    link TEXT NOT NULL,
    summary TEXT,
    format TEXT NOT NULL,
    topics TEXT NOT NULL,
    needs TEXT NOT NULL,
    stages TEXT NOT NULL,
    kinds TEXT NOT NULL,
    expires_on TEXT,
    retired_on TEXT,
    author_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Interests and needs set by hand ('interest' or 'need'; the term in lowercase). Those taken
-- from touches' "needs discussed" are derived when read, never stored.
CREATE TABLE contact_interests (
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    kind TEXT NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (contact_id, kind, term)
);

-- Which library item a content touch sent: one row per such touch.
CREATE TABLE content_sends (
    touch_id BIGINT NOT NULL PRIMARY KEY REFERENCES touches (id),
    content_id BIGINT NOT NULL REFERENCES content_items (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    sent_on TEXT NOT NULL
);
CREATE INDEX content_sends_contact ON content_sends (contact_id, sent_on);
CREATE INDEX content_sends_content ON content_sends (content_id);

-- Who nurtures a contact and who sells to them (either may be empty: the contact's owner),
-- and the explicit sales-ready signal with its day and note.
CREATE TABLE nurture_owners (
    contact_id BIGINT NOT NULL PRIMARY KEY REFERENCES contacts (id),
    nurture_owner_id BIGINT REFERENCES users (id),
    sales_owner_id BIGINT REFERENCES users (id),
    ready_on TEXT,
    ready_note TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX nurture_owners_sales ON nurture_owners (sales_owner_id);
CREATE INDEX nurture_owners_nurture ON nurture_owners (nurture_owner_id);

-- The team's nurture rules, one value per key: the per-contact content cap, the team-wide
-- touch cap (0: none), and the engagement rule that makes a contact sales-ready (0: none).
CREATE TABLE nurture_settings (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO nurture_settings (key, value) VALUES
    ('content_gap_days', '14'),
    ('touch_limit', '0'),
    ('touch_period_days', '30'),
    ('ready_inbound', '0'),
    ('ready_inbound_days', '30');
