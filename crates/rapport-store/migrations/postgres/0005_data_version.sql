-- Rapport schema, version 5: a counter every write transaction moves on as it commits, so a
-- server can tell whether anything changed since it computed an answer (Store::data_version).
CREATE TABLE data_version (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 0);
