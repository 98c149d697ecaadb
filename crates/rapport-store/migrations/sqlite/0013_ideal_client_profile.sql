-- Rapport schema, version 13 (sqlite): the ideal client profile — an organization's profile
-- (industry, head count, region), custom fields on organizations and contacts, and the team's
-- weighted criteria. Kept identical to the other backend's 0013 except for identity columns
-- and collations.

ALTER TABLE organizations ADD COLUMN industry TEXT;
ALTER TABLE organizations ADD COLUMN size BIGINT;
ALTER TABLE organizations ADD COLUMN region TEXT;
-- Optimistic concurrency for organization edits (If-Match), as contacts have.
ALTER TABLE organizations ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Custom fields: a key (lowercase letters, digits, '-', '_') and a one-line text value.
CREATE TABLE organization_fields (
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    field_key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (organization_id, field_key)
);
CREATE TABLE contact_fields (
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    field_key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (contact_id, field_key)
);

-- The profile's criteria, team-wide: a field (industry, size, region, tag, field:KEY) and
-- its value as the domain spells it (`rapport_core::fit::Test`), and a weight from 1 to 10.
CREATE TABLE icp_criteria (
    id INTEGER PRIMARY KEY,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    weight BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
