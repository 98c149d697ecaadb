-- Rapport schema, version 17. A contact's search document was refreshed by a trigger per
-- contact and again per email: nearly all of a large import's time on PostgreSQL. A contacts
-- import now sets `rapport.deferred_search` for its own transaction (`SET LOCAL`), so the
-- trigger leaves its rows alone, and refreshes the documents of all its contacts with one
-- statement before it commits (intake.rs). Every other write is indexed as before.

-- The documents of the contacts with ids from `first` to `last`: what `contact_text_refresh`
-- did for one contact, now its special case.
CREATE FUNCTION contact_text_refresh_range(first BIGINT, last BIGINT) RETURNS VOID
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
    WHERE c.id BETWEEN first AND last
    ON CONFLICT (contact_id) DO UPDATE SET document = EXCLUDED.document;
$$;

CREATE OR REPLACE FUNCTION contact_text_refresh(target BIGINT) RETURNS VOID
LANGUAGE sql AS $$
    SELECT contact_text_refresh_range(target, target);
$$;

CREATE OR REPLACE FUNCTION contact_text_changed() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('rapport.deferred_search', true) = 'on' THEN
        RETURN NULL;
    END IF;
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
