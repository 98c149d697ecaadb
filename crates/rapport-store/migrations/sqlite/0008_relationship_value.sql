-- Rapport schema, version 8 (sqlite): the value thresholds a suggested tier is read against
-- (the least won + open opportunity value for tiers A, B and C), a relationship rule like
-- the others, changed by admins. Identical on both backends.
INSERT INTO relationship_settings (key, value) VALUES ('tier_values', '100000,25000,5000');
