-- Rapport schema, version 22.
--
-- Search folds every accent on SQLite too. The FTS5 indexes used `unicode61` with its default
-- `remove_diacritics 1`, which leaves a letter carrying two marks as it is: "Nguyễn" was not
-- found by "nguyen", nor "Hồng" by "hong" — where PostgreSQL (migration 0021) and the core's
-- rules (`rapport_core::search::words`) fold them. `remove_diacritics 2` folds them all. Each
-- index is made again with it, from the rows it indexed: contacts' own text, organizations,
-- the touches indexed so far (`touch_text_indexed.through`: later ones are indexed by the
-- catch-up as before), and the words of names the typo pass compares.
--
-- The triggers that keep these indexes in step are on their source tables and name the index
-- tables when they fire, so they carry on as they are.

DROP TABLE contact_text;
CREATE VIRTUAL TABLE contact_text USING fts5 (
    name, organization, emails, notes,
    content = '', contentless_delete = 1, detail = column, prefix = '2 3',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO contact_text (rowid, name, organization, emails, notes)
SELECT c.id, c.name, o.name,
       (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id),
       c.notes
FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id;

DROP TABLE organization_text;
CREATE VIRTUAL TABLE organization_text USING fts5 (
    name, domain,
    content = 'organizations', content_rowid = 'id', prefix = '2 3',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO organization_text (organization_text) VALUES ('rebuild');

DROP TABLE touch_text;
CREATE VIRTUAL TABLE touch_text USING fts5 (
    summary, needs, next_approach,
    content = 'touches', content_rowid = 'id', prefix = '2 3',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO touch_text (rowid, summary, needs, next_approach)
SELECT id, summary, needs, next_approach FROM touches
WHERE id <= (SELECT through FROM touch_text_indexed WHERE id = 1);

DROP TABLE search_name_inbox_terms;
DROP TABLE search_name_inbox;
CREATE VIRTUAL TABLE search_name_inbox USING fts5 (
    name, content = '', detail = none, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE search_name_inbox_terms USING fts5vocab (search_name_inbox, 'row');
DELETE FROM search_name_words;
INSERT INTO search_name_inbox (name) SELECT name FROM contacts;
INSERT OR IGNORE INTO search_name_words (word) SELECT term FROM search_name_inbox_terms;
INSERT INTO search_name_inbox (search_name_inbox) VALUES ('delete-all');

-- An organization's won deals are counted for each contact a recommendation looks at
-- (suggestions.rs, `purchase_histories`).
CREATE INDEX opportunities_organization ON opportunities (organization_id, outcome);
