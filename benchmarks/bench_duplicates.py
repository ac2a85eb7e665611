"""How long Customer > Find duplicates takes, on SQLite and PostgreSQL.

    python benchmarks/bench_duplicates.py --db sqlite:///path/copy-of-shop.db [--db postgresql://…]

Times `core.duplicates.find_duplicates()` (best of a few runs) and each of its four
queries alone, with the number of groups each finds. Use a copy: opening a database
migrates it. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import sys
import time

from shopcrm.core import duplicates
from shopcrm.db import connection
from shopcrm.db.connection import db
from shopcrm.db.models import Customer
from shopcrm.db.session import open_database


def measure(url: str, runs: int) -> None:
    open_database(url)
    total = Customer.select().count()
    print(f"{connection.redact(url)}: {total:,} customers")
    for reason in duplicates.REASONS:
        sql = duplicates._QUERIES[reason]().replace("{limit}", "1000000")
        start = time.perf_counter()
        found = len(db.execute_sql(sql).fetchall())
        print(f"  {reason:13} {found:6,} groups  {time.perf_counter() - start:6.3f} s")
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        groups = duplicates.find_duplicates()
        best = min(best, time.perf_counter() - start)
    print(f"  find_duplicates(limit=500): {len(groups)} groups, best of {runs}: {best:.3f} s")
    connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=True, help="database URL (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for url in args.db:
        measure(url, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
