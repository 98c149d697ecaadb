-- Rapport schema, version 7 (sqlite): relationship intelligence — opportunities, incumbent
-- competitors with their renewals, and the team's relationship rules. Kept identical to the
-- other backend's 0007 except for identity columns and collations.

-- An opportunity is secondary to the relationship: it belongs to a contact (and the
-- organization they were at when it was opened). `value` is in whole units of the team's
-- currency. The buying timeline is either a window stated on `opened_on` ('30', '60', '90'
-- or 'later' days) or an expected close date. `outcome` is 'open', 'won' or 'lost'.
CREATE TABLE opportunities (
    id INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    organization_id BIGINT REFERENCES organizations (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    value BIGINT NOT NULL,
    opened_on TEXT NOT NULL,
    timeline TEXT,
    expected_close_on TEXT,
    outcome TEXT NOT NULL,
    closed_on TEXT,
    close_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX opportunities_contact ON opportunities (contact_id);
CREATE INDEX opportunities_open ON opportunities (outcome);

-- The competitor an organization buys from today, what they are unhappy about (one line per
-- dissatisfaction) and when the contract renews. The agenda brings the account's contacts
-- back a lead time (team setting) before `renews_on`.
CREATE TABLE competitors (
    id INTEGER PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    renews_on TEXT,
    dissatisfactions TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX competitors_name ON competitors (organization_id, name_key);

-- Team-wide relationship rules, one value per key, parsed by the domain's own parsers:
-- where closing an opportunity moves the contact, and the renewal lead time.
CREATE TABLE relationship_settings (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO relationship_settings (key, value) VALUES
    ('won_stage', 'customer'),
    ('won_role', 'customer'),
    ('won_cadence', '1m'),
    ('lost_stage', 'engaged'),
    ('lost_role', ''),
    ('lost_cadence', '3m'),
    ('renewal_lead_days', '90');

-- The lead network: where a contact came from, and who introduced whom.
ALTER TABLE contacts ADD COLUMN source TEXT;
CREATE TABLE introductions (
    introducer_id BIGINT NOT NULL REFERENCES contacts (id),
    introduced_id BIGINT NOT NULL REFERENCES contacts (id),
    introduced_on TEXT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (introducer_id, introduced_id)
);
CREATE INDEX introductions_introduced ON introductions (introduced_id);

-- Lifecycle stage changes with the day and why ("lost: Fleet telematics"), shown on the
-- contact. `stage` is NULL when the stage was cleared.
CREATE TABLE stage_changes (
    id INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    stage TEXT,
    changed_on TEXT NOT NULL,
    reason TEXT,
    actor_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX stage_changes_contact ON stage_changes (contact_id);
