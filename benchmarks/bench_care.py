"""How long generating and listing the day's care tasks takes, on SQLite and PostgreSQL.

    python benchmarks/bench_care.py --db sqlite:///tmp/care.db [--db postgresql://…]
        [--customers 100000] [--purchases 1000000] [--runs 3]

Fills an EMPTY database like bench_segments.py (customers, ~1,000,000 purchases over two
years, 15 % never bought, 20 % lapsed), then adds what the care rules read: a birthday
for 70 % of customers, the day each was added spread over three years (so only the last
days' ones get a welcome), a marketing consent for 30 %, and 3,000 complaints. A database
that already has customers is used as it is. The default rules are created, then timed:

  first run   no care task yet: care_rules.generate() catches up the last 14 days
              (care_catch_up_days) and 7 days ahead, then care.sheet() lists the overdue
              and due tasks with their filled messages: the worst morning;
  re-run      the same day again: nothing to create (the window's restart);
  next day    the day after: one day's new tasks, and the sheet;
  next day, all read  the day after again, as after an edit (of a rule, a customer, a
              consent, an older purchase…): generate() reads everything again instead of
              only what is new since its last run (the setting care_generated).

Prints median and max of each, and the counts. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_segments import TODAY, fill  # noqa: E402

from shopcrm.core import care, care_rules  # noqa: E402
from shopcrm.db import connection  # noqa: E402
from shopcrm.db.connection import db  # noqa: E402
from shopcrm.db.models import CareTask, Customer, Feedback, Purchase  # noqa: E402
from shopcrm.db.session import open_database  # noqa: E402


def fill_care(seed: int = 2) -> None:
    """Birthdays, creation days, marketing consents and complaints for the filled customers."""
    rng = random.Random(seed)
    ids = [cid for (cid,) in db.execute_sql("SELECT id FROM customer ORDER BY id").fetchall()]
    base = dt.datetime.combine(TODAY, dt.time(3, 0))
    people, consents, complaints = [], [], []
    for cid in ids:
        birthday = (dt.date.fromordinal(rng.randint(dt.date(1950, 1, 1).toordinal(),
                                                    dt.date(2008, 12, 31).toordinal()))
                    if rng.random() < 0.7 else None)
        people.append((birthday, base - dt.timedelta(days=rng.randint(0, 1095)), cid))
        if rng.random() < 0.3:
            consents.append((cid, "marketing", base, "tại cửa hàng"))
    for cid in rng.sample(ids, 3000):
        complaints.append((cid, base - dt.timedelta(days=rng.randint(0, 400)), "complaint",
                           "Giao hàng chậm", "open"))
    with db.atomic():
        cursor = db.cursor()
        mark = "?" if connection.is_sqlite() else "%s"
        cursor.executemany(f"UPDATE customer SET birthday = {mark}, created_at = {mark} "
                           f"WHERE id = {mark}", people)
        _insert(cursor, "consent", ("customer_id", "purpose", "given_at", "channel"), consents)
        _insert(cursor, "feedback", ("customer_id", "at", "kind", "comment", "status"),
                complaints)
    if not connection.is_sqlite():
        db.execute_sql("ANALYZE")
    print(f"  care data: {sum(1 for p in people if p[0]):,} birthdays, {len(consents):,} "
          f"marketing consents, {len(complaints):,} complaints")


def _insert(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    names = ", ".join(columns)
    if connection.is_sqlite():
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES "
                           f"({', '.join('?' * len(columns))})", rows)
    else:
        from psycopg2.extras import execute_values

        execute_values(cursor, f"INSERT INTO {table} ({names}) VALUES %s", rows,
                       page_size=5000)


def show(label: str, times: list[float], extra: str = "") -> None:
    print(f"  {label:34} median {statistics.median(times):6.3f} s, max {max(times):6.3f} s "
          f"({len(times)} runs){extra}")


def day(today: dt.date) -> tuple[float, float, float, care_rules.Generated, int]:
    """generate + sheet for `today`: (generate s, sheet s, total s, generated, rows)."""
    start = time.perf_counter()
    generated = care_rules.generate(today)
    middle = time.perf_counter()
    rows = care.sheet(today)
    end = time.perf_counter()
    return middle - start, end - middle, end - start, generated, len(rows)


def measure(url: str, customers: int, purchases: int, runs: int) -> None:
    open_database(url)
    if not Customer.select().exists():
        fill(customers, purchases)
        fill_care()
    print(f"{connection.redact(url)}: {Customer.select().count():,} customers, "
          f"{Purchase.select().count():,} purchases, "
          f"{Feedback.select().where(Feedback.kind == 'complaint').count():,} complaints")
    care_rules.ensure_default_rules()
    cases = {"first run": [], "re-run": [], "next day": [], "next day, all read": []}
    counts = {}
    for _ in range(runs):
        CareTask.delete().execute()
        care_rules.forget_generated()
        if not connection.is_sqlite():
            db.execute_sql("VACUUM ANALYZE care_task")
        cases["first run"].append(day(TODAY))
        cases["re-run"].append(day(TODAY))
        cases["next day"].append(day(TODAY + dt.timedelta(days=1)))
        care_rules.forget_generated()  # as after an edit: everything read again
        cases["next day, all read"].append(day(TODAY + dt.timedelta(days=1)))
    for label, results in cases.items():
        _, _, _, generated, rows = results[-1]
        counts[label] = (generated, rows)
        show(f"{label}: generate", [r[0] for r in results],
             f", {generated.total:,} created, {generated.removed} removed")
        show(f"{label}: sheet", [r[1] for r in results], f", {rows:,} rows")
        show(f"{label}: generate + sheet", [r[2] for r in results])
    print(f"    first run created {counts['first run'][0].created}")
    print(f"    next day created  {counts['next day'][0].created}")
    connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=True, help="database URL (repeatable)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--purchases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print("Method: care_rules.generate(): per rule one range query on an indexed date (purchases, "
          "complaints, customers added) or a month-day filter (birthdays), keys computed in "
          "Python, the existing keys read by one range on the due-date index, the new "
          "tasks written in one bulk INSERT (executemany / execute_values); a run remembers "
          "what it read (care_generated) and the next one reads only the days and rows new "
          "since. care.sheet(): one query for the rows, then the last purchase of their "
          "customers (one correlated subquery per customer, then by id) where a template "
          "uses it, the total spent only for {points}; templates parsed once.")
    for url in args.db:
        measure(url, args.customers, args.purchases, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
