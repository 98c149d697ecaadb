-- Rapport schema, version 15: touches are indexed for search in batches (touch_index.rs).
-- One FTS5 row written inside each touch's own transaction cost about 0.2 ms of the server's
-- CPU per touch (a new index segment per transaction, and its merges): a third of the whole
-- write. Now a touch's transaction writes nothing for search. The index keeps a high-water
-- mark instead — every touch up to `through` is indexed, none after it — and catches up in
-- batches: a server's background step, and any search before it reads.
DROP TRIGGER touch_text_insert;

CREATE TABLE touch_text_indexed (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    through BIGINT NOT NULL
);
INSERT INTO touch_text_indexed (id, through) SELECT 1, COALESCE(MAX(id), 0) FROM touches;

-- An edit or a deletion reaches the index only for a touch the index holds: the catch-up
-- reads a later touch as it then stands, and FTS5 must never be told to delete a row it
-- was not given.
DROP TRIGGER touch_text_update;
CREATE TRIGGER touch_text_update AFTER UPDATE OF summary, needs, next_approach ON touches
WHEN OLD.id <= (SELECT through FROM touch_text_indexed WHERE id = 1) BEGIN
    INSERT INTO touch_text (touch_text, rowid, summary, needs, next_approach)
    VALUES ('delete', OLD.id, OLD.summary, OLD.needs, OLD.next_approach);
    INSERT INTO touch_text (rowid, summary, needs, next_approach)
    VALUES (NEW.id, NEW.summary, NEW.needs, NEW.next_approach);
END;

-- SQLite gives a new touch the largest id plus one: when the newest indexed touch is deleted,
-- its id comes back, so the mark steps back below it lest the new touch count as indexed.
DROP TRIGGER touch_text_delete;
CREATE TRIGGER touch_text_delete AFTER DELETE ON touches
WHEN OLD.id <= (SELECT through FROM touch_text_indexed WHERE id = 1) BEGIN
    INSERT INTO touch_text (touch_text, rowid, summary, needs, next_approach)
    VALUES ('delete', OLD.id, OLD.summary, OLD.needs, OLD.next_approach);
    UPDATE touch_text_indexed SET through = (SELECT COALESCE(MAX(id), 0) FROM touches)
    WHERE id = 1 AND through > (SELECT COALESCE(MAX(id), 0) FROM touches);
END;
