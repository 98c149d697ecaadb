-- Near spellings of names (search.rs's typo pass) are looked for among the distinct words of
-- contacts' names: a few thousand words, where FTS5's vocabulary of contact_text counted
-- every posting of every word in the range (about 30 ms at a million contacts).
--
-- Words are kept, never removed: a word no name holds any more finds nobody, which costs one
-- index probe and changes no result.
CREATE TABLE search_name_words (
    word TEXT PRIMARY KEY
) WITHOUT ROWID;

-- Names written since their words were last gathered. FTS5 splits them exactly as it splits
-- contact_text (same tokenizer), so the words here are the words a MATCH finds; SQL alone
-- could not split on every character that is not a letter or a digit.
CREATE VIRTUAL TABLE search_name_inbox USING fts5 (name, content = '', detail = none);
CREATE VIRTUAL TABLE search_name_inbox_terms USING fts5vocab (search_name_inbox, 'row');

CREATE TRIGGER search_name_inbox_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO search_name_inbox (name) VALUES (NEW.name);
END;

CREATE TRIGGER search_name_inbox_update AFTER UPDATE OF name ON contacts BEGIN
    INSERT INTO search_name_inbox (name) VALUES (NEW.name);
END;

-- Every 512th contact moves the inbox's words into the table, so the inbox's vocabulary,
-- which search reads beside the table, stays small. The inbox's cost on a write is one
-- small FTS5 row per new contact (docs/benchmarks.md).
CREATE TRIGGER search_name_inbox_gather AFTER INSERT ON contacts WHEN NEW.id % 512 = 0 BEGIN
    INSERT OR IGNORE INTO search_name_words (word) SELECT term FROM search_name_inbox_terms;
    INSERT INTO search_name_inbox (search_name_inbox) VALUES ('delete-all');
END;

-- The names already there.
INSERT OR IGNORE INTO search_name_words (word)
SELECT term FROM contact_text_terms WHERE col = 'name';

-- The typo pass no longer reads contact_text's vocabulary.
DROP TABLE contact_text_terms;
