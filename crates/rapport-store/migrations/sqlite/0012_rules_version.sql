-- Rapport schema, version 12: a counter of changes to the team's scheduling rules (default
-- cadences, relationship settings), moved on by triggers whatever writes them, so a process
-- can reuse the rules it read for as long as the counter is unchanged.
ALTER TABLE data_version ADD COLUMN rules_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER cadence_defaults_inserted AFTER INSERT ON cadence_defaults
BEGIN UPDATE data_version SET rules_version = rules_version + 1 WHERE id = 1; END;
CREATE TRIGGER cadence_defaults_updated AFTER UPDATE ON cadence_defaults
BEGIN UPDATE data_version SET rules_version = rules_version + 1 WHERE id = 1; END;
CREATE TRIGGER cadence_defaults_deleted AFTER DELETE ON cadence_defaults
BEGIN UPDATE data_version SET rules_version = rules_version + 1 WHERE id = 1; END;
CREATE TRIGGER relationship_settings_inserted AFTER INSERT ON relationship_settings
BEGIN UPDATE data_version SET rules_version = rules_version + 1 WHERE id = 1; END;
CREATE TRIGGER relationship_settings_updated AFTER UPDATE ON relationship_settings
BEGIN UPDATE data_version SET rules_version = rules_version + 1 WHERE id = 1; END;
CREATE TRIGGER relationship_settings_deleted AFTER DELETE ON relationship_settings
BEGIN UPDATE data_version SET rules_version = rules_version + 1 WHERE id = 1; END;
