-- Rapport schema, version 19. A phone is matched by the digits that identify it
-- (`rapport_core::duplicates::phone_key`: its last nine digits, none below seven), so an
-- import finds "+1 555 010 0000" in a book holding "(555) 010-0000". The key is stored with
-- the phone, written by every path that writes a phone, and indexed in place of the phone
-- as written, which only the import looked up.
ALTER TABLE contact_phones ADD COLUMN phone_key TEXT;

UPDATE contact_phones SET phone_key = right(regexp_replace(phone, '[^0-9]', '', 'g'), 9)
WHERE length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 7;

DROP INDEX contact_phones_phone;
CREATE INDEX contact_phones_key ON contact_phones (phone_key);
