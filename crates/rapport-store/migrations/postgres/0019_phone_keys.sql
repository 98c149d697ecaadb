-- Rapport schema, version 19. A phone is matched by the digits that identify it
-- (`rapport_core::phone::phone_key`: its last nine ASCII digits, none below seven), so
-- an import finds "+1 555 010 0000" in a book holding "(555) 010-0000". The key is stored
-- with the phone, written by every path that writes a phone, and indexed in place of the
-- phone as written, which only the import looked up; a number too short to have a key is
-- still looked up as written (a partial index).
ALTER TABLE contact_phones ADD COLUMN IF NOT EXISTS phone_key TEXT;

UPDATE contact_phones SET phone_key = right(regexp_replace(phone, '[^0-9]', '', 'g'), 9)
WHERE length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 7;

DROP INDEX IF EXISTS contact_phones_phone;
CREATE INDEX IF NOT EXISTS contact_phones_key ON contact_phones (phone_key);
CREATE INDEX IF NOT EXISTS contact_phones_short ON contact_phones (phone) WHERE phone_key IS NULL;
