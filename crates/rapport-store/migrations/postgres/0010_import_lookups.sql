-- Phone lookups: an import matches the people it reads to the book by phone.
CREATE INDEX contact_phones_phone ON contact_phones (phone);
