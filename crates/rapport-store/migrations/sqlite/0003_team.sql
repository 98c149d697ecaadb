-- Rapport schema, version 3 (SQLite): the team model. Kept identical to
-- migrations/postgres/0003_team.sql except for identity columns and collations.

-- A private touch's text (summary, needs, next approach) is shown to its author only.
ALTER TABLE touches ADD COLUMN private BIGINT NOT NULL DEFAULT 0;

-- Who did what, when, to which record. `before`/`after` are JSON snapshots of the record
-- (NULL for a create's before or a delete's after); no secret is ever recorded, and private
-- touch text is replaced by a marker. `contact_id` is the contact the change concerns (also
-- for its touches and follow-ups), so a contact's whole history is one index scan.
-- `entity_id` is NULL for records without an id of their own (a default cadence: its scope
-- and key are in the snapshots).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES users (id),
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    contact_id BIGINT,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_contact ON audit_log (contact_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);

