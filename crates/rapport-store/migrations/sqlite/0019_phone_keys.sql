-- Rapport schema, version 19. A phone is matched by the digits that identify it
-- (`rapport_core::phone::phone_key`: its last nine ASCII digits, none below seven), so
-- an import finds "+1 555 010 0000" in a book holding "(555) 010-0000". The key is stored
-- with the phone, written by every path that writes a phone, and indexed in place of the
-- phone as written, which only the import looked up; a number too short to have a key is
-- still looked up as written (a partial index).
ALTER TABLE contact_phones ADD COLUMN phone_key TEXT;

-- The phones already stored, keyed here as the Rust function keys them. Most are digits and
-- the usual separators, keyed at once. SQLite has no regular expressions, so the others
-- (letters, other signs) have their ASCII digits gathered a character at a time.
CREATE TEMP TABLE phone_walked AS
WITH RECURSIVE walk (contact_id, phone, rest, digits) AS (
    SELECT contact_id, phone, phone, '' FROM contact_phones
    WHERE replace(replace(replace(replace(replace(replace(replace(phone,
              ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '/', '')
          GLOB '*[^0-9]*'
    UNION ALL
    SELECT contact_id, phone, substr(rest, 2),
           digits || CASE WHEN substr(rest, 1, 1) GLOB '[0-9]' THEN substr(rest, 1, 1) ELSE '' END
    FROM walk WHERE rest <> ''
)
SELECT contact_id, phone, digits FROM walk WHERE rest = '';

UPDATE contact_phones SET phone_key = substr(digits, -9)
FROM (
    SELECT contact_id AS id, phone AS written,
           replace(replace(replace(replace(replace(replace(replace(phone,
               ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '/', '') AS digits
    FROM contact_phones
) AS stripped
WHERE stripped.id = contact_phones.contact_id AND stripped.written = contact_phones.phone
  AND length(digits) >= 7 AND digits NOT GLOB '*[^0-9]*';

UPDATE contact_phones SET phone_key = substr(w.digits, -9)
FROM temp.phone_walked w
WHERE w.contact_id = contact_phones.contact_id AND w.phone = contact_phones.phone
  AND length(w.digits) >= 7;

DROP TABLE temp.phone_walked;
DROP INDEX contact_phones_phone;
CREATE INDEX contact_phones_key ON contact_phones (phone_key);
CREATE INDEX contact_phones_short ON contact_phones (phone) WHERE phone_key IS NULL;
