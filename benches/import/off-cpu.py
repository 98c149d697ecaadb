#!/usr/bin/env python3
"""How long sqlx's SQLite thread was off its CPU during an import, and why (docs/benchmarks.md):

    perf record -e sched:sched_switch -o /tmp/sched.data $R --db /tmp/a.db ... import FILE
    perf script -i /tmp/sched.data -F comm,tid,time,trace > /tmp/sched.txt
    benches/import/off-cpu.py /tmp/sched.txt [FROM TO]

For each interval between the thread leaving a CPU and getting one back, FROM to TO seconds
after the first event (default 1 to 10.5: the chunk loop of a 1M-row import), sums the
intervals by the state it left in: S, waiting for work (sqlx's channel); R, runnable but
preempted by another thread; D, waiting for the disk.
"""
import collections
import re
import sys

SWITCH = re.compile(r"([\d.]+): prev_comm=(.*?) prev_pid=(\d+) prev_prio=\d+ "
                    r"prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)")


def main():
    path = sys.argv[1]
    start, end = (float(sys.argv[2]), float(sys.argv[3])) if len(sys.argv) > 3 else (1.0, 10.5)
    names, left, first = {}, {}, None
    by_state = collections.defaultdict(lambda: [0, 0.0])
    for line in open(path):
        event = SWITCH.search(line)
        if not event:
            continue
        at = float(event.group(1))
        first = at if first is None else first
        out_pid, in_pid = int(event.group(3)), int(event.group(6))
        names[out_pid], names[in_pid] = event.group(2), event.group(5)
        left[out_pid] = (at, event.group(4))
        if in_pid in left and names[in_pid].startswith("sqlx-sqlite"):
            since, state = left.pop(in_pid)
            if start <= since - first < end:
                by_state[state][0] += 1
                by_state[state][1] += at - since
    print(f"SQLite's thread off its CPU, {start}-{end} s:")
    for state, (count, seconds) in sorted(by_state.items()):
        print(f"  {state:<3} {count:>6} times  {seconds:6.2f} s")


if __name__ == "__main__":
    main()
