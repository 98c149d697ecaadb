-- Near spellings of names (search.rs's typo pass) are looked for among the distinct words of
-- contacts' names: a few thousand words, where trigram similarity over every contact's name
-- took hundreds of milliseconds at a million contacts. Split as the full-text index splits
-- them (`search_words`), so the words here are the words a tsquery finds.
--
-- Words are kept, never removed: a word no name holds any more finds nobody, which costs one
-- index probe and changes no result.
CREATE TABLE search_name_words (
    word TEXT PRIMARY KEY
);

INSERT INTO search_name_words (word)
SELECT DISTINCT w FROM contacts, regexp_split_to_table(search_words(name), ' ') AS w
WHERE w <> ''
ON CONFLICT DO NOTHING;

CREATE FUNCTION search_name_words_add() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        INSERT INTO search_name_words (word)
        SELECT DISTINCT w FROM regexp_split_to_table(search_words(NEW.name), ' ') AS w
        WHERE w <> ''
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO search_name_words (word)
        SELECT DISTINCT w FROM added, regexp_split_to_table(search_words(added.name), ' ') AS w
        WHERE w <> ''
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;

-- New contacts once per statement, over the rows it wrote, so a bulk insert gathers its
-- words in one pass; a rename per row, and only a rename: every touch rewrites its contact's
-- schedule columns.
CREATE TRIGGER search_name_words_insert AFTER INSERT ON contacts
REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION search_name_words_add();
CREATE TRIGGER search_name_words_rename AFTER UPDATE OF name ON contacts
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
EXECUTE FUNCTION search_name_words_add();

-- The typo pass no longer compares trigrams of every name.
DROP FUNCTION contacts_near_name;
DROP INDEX contacts_name_trigram;
