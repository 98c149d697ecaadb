-- Rapport schema, version 18 (SQLite): less to write per contact.
--
-- A contact's emails, phones and tags are rows found by their primary key (contact, value):
-- as rowid tables, each row was written twice, once in the table and once in the primary
-- key's own index. WITHOUT ROWID, the table is that index.
--
-- Search asks `contact_text` which contacts hold a word or a word's start — single words,
-- ANDed or ORed, ranked in Rust (search.rs), and for the typo pass in the name column only —
-- never where in a column a word stands, so the index keeps columns but no positions
-- (`detail = column`; `none` would refuse the typo pass's column filter).
--
-- For 100,000 imported contacts: the index 11.7 MB -> 8.0 MB, the three tables and their
-- indexes 23.9 MB -> 15.4 MB, the whole file 66 -> 54 MB (docs/benchmarks.md).
--
-- The triggers that name these tables are dropped before the tables and recreated, as
-- migration 0011 wrote them, after.
DROP TRIGGER contact_text_insert;
DROP TRIGGER contact_text_update;
DROP TRIGGER contact_text_delete;
DROP TRIGGER contact_text_email_insert;
DROP TRIGGER contact_text_email_delete;
DROP TRIGGER contact_text_email_update;
DROP TRIGGER contact_text_organization_rename;

CREATE TABLE contact_emails_lean (
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    email TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (contact_id, email)
) WITHOUT ROWID;
INSERT INTO contact_emails_lean (contact_id, email, position)
SELECT contact_id, email, position FROM contact_emails;
DROP TABLE contact_emails;
ALTER TABLE contact_emails_lean RENAME TO contact_emails;
CREATE UNIQUE INDEX contact_emails_email ON contact_emails (email);

CREATE TABLE contact_phones_lean (
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    phone TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (contact_id, phone)
) WITHOUT ROWID;
INSERT INTO contact_phones_lean (contact_id, phone, position)
SELECT contact_id, phone, position FROM contact_phones;
DROP TABLE contact_phones;
ALTER TABLE contact_phones_lean RENAME TO contact_phones;
CREATE INDEX contact_phones_phone ON contact_phones (phone);

CREATE TABLE contact_tags_lean (
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag)
) WITHOUT ROWID;
INSERT INTO contact_tags_lean (contact_id, tag) SELECT contact_id, tag FROM contact_tags;
DROP TABLE contact_tags;
ALTER TABLE contact_tags_lean RENAME TO contact_tags;
CREATE INDEX contact_tags_tag ON contact_tags (tag);

DROP TABLE contact_text;
CREATE VIRTUAL TABLE contact_text USING fts5 (
    name, organization, emails, notes,
    content = '', contentless_delete = 1, detail = column, prefix = '2 3'
);
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

CREATE TRIGGER contact_text_email_update AFTER UPDATE OF contact_id, email ON contact_emails BEGIN
    DELETE FROM contact_text WHERE rowid IN (OLD.contact_id, NEW.contact_id);
    INSERT INTO contact_text (rowid, name, organization, emails, notes)
    SELECT c.id, c.name, o.name,
           (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id),
           c.notes
    FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id
    WHERE c.id IN (OLD.contact_id, NEW.contact_id);
END;

CREATE TRIGGER contact_text_organization_rename AFTER UPDATE OF name ON organizations BEGIN
    DELETE FROM contact_text WHERE rowid IN (SELECT id FROM contacts WHERE organization_id = NEW.id);
    INSERT INTO contact_text (rowid, name, organization, emails, notes)
    SELECT c.id, c.name, NEW.name,
           (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id),
           c.notes
    FROM contacts c WHERE c.organization_id = NEW.id;
END;
