-- Full-text search (search.rs): FTS5 indexes kept in step with their tables by triggers, so
-- every write — an edit, an archive, a merge — leaves them right inside its own transaction.
-- The migration indexes the data already there.

-- A contact's own text, one row per contact (rowid = contact id). The text lives in
-- contacts, contact_emails and organizations, so the index keeps none of it (contentless);
-- `contentless_delete` lets a trigger replace a contact's row when any of it changes.
CREATE VIRTUAL TABLE contact_text USING fts5 (
    name, organization, emails, notes,
    content = '', contentless_delete = 1, prefix = '2 3'
);
-- The index's words per column: near spellings of names are looked up here.
CREATE VIRTUAL TABLE contact_text_terms USING fts5vocab (contact_text, 'col');

INSERT INTO contact_text (rowid, name, organization, emails, notes)
SELECT c.id, c.name, o.name,
       (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id),
       c.notes
FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id;

CREATE TRIGGER contact_text_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_text (rowid, name, organization, emails, notes)
    SELECT NEW.id, NEW.name, (SELECT o.name FROM organizations o WHERE o.id = NEW.organization_id),
           (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = NEW.id),
           NEW.notes;
END;

-- Only the columns the index holds: the schedule columns a touch rewrites fire nothing.
CREATE TRIGGER contact_text_update AFTER UPDATE OF name, organization_id, notes ON contacts BEGIN
    DELETE FROM contact_text WHERE rowid = OLD.id;
    INSERT INTO contact_text (rowid, name, organization, emails, notes)
    SELECT NEW.id, NEW.name, (SELECT o.name FROM organizations o WHERE o.id = NEW.organization_id),
           (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = NEW.id),
           NEW.notes;
END;

CREATE TRIGGER contact_text_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_text WHERE rowid = OLD.id;
END;

-- A contact's emails changed: its row again, whole.
CREATE TRIGGER contact_text_email_insert AFTER INSERT ON contact_emails BEGIN
    DELETE FROM contact_text WHERE rowid = NEW.contact_id;
    INSERT INTO contact_text (rowid, name, organization, emails, notes)
    SELECT c.id, c.name, o.name,
           (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id),
           c.notes
    FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id
    WHERE c.id = NEW.contact_id;
END;

CREATE TRIGGER contact_text_email_delete AFTER DELETE ON contact_emails BEGIN
    DELETE FROM contact_text WHERE rowid = OLD.contact_id;
    INSERT INTO contact_text (rowid, name, organization, emails, notes)
    SELECT c.id, c.name, o.name,
           (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id),
           c.notes
    FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id
    WHERE c.id = OLD.contact_id;
END;

-- An email moved to another contact (a merge): both rows again.
CREATE TRIGGER contact_text_email_update AFTER UPDATE OF contact_id, email ON contact_emails BEGIN
    DELETE FROM contact_text WHERE rowid IN (OLD.contact_id, NEW.contact_id);
    INSERT INTO contact_text (rowid, name, organization, emails, notes)
    SELECT c.id, c.name, o.name,
           (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id),
           c.notes
    FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id
    WHERE c.id IN (OLD.contact_id, NEW.contact_id);
END;

-- A renamed organization: the rows of its people.
CREATE TRIGGER contact_text_organization_rename AFTER UPDATE OF name ON organizations BEGIN
    DELETE FROM contact_text WHERE rowid IN (SELECT id FROM contacts WHERE organization_id = NEW.id);
    INSERT INTO contact_text (rowid, name, organization, emails, notes)
    SELECT c.id, c.name, NEW.name,
           (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id),
           c.notes
    FROM contacts c WHERE c.organization_id = NEW.id;
END;

-- What was said in touches: an external-content index over the touches table itself.
-- Logging a touch adds one row here, nothing else.
CREATE VIRTUAL TABLE touch_text USING fts5 (
    summary, needs, next_approach,
    content = 'touches', content_rowid = 'id', prefix = '2 3'
);
INSERT INTO touch_text (touch_text) VALUES ('rebuild');

CREATE TRIGGER touch_text_insert AFTER INSERT ON touches BEGIN
    INSERT INTO touch_text (rowid, summary, needs, next_approach)
    VALUES (NEW.id, NEW.summary, NEW.needs, NEW.next_approach);
END;

CREATE TRIGGER touch_text_update AFTER UPDATE OF summary, needs, next_approach ON touches BEGIN
    INSERT INTO touch_text (touch_text, rowid, summary, needs, next_approach)
    VALUES ('delete', OLD.id, OLD.summary, OLD.needs, OLD.next_approach);
    INSERT INTO touch_text (rowid, summary, needs, next_approach)
    VALUES (NEW.id, NEW.summary, NEW.needs, NEW.next_approach);
END;

CREATE TRIGGER touch_text_delete AFTER DELETE ON touches BEGIN
    INSERT INTO touch_text (touch_text, rowid, summary, needs, next_approach)
    VALUES ('delete', OLD.id, OLD.summary, OLD.needs, OLD.next_approach);
END;

-- Organizations by name and domain.
CREATE VIRTUAL TABLE organization_text USING fts5 (
    name, domain,
    content = 'organizations', content_rowid = 'id', prefix = '2 3'
);
INSERT INTO organization_text (organization_text) VALUES ('rebuild');

CREATE TRIGGER organization_text_insert AFTER INSERT ON organizations BEGIN
    INSERT INTO organization_text (rowid, name, domain) VALUES (NEW.id, NEW.name, NEW.domain);
END;

CREATE TRIGGER organization_text_update AFTER UPDATE OF name, domain ON organizations BEGIN
    INSERT INTO organization_text (organization_text, rowid, name, domain)
    VALUES ('delete', OLD.id, OLD.name, OLD.domain);
    INSERT INTO organization_text (rowid, name, domain) VALUES (NEW.id, NEW.name, NEW.domain);
END;

CREATE TRIGGER organization_text_delete AFTER DELETE ON organizations BEGIN
    INSERT INTO organization_text (organization_text, rowid, name, domain)
    VALUES ('delete', OLD.id, OLD.name, OLD.domain);
END;

-- Merging duplicates (merge.rs): the contact a merged one now lives on in. The merged contact
-- stays, archived and empty, so its id and its audit history still lead somewhere.
ALTER TABLE contacts ADD COLUMN merged_into BIGINT;
