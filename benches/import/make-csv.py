#!/usr/bin/env python3
"""A large contacts spreadsheet for the import benchmark (docs/benchmarks.md):

    benches/import/make-csv.py ROWS > contacts.csv

Seeded, so every run writes the same file. Columns in a spreadsheet's spellings (Full Name,
E-mail Address, Mobile Phone, Company, Job Title, Tags, Tier) plus one Rapport has no field
for ("Met at", kept as a note); about 20,000 companies; 70% of rows have a phone; one row in
a thousand has a bad email (rejected, reported) and one in a thousand repeats an earlier
person (matched, not doubled)."""
import csv
import random
import sys

GIVEN = ["Ada", "Grace", "Alan", "Katherine", "Dana", "Zoë", "Jörg", "Mia", "Noah", "Liam",
         "Olivia", "Emma", "Lucas", "Sofia", "Mateo", "Amara", "Kenji", "Priya", "Omar", "Ines"]
FAMILY = ["Lovelace", "Hopper", "Turing", "Johnson", "Whitfield", "Müller", "Okafor", "Silva",
          "Nakamura", "Patel", "Haddad", "García", "Novak", "Kowalski", "Larsen", "Dubois"]
TITLES = ["CTO", "Head of Data", "VP Sales", "Procurement Lead", "CEO", "Engineer", ""]
TAGS = ["summit", "webinar", "referral", "conference", "cold", ""]
TIERS = ["A", "B", "C", "D", "", "", ""]


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(20261125)
    out = csv.writer(sys.stdout, lineterminator="\r\n")
    out.writerow(["Full Name", "E-mail Address", "Mobile Phone", "Company", "Job Title", "Tags",
                  "Tier", "Met at"])
    for i in range(rows):
        n = i
        if i % 1000 == 999:
            n = i - 500  # the same person again
        # Every (name, company) pair differs within 13 million rows, so only the repeats
        # below match an earlier row by name at their organization.
        g = GIVEN[n % 20]
        m = chr(65 + (n // 20) % 26)
        f = FAMILY[(n // 520) % 16]
        k = chr(65 + (n // 8320) % 26)
        email = f"{g.lower()}.{n}@company{n % 20000}.example"
        if i % 1000 == 500:
            email = f"not-an-email-{n}"
        phone = f"+1 555 {n % 1000:03d} {n // 1000:04d}" if n % 10 < 7 else ""
        out.writerow([f"{g} {m}. {k}. {f}", email, phone, f"Company {n % 20000}",
                      rng.choice(TITLES), rng.choice(TAGS), rng.choice(TIERS),
                      "Summit 2026" if n % 50 == 0 else ""])


if __name__ == "__main__":
    main()
