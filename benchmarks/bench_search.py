"""How fast the customer list answers a search, on SQLite and PostgreSQL.

    python benchmarks/bench_search.py --db sqlite:///path/shop.db [--db postgresql://…]

Runs a few hundred realistic queries (name prefixes, given names, tone-less
full names, phone fragments) through `core.listing.find_ids(limit=200)` and then
fetches that first page of rows, as the list does per keystroke; prints the median and
95th percentile. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

from shopcrm.core import listing
from shopcrm.core.text import fold
from shopcrm.db import connection
from shopcrm.db.models import Customer
from shopcrm.db.session import open_database

PAGE = 200


def queries(count: int, seed: int = 7) -> list[str]:
    """Prefixes and words of real names and phones in the database, typed without tones."""
    rng = random.Random(seed)
    sample = list(Customer.select(Customer.name, Customer.phone).order_by(Customer.id)
                  .limit(5000).tuples())
    made = []
    while len(made) < count:
        name, phone = rng.choice(sample)
        words = fold(name).split()
        kind = rng.randrange(4)
        if kind == 0:
            made.append(words[-1][: rng.randint(2, len(words[-1]))])  # given name prefix
        elif kind == 1:
            made.append(" ".join(words))  # full name without tones
        elif kind == 2 and phone:
            made.append(phone[-rng.randint(4, 7):])  # last digits of a phone
        else:
            made.append(f"{words[0]} {words[-1]}")  # family + given
    return made


def measure(url: str, count: int) -> None:
    open_database(url)
    total = Customer.select().count()
    times = []
    for query in queries(count):
        start = time.perf_counter()
        ids = listing.find_ids(query, limit=PAGE)  # the first page, as the list asks
        listing.fetch_rows(ids[:PAGE])
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{connection.redact(url)}: {total:,} customers, {count} queries: "
          f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms")
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=True, help="database URL (repeatable)")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    print("Method: core.listing.find_ids(query, limit=200) + fetch_rows(those ids) per query; "
          "SQLite: FTS5 trigram index over ' ' + the tone-less search_key; PostgreSQL: "
          "LIKE on search_key with a pg_trgm GIN index. Up to 3,000 matches (counted through "
          "the index): read and sorted; more: the (deleted_at, sort_key, id) index walked to "
          "the limit. Words of 3+ characters match anywhere, of 2 a word start, of 1 anywhere.")
    for url in args.db:
        measure(url, args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
