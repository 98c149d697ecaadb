#!/usr/bin/env python3
"""What the shape of the import's writes costs SQLite (docs/benchmarks.md, session 11):

    pip install "apsw>=3.46,<3.47"      # the SQLite our libsqlite3-sys bundles
    benches/import/write-shapes.py BOOK.db EMPTY.db

BOOK.db is a book the import filled (the 1M-row benchmark file), EMPTY.db a migrated empty
book, as for sqlite-floor.py. A copy of EMPTY.db receives BOOK.db's contacts, emails, phones
and tags with `INSERT ... SELECT` in 1,310-row statements (as many as the import binds to
one), chunk by chunk as the import writes them, under each variant below; the search rows are
left out. Each variant runs on a fresh copy; times are for the rows, then the commit.
"""
import importlib.util
import os
import shutil
import sys
import tempfile
import time

import apsw

# The import's triggers, page cache and `run` as sqlite-floor.py states them (from intake.rs).
_spec = importlib.util.spec_from_file_location(
    "sqlite_floor", os.path.join(os.path.dirname(os.path.abspath(__file__)), "sqlite-floor.py"))
_floor = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_floor)
TRIGGERS, CACHE, run = _floor.TRIGGERS, _floor.CACHE, _floor.run

# bulk.rs: rows per contacts statement.
ROWS_PER_STATEMENT = 1310
CHILDREN = ["contact_emails", "contact_phones", "contact_tags"]

# (label, contacts per chunk, foreign keys on, INSERT verb)
VARIANTS = [
    ("5,000-contact chunks, foreign keys on (as before cf59711)", 5_000, True, "INSERT"),
    ("one table after the other, foreign keys on", 10**9, True, "INSERT"),
    ("5,000-contact chunks, foreign keys on, OR FAIL", 5_000, True, "INSERT OR FAIL"),
    ("5,000-contact chunks, foreign keys off", 5_000, False, "INSERT"),
    ("5,000-contact chunks, foreign keys off, OR FAIL (cf59711)", 5_000, False, "INSERT OR FAIL"),
]


def copy(book, empty, workdir, chunk, foreign_keys, verb):
    """One variant on a fresh copy of `empty`: seconds for the rows, then for the commit."""
    target = os.path.join(workdir, "shape.db")
    for suffix in ["", "-wal", "-shm"]:
        if os.path.exists(target + suffix):
            os.remove(target + suffix)
    shutil.copy(empty, target)
    db = apsw.Connection(target)
    run(db, f"{CACHE}; PRAGMA journal_mode = WAL; PRAGMA temp_store = MEMORY; "
            f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}; ATTACH '{book}' AS book")
    last = db.execute("SELECT max(id) FROM book.contacts").fetchall()[0][0]
    run(db, "BEGIN IMMEDIATE")
    for trigger in TRIGGERS:
        run(db, f"DROP TRIGGER {trigger}")
    run(db, f"{verb} INTO organizations SELECT * FROM book.organizations")
    start = time.perf_counter()
    for first in range(1, last + 1, chunk):
        end = min(first + chunk - 1, last)
        for low in range(first, end + 1, ROWS_PER_STATEMENT):
            high = min(low + ROWS_PER_STATEMENT - 1, end)
            run(db, f"{verb} INTO contacts SELECT * FROM book.contacts "
                    f"WHERE id BETWEEN {low} AND {high}")
        for table in CHILDREN:
            run(db, f"{verb} INTO {table} SELECT * FROM book.{table} "
                    f"WHERE contact_id BETWEEN {first} AND {end}")
    rows = time.perf_counter() - start
    run(db, "COMMIT")
    db.close()
    return rows, time.perf_counter() - start - rows


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    book, empty = sys.argv[1], sys.argv[2]
    print(f"SQLite {apsw.sqlite_lib_version()}")
    with tempfile.TemporaryDirectory() as workdir:
        for label, chunk, foreign_keys, verb in VARIANTS:
            rows, commit = copy(book, empty, workdir, chunk, foreign_keys, verb)
            print(f"  {label:<62} rows {rows:5.2f} s, commit {commit:4.2f} s", flush=True)


if __name__ == "__main__":
    main()
