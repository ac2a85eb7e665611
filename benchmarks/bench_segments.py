"""How long recomputing every customer's segments takes, on SQLite and PostgreSQL.

    python benchmarks/bench_segments.py --db sqlite:///tmp/seg.db [--db postgresql://…]
        [--customers 100000] [--purchases 1000000] [--runs 5]

Fills an EMPTY database (opening it migrates it) with customers and purchases written
straight by the driver (the demo generator is far slower, and makes fewer purchases
per customer): 15 % of customers never bought, the others 1 to ~25 purchases over two
years, some long ago (lapsed), amounts 50,000 to 20,000,000 ₫. A database that already
has customers is used as it is. Then times `core.segments.recompute_all()`:
  cold   every cached segment cleared first, so every customer is written (first run,
         or rules changed for everyone),
  warm   nothing changed since the last run (the daily recompute_if_stale),
and one `recompute_customer()` (what each purchase write adds), beside the floor: one
plain UPDATE of every customer row. Prints median and max.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time

from shopcrm.core import segments
from shopcrm.db import connection
from shopcrm.db.connection import db
from shopcrm.db.models import Customer, Purchase, utcnow
from shopcrm.db.session import open_database

TODAY = dt.date(2026, 6, 30)


def fill(customers: int, purchases: int, seed: int = 1) -> None:
    """Customers KB000001… and about `purchases` purchases, written by the driver."""
    rng = random.Random(seed)
    now = utcnow()
    rows = [(f"KB{n:06d}", f"Khách {n}", f"khach {n}", f"khach {n:06d}", now, now)
            for n in range(1, customers + 1)]
    _insert("customer", ("code", "name", "search_key", "sort_key", "created_at", "updated_at"),
            rows, defaults="kind, relation, role_buyer, role_user, role_beneficiary, gender, "
                           "version", default_values="'individual', 'external', TRUE, FALSE, "
                                                     "FALSE, 'unknown', 1")
    ids = [cid for (cid,) in db.execute_sql("SELECT id FROM customer ORDER BY id").fetchall()]
    buyers = [cid for cid in ids if rng.random() >= 0.15]
    per_buyer = purchases / len(buyers)
    start = TODAY.toordinal() - 730
    made = []
    for cid in buyers:
        count = max(1, int(rng.expovariate(1 / per_buyer)))
        stop = TODAY.toordinal() - (rng.randrange(200, 700) if rng.random() < 0.2 else 0)
        for _ in range(count):
            day = dt.date.fromordinal(rng.randint(start, stop))
            made.append((cid, day, int(rng.lognormvariate(13.5, 1.0)) // 1000 * 1000 + 1000,
                         "store", now))
    _insert("purchase", ("customer_id", "date", "amount", "channel", "created_at"), made)
    print(f"  filled: {customers:,} customers, {len(made):,} purchases")


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple], defaults: str = "",
            default_values: str = "") -> None:
    names = ", ".join(columns) + (f", {defaults}" if defaults else "")
    tail = f", {default_values}" if default_values else ""
    with db.atomic():
        cursor = db.cursor()
        if connection.is_sqlite():
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}{tail})", rows)
        else:
            from psycopg2.extras import execute_values

            execute_values(cursor, f"INSERT INTO {table} ({names}) VALUES %s", rows,
                           template=f"({', '.join(['%s'] * len(columns))}{tail})",
                           page_size=5000)
    if not connection.is_sqlite():
        db.execute_sql(f"ANALYZE {table}")


def update_every_row() -> None:
    """What the cold case cannot beat: every row rewritten (PostgreSQL: with all 15 indexes)."""
    with db.atomic() as transaction:
        Customer.update(funnel_segment=None).execute()
        transaction.rollback()


def timed(func, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def show(label: str, times: list[float], extra: str = "") -> None:
    print(f"  {label:28} median {statistics.median(times):6.3f} s, max {max(times):6.3f} s "
          f"({len(times)} runs){extra}")


def measure(url: str, customers: int, purchases: int, runs: int) -> None:
    open_database(url)
    if not Customer.select().exists():
        fill(customers, purchases)
    total, bought = Customer.select().count(), Purchase.select().count()
    print(f"{connection.redact(url)}: {total:,} customers, {bought:,} purchases")

    def cold():
        Customer.update(funnel_segment=None, value_tier=None).execute()
        if not connection.is_sqlite():  # as a first run finds the table: no dead rows
            db.execute_sql("VACUUM ANALYZE customer")
        start = time.perf_counter()
        result = segments.recompute_all(TODAY)
        cold.times.append(time.perf_counter() - start)
        cold.result = result

    cold.times = []
    for _ in range(runs):
        cold()
    show("recompute_all, cold", cold.times, f", {cold.result.changed:,} written")
    print(f"    funnel {cold.result.funnel}\n    tier   {cold.result.tier}")
    show("recompute_all, warm", timed(lambda: segments.recompute_all(TODAY), runs))
    show("floor: one UPDATE of all rows", timed(update_every_row, runs),
         " (the database's own cost of rewriting every customer row, rolled back)")
    some = Customer.select(Customer.id).order_by(Customer.id.desc()).scalar()
    show("recompute_customer (one)", timed(lambda: segments.recompute_customer(some, TODAY),
                                           runs))
    connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=True, help="database URL (repeatable)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--purchases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print("Method: segments.recompute_all(). SQLite: one GROUP BY customer over all purchases "
          "(sum, first, last, distinct days in the loyalty window) + one GROUP BY customer, "
          "day over the purchases of the last first_big_days; classification in Python; "
          "changed rows written as one UPDATE … WHERE id IN (≤900 ids) per (segment, tier) "
          "pair. PostgreSQL: the same aggregates into a temporary table (work_mem 64MB), the "
          "cuts from its totals in Python, then one UPDATE … FROM with the rules as SQL CASE, "
          "only where IS DISTINCT FROM. All in one transaction.")
    for url in args.db:
        measure(url, args.customers, args.purchases, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
