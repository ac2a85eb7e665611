"""How long the reports dashboard takes to compute, on SQLite and PostgreSQL.

    python benchmarks/bench_reports.py --db sqlite:///tmp/reports.db [--db postgresql://…]
        [--customers 100000] [--purchases 1000000] [--runs 3] [--months 12]

Fills an EMPTY database (opening it migrates it) through the driver, as
bench_segments.py does, but closer to a shop's own history:
  customers  added over three years (created_at), 1 % in the trash, a source for 90 %,
             a province for 80 % (30 names, skewed), 10 % referred by an earlier customer;
  purchases  about `purchases` of them over two years (15 % of customers never bought,
             20 % stopped long ago), written in DATE order as a shop records them (not
             grouped by customer, which would make every per-customer scan sequential);
  feedback   40,000 ratings over two years, 4,000 of them complaints (85 % resolved
             0-20 days later);
  care tasks 200,000 over two years: done (on time or late), skipped or still planned;
and the segments computed once (core.segments.recompute_all). A database that already
has customers is used as it is. Then times `core.reports.dashboard()` for the last
`months` months up to the benchmark's today, figure by figure and in total: median and
max of `runs` runs. Figures are printed, never asserted.
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

from bench_segments import TODAY, _insert  # noqa: E402

from shopcrm.core import reports, segments  # noqa: E402
from shopcrm.db import connection  # noqa: E402
from shopcrm.db.connection import db  # noqa: E402
from shopcrm.db.models import SOURCE_CHOICES, Customer, Purchase  # noqa: E402
from shopcrm.db.session import open_database  # noqa: E402

PROVINCES = ("Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Bình Dương",
             "Đồng Nai", "Khánh Hòa", "Lâm Đồng", "Nghệ An", "Thanh Hóa", "Quảng Ninh",
             "Thừa Thiên Huế", "Bắc Ninh", "Long An", "Bà Rịa - Vũng Tàu", "Kiên Giang",
             "An Giang", "Tiền Giang", "Nam Định", "Thái Bình", "Hải Dương", "Vĩnh Phúc",
             "Phú Thọ", "Bình Định", "Quảng Nam", "Gia Lai", "Đắk Lắk", "Cà Mau", "Sóc Trăng")


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=rng.randrange(86_400))


def fill(customers: int, purchases: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    now = dt.datetime.combine(TODAY, dt.time(10))
    first_day = TODAY.toordinal() - 3 * 365
    rows = []
    for n in range(1, customers + 1):
        created = _moment(rng, dt.date.fromordinal(first_day + (n * 3 * 365) // customers))
        referrer = rng.randrange(1, n) if n > 10 and rng.random() < 0.10 else None
        rows.append((f"KB{n:06d}", f"Khách {n}", f"khach {n}", f"khach {n:06d}", created, now,
                     now if rng.random() < 0.01 else None,
                     rng.choice(SOURCE_CHOICES) if rng.random() < 0.9 else None,
                     PROVINCES[min(int(rng.expovariate(0.15)), len(PROVINCES) - 1)]
                     if rng.random() < 0.8 else None, referrer))
    # Customer ids are 1..customers in an empty database: referrers point backwards.
    _insert("customer", ("code", "name", "search_key", "sort_key", "created_at", "updated_at",
                         "deleted_at", "source", "province", "referred_by_id"), rows,
            defaults="kind, relation, role_buyer, role_user, role_beneficiary, gender, version",
            default_values="'individual', 'external', TRUE, FALSE, FALSE, 'unknown', 1")
    ids = [cid for (cid,) in db.execute_sql("SELECT id FROM customer ORDER BY id").fetchall()]
    buyers = [cid for cid in ids if rng.random() >= 0.15]
    per_buyer = purchases / len(buyers)
    start = TODAY.toordinal() - 730
    made = []
    for cid in buyers:
        count = max(1, int(rng.expovariate(1 / per_buyer)))
        stop = TODAY.toordinal() - (rng.randrange(200, 700) if rng.random() < 0.2 else 0)
        for _ in range(count):
            made.append((cid, dt.date.fromordinal(rng.randint(start, stop)),
                         int(rng.lognormvariate(13.5, 1.0)) // 1000 * 1000 + 1000, "store", now))
    made.sort(key=lambda row: row[1])
    _insert("purchase", ("customer_id", "date", "amount", "channel", "created_at"), made)
    del made
    feedback = []
    for i in range(40_000):
        at = _moment(rng, dt.date.fromordinal(rng.randint(start, TODAY.toordinal())))
        complaint = i % 10 == 0
        resolved = at + dt.timedelta(hours=rng.randrange(1, 480)) if complaint and \
            rng.random() < 0.85 else None
        status = ("resolved" if resolved else rng.choice(("open", "in_progress"))) \
            if complaint else None
        feedback.append((rng.choice(ids), at, rng.randint(1, 5),
                         "complaint" if complaint else "praise", status, resolved))
    feedback.sort(key=lambda row: row[1])
    _insert("feedback", ("customer_id", "at", "rating", "kind", "status", "resolved_at"),
            feedback)
    tasks = []
    for _ in range(200_000):
        due = dt.date.fromordinal(rng.randint(start, TODAY.toordinal() + 30))
        roll = rng.random()
        if due > TODAY or roll < 0.1:
            status, done = "planned", None
        elif roll < 0.2:
            status, done = "skipped", _moment(rng, due)
        else:
            status, done = "done", _moment(rng, due + dt.timedelta(days=rng.choice((0, 0, 0, 1, 3))))
        tasks.append((rng.choice(ids), "custom", "post_sale", due, status, now, done))
    tasks.sort(key=lambda row: row[3])
    _insert("care_task", ("customer_id", "task_type", "stage", "due_date", "status",
                         "created_at", "done_at"), tasks)
    result = segments.recompute_all(TODAY)
    print(f"  filled: {customers:,} customers, {sum(1 for _ in buyers):,} buyers, "
          f"purchases as asked, {len(feedback):,} feedback, {len(tasks):,} care tasks; "
          f"segments {result.funnel}")


def measure(url: str, customers: int, purchases: int, runs: int, months: int) -> None:
    open_database(url)
    if not Customer.select().exists():
        fill(customers, purchases)
    total, bought = Customer.select().count(), Purchase.select().count()
    print(f"{connection.redact(url)}: {total:,} customers, {bought:,} purchases")
    end = TODAY
    start = segments.months_before(TODAY, months) + dt.timedelta(days=1)
    start = start.replace(day=1) if start.day != 1 else start
    period = reports.Period(start, end)
    print(f"  period {start} .. {end}")
    per_figure: dict[str, list[float]] = {}
    totals = []
    for _ in range(runs):
        timings: dict[str, float] = {}
        began = time.perf_counter()
        board = reports.dashboard(period, TODAY, timings=timings)
        totals.append(time.perf_counter() - began)
        for name, seconds in timings.items():
            per_figure.setdefault(name, []).append(seconds)
    for name, times in per_figure.items():
        print(f"  {name:28} median {statistics.median(times):6.3f} s, max {max(times):6.3f} s")
    print(f"  {'dashboard() total':28} median {statistics.median(totals):6.3f} s, "
          f"max {max(totals):6.3f} s ({runs} runs)")
    began = time.perf_counter()
    sheets = reports.sheets(board)
    print(f"  {'sheets()':28} {time.perf_counter() - began:6.3f} s, {len(sheets)} sheets")
    print(f"    buyers {board.repeat.buyers:,}, repeat {board.repeat.rate:.1%}, retention "
          f"{board.retention.retained:,}/{board.retention.at_start:,} = "
          f"{board.retention.rate:.1%}, lapsed {board.lapsed[-1] if board.lapsed else None}")
    connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=True, help="database URL (repeatable)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--purchases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args(argv)
    print("Method: core.reports.dashboard(): the period's purchases grouped by customer, an "
          "EXISTS per customer for 'bought before the period', one bit mask per customer of "
          "the purchases near the lapsed days (indented: those steps), GROUP BY day for "
          "revenue, small aggregate queries for the rest.")
    for url in args.db:
        measure(url, args.customers, args.purchases, args.runs, args.months)
    return 0


if __name__ == "__main__":
    sys.exit(main())
