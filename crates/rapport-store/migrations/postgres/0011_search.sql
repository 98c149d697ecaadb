-- Full-text search (search.rs): PostgreSQL's full-text search ('simple' configuration: no
-- stemming, the same words as SQLite's FTS5) with GIN indexes, and pg_trgm for near
-- spellings of names. Kept in step with the data by expression indexes and, for a contact's
-- own text (spread over three tables), by triggers — so every write, archive and merge leaves
-- them right inside its own transaction. The migration indexes the data already there.
--
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it; on
-- older servers a superuser must run `CREATE EXTENSION pg_trgm` once before the upgrade.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Words as both backends see them: letters and digits, lowercased, split on anything else
-- (so an email is its parts, as in SQLite's unicode61 tokenizer).
CREATE FUNCTION search_words(text TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN regexp_replace(lower(COALESCE(text, '')), '[^[:alnum:]]+', ' ', 'g');

-- A contact's own text, one row per contact, weighted by where each word came from:
-- A name, B organization, C emails, D notes.
CREATE TABLE contact_text (
    contact_id BIGINT PRIMARY KEY,
    document TSVECTOR NOT NULL
);
CREATE INDEX contact_text_document ON contact_text USING GIN (document);

CREATE FUNCTION contact_text_refresh(target BIGINT) RETURNS VOID
LANGUAGE sql AS $$
    INSERT INTO contact_text (contact_id, document)
    SELECT c.id,
           setweight(to_tsvector('simple', search_words(c.name)), 'A')
           || setweight(to_tsvector('simple', search_words(o.name)), 'B')
           || setweight(to_tsvector('simple', search_words(
                  (SELECT string_agg(e.email, ' ') FROM contact_emails e
                   WHERE e.contact_id = c.id))), 'C')
           || setweight(to_tsvector('simple', search_words(c.notes)), 'D')
    FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id
    WHERE c.id = target
    ON CONFLICT (contact_id) DO UPDATE SET document = EXCLUDED.document;
$$;

SELECT contact_text_refresh(id) FROM contacts;

CREATE FUNCTION contact_text_changed() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'contacts' THEN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM contact_text WHERE contact_id = OLD.id;
        ELSE
            PERFORM contact_text_refresh(NEW.id);
        END IF;
    ELSIF TG_TABLE_NAME = 'contact_emails' THEN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            PERFORM contact_text_refresh(OLD.contact_id);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM contact_text_refresh(NEW.contact_id);
        END IF;
    ELSE
        PERFORM contact_text_refresh(c.id) FROM contacts c WHERE c.organization_id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;

-- Only the columns the document holds: the schedule columns a touch rewrites fire nothing.
CREATE TRIGGER contact_text_contacts
AFTER INSERT OR DELETE OR UPDATE OF name, organization_id, notes ON contacts
FOR EACH ROW EXECUTE FUNCTION contact_text_changed();
CREATE TRIGGER contact_text_emails
AFTER INSERT OR DELETE OR UPDATE OF contact_id, email ON contact_emails
FOR EACH ROW EXECUTE FUNCTION contact_text_changed();
CREATE TRIGGER contact_text_organizations
AFTER UPDATE OF name ON organizations
FOR EACH ROW EXECUTE FUNCTION contact_text_changed();

-- Near spellings of names: active contacts with a name word sharing enough trigrams with
-- `term`, closest first. The default threshold (0.6) misses one letter dropped from an
-- eight-letter name; the core's edit distance makes the final call on what comes back.
CREATE INDEX contacts_name_trigram ON contacts USING GIN (lower(name) gin_trgm_ops);
CREATE FUNCTION contacts_near_name(term TEXT, wanted BIGINT) RETURNS TABLE (id BIGINT)
LANGUAGE sql STABLE SET pg_trgm.word_similarity_threshold = 0.4 AS $$
    SELECT c.id FROM contacts c
    WHERE term <% lower(c.name) AND c.archived_at IS NULL
    ORDER BY word_similarity(term, lower(c.name)) DESC, c.id
    LIMIT wanted;
$$;

-- What was said in touches, and organizations by name and domain: expression indexes, which
-- PostgreSQL keeps in step itself. search.rs queries the identical expressions.
CREATE INDEX touches_text ON touches USING GIN (to_tsvector('simple',
    search_words(summary) || ' ' || search_words(needs) || ' ' || search_words(next_approach)));
CREATE INDEX organizations_text ON organizations USING GIN (to_tsvector('simple',
    search_words(name) || ' ' || search_words(domain)));

-- Merging duplicates (merge.rs): the contact a merged one now lives on in. The merged contact
-- stays, archived and empty, so its id and its audit history still lead somewhere.
ALTER TABLE contacts ADD COLUMN merged_into BIGINT;

-- Statistics for the new expression indexes now, not when autovacuum gets to them: without
-- them the planner guesses that any word is in 0.5 % of touches and walks the whole table
-- backwards by id for a word that is in none.
ANALYZE contacts;
ANALYZE contact_text;
ANALYZE touches;
ANALYZE organizations;
