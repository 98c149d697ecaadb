-- Rapport schema, version 19. A phone is matched by the digits that identify it
-- (`rapport_core::duplicates::phone_key`: its last nine digits, none below seven), so an
-- import finds "+1 555 010 0000" in a book holding "(555) 010-0000". The key is stored with
-- the phone, written by every path that writes a phone, and indexed in place of the phone
-- as written, which only the import looked up.
ALTER TABLE contact_phones ADD COLUMN phone_key TEXT;

-- The phones already stored, keyed here as the Rust function keys them: SQLite has no
-- regular expressions, so each phone's ASCII digits are gathered a character at a time.
CREATE TEMP TABLE phone_digits AS
WITH RECURSIVE walk (contact_id, phone, rest, digits) AS (
    SELECT contact_id, phone, phone, '' FROM contact_phones
    UNION ALL
    SELECT contact_id, phone, substr(rest, 2),
           digits || CASE WHEN substr(rest, 1, 1) GLOB '[0-9]' THEN substr(rest, 1, 1) ELSE '' END
    FROM walk WHERE rest <> ''
)
SELECT contact_id, phone, digits FROM walk WHERE rest = '';

UPDATE contact_phones SET phone_key = substr(d.digits, -9)
FROM temp.phone_digits d
WHERE d.contact_id = contact_phones.contact_id AND d.phone = contact_phones.phone
  AND length(d.digits) >= 7;

DROP TABLE temp.phone_digits;
DROP INDEX contact_phones_phone;
CREATE INDEX contact_phones_key ON contact_phones (phone_key);
