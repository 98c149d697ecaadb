-- Rapport schema, version 12: a counter of changes to the team's scheduling rules (default
-- cadences, relationship settings), moved on by triggers whatever writes them, so a process
-- can reuse the rules it read for as long as the counter is unchanged.
ALTER TABLE data_version ADD COLUMN rules_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION rules_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET rules_version = rules_version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER cadence_defaults_changed AFTER INSERT OR UPDATE OR DELETE ON cadence_defaults
FOR EACH STATEMENT EXECUTE FUNCTION rules_changed();
CREATE TRIGGER relationship_settings_changed
AFTER INSERT OR UPDATE OR DELETE ON relationship_settings
FOR EACH STATEMENT EXECUTE FUNCTION rules_changed();
