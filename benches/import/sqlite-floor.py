#!/usr/bin/env python3
"""How fast SQLite alone writes what the import writes (docs/benchmarks.md):

    pip install apsw   # SQLite 3.54; Debian's 3.40 cannot read contentless_delete tables
    benches/import/sqlite-floor.py BOOK.db EMPTY.db
    JOURNAL=DELETE benches/import/sqlite-floor.py BOOK.db EMPTY.db   # a rollback journal

BOOK.db is a book the import filled (the 1M-row benchmark file); EMPTY.db a book with the
schema and nothing in it (`rapport --db EMPTY.db export --format csv > /dev/null`).
A copy of EMPTY.db receives BOOK.db's organizations, contacts, emails, phones and tags with
`INSERT ... SELECT`, in one transaction, as the import does: its row-by-row indexing triggers
dropped, its page cache, then the search rows written in one pass with its FTS5 settings. No
file is parsed, no row validated or matched and no value bound, so the time is a floor for
any import writing these rows into this schema with this SQLite. Then it times the search
rows again under other FTS5 settings, to show what each part of the search index costs.
"""
import os
import shutil
import sys
import tempfile
import time

import apsw

# The import writes in WAL, the book's mode; JOURNAL=DELETE times the same rows in a rollback
# journal, which writes a new book's pages once instead of to the WAL and then the database.
JOURNAL = os.environ.get("JOURNAL", "WAL")

# intake.rs: ROW_INDEXING_TRIGGERS, IMPORT_CACHE_KIB, IMPORT_AUTOMERGE, SEARCH_ROWS.
TRIGGERS = ["contact_text_insert", "contact_text_update", "contact_text_email_insert",
            "search_name_inbox_insert", "search_name_inbox_gather"]
CACHE = "PRAGMA cache_size = -65536"
SEARCH_ROWS = """SELECT c.id, c.name, o.name,
       (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id),
       c.notes
FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id"""
TABLES = ["organizations", "contacts", "contact_emails", "contact_phones", "contact_tags"]
# contact_text's settings since migration 0022, less its prefix indexes.
AS_0022 = "detail = column, tokenize = 'unicode61 remove_diacritics 2'"


def run(connection, sql):
    # apsw runs the statements of a string one by one as the cursor is read.
    for _ in connection.execute(sql):
        pass


def timed(label, connection, sql):
    start = time.perf_counter()
    run(connection, sql)
    seconds = time.perf_counter() - start
    print(f"  {label:<44} {seconds:6.2f} s", flush=True)
    return seconds


def floor(book, empty, workdir):
    target = f"{workdir}/floor.db"
    run(apsw.Connection(empty), "PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(empty, target)
    db = apsw.Connection(target)
    run(db, f"{CACHE}; PRAGMA journal_mode = {JOURNAL}; ATTACH '{book}' AS book")
    contacts = db.execute("SELECT count(*) FROM book.contacts").fetchall()[0][0]
    print(f"writing {contacts} contacts as the import does, SQLite alone:")
    run(db, "BEGIN IMMEDIATE")
    for trigger in TRIGGERS:
        run(db, f"DROP TRIGGER {trigger}")
    total = 0.0
    for table in TABLES:
        # The import writes in id order; so does this.
        order = "id" if table in ("organizations", "contacts") else "contact_id"
        total += timed(table, db, f"INSERT INTO {table} SELECT * FROM book.{table} ORDER BY {order}")
    total += timed("search rows (contact_text)", db,
                   "INSERT INTO contact_text (contact_text, rank) VALUES ('automerge', 16); "
                   f"INSERT INTO contact_text (rowid, name, organization, emails, notes) {SEARCH_ROWS}")
    total += timed("commit", db, "COMMIT")
    # What WAL's automatic checkpoint at the commit left to copy into the database.
    total += timed("checkpoint", db, "PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"  {'total':<44} {total:6.2f} s = {contacts / total:,.0f} rows/s")
    db.close()


def search_variants(book):
    db = apsw.Connection(book)
    run(db, CACHE)
    print("the search rows alone, under other FTS5 settings (rolled back):")
    without_emails = SEARCH_ROWS.replace(
        "(SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id)",
        "NULL")
    for label, options, rows in [
        ("as migration 0022 (detail=column, prefix 2 3)", f"{AS_0022}, prefix = '2 3'",
         SEARCH_ROWS),
        ("no prefix indexes", AS_0022, SEARCH_ROWS),
        ("no emails column", f"{AS_0022}, prefix = '2 3'", without_emails),
        ("the rows read, nothing indexed", None, SEARCH_ROWS),
    ]:
        run(db, "BEGIN")
        if options is None:
            timed(label, db, f"CREATE TEMP TABLE plain AS {rows}")
        else:
            run(db, "CREATE VIRTUAL TABLE variant USING fts5 (name, organization, emails, "
                f"notes, content = '', contentless_delete = 1, {options}); "
                "INSERT INTO variant (variant, rank) VALUES ('automerge', 16)")
            timed(label, db,
                  f"INSERT INTO variant (rowid, name, organization, emails, notes) {rows}")
        run(db, "ROLLBACK")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    book, empty = sys.argv[1], sys.argv[2]
    print(f"SQLite {apsw.sqlite_lib_version()}")
    with tempfile.TemporaryDirectory() as workdir:
        floor(book, empty, workdir)
    search_variants(book)


if __name__ == "__main__":
    main()
