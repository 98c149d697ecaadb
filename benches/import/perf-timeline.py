#!/usr/bin/env python3
"""Where an import's threads spend their time, second by second (docs/benchmarks.md):

    perf record -F 499 -g -o /tmp/perf.data $R --db /tmp/ab.db ... import /tmp/contacts-1m.csv
    perf script -i /tmp/perf.data -F comm,time,ip,sym > /tmp/perf.txt
    benches/import/perf-timeline.py /tmp/perf.txt [FROM TO]

Prints, per two seconds, each thread's samples (at 499 Hz, 998 is a thread busy throughout)
and how many of SQLite's were in FTS5 (the search rows); then, for sqlx's SQLite thread
between FROM and TO seconds (the chunk loop), the functions its samples were in, inclusive.
"""
import collections
import re
import sys

THREADS = ["sqlx-sqlite-wor", "rapport", "tokio-rt-worker", "import-reader"]
SQLITE = THREADS[0]


def samples(path):
    """(thread, seconds, [function names, innermost first]) for each sample."""
    current, stack = None, []
    for line in open(path):
        header = re.match(r"\s*(\S+)\s+([\d.]+):\s*$", line)
        if header:
            if current:
                yield (*current, stack)
            current, stack = (header.group(1), float(header.group(2))), []
        elif line.strip():
            stack.append(re.sub(r"^\S+\s+", "", line.strip()))
    if current:
        yield (*current, stack)


def main():
    path = sys.argv[1]
    window = (float(sys.argv[2]), float(sys.argv[3])) if len(sys.argv) > 3 else None
    per_bucket, in_fts5, inclusive = collections.Counter(), collections.Counter(), collections.Counter()
    start, in_window = None, 0
    for thread, at, stack in samples(path):
        start = at if start is None else start
        seconds = at - start
        bucket = int(seconds / 2) * 2
        per_bucket[bucket, thread] += 1
        if any("fts5" in f for f in stack):
            in_fts5[bucket, thread] += 1
        if window and thread == SQLITE and window[0] <= seconds < window[1] and stack:
            in_window += 1
            for function in set(stack):
                inclusive[function] += 1
    print("from (s)  " + "  ".join(f"{t[:12]:>12}" for t in THREADS) + "   SQLite in FTS5")
    for bucket in sorted({b for b, _ in per_bucket}):
        counts = "  ".join(f"{per_bucket[bucket, t]:>12}" for t in THREADS)
        print(f"{bucket:>8}  {counts}   {in_fts5[bucket, SQLITE]:>14}")
    if window:
        print(f"\nSQLite's thread from {window[0]} to {window[1]} s: {in_window} samples")
        for function, count in inclusive.most_common(40):
            print(f"  {100 * count / in_window:5.1f} %  {function[:90]}")


main()
