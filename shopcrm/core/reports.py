"""The figures of the reports dashboard, computed with aggregate SQL (SQLite and PostgreSQL).

Every function returns plain data: lists of (key, value...) tuples (NamedTuples) or small
dataclasses; keys are month keys "YYYY-MM" and the English choice keys of db.models
(the UI translates them). `dashboard(period, today)` gathers them all and
`sheets(dashboard)` lays them out as spreadsheet tables for the .xlsx export.

Conventions, everywhere:
- Customers in the trash are left out of every figure, with their purchases, feedback
  and care tasks.
- A `Period` is a range of the shop's calendar days, both ends included. Timestamps are
  stored in UTC (created_at, Feedback.at, resolved_at, done_at): they are counted on the
  shop's (this computer's) local day, with the computer's UTC offset on the period's
  first day (Vietnam has no daylight saving time). Purchase dates and due dates are days.
- Per-month figures list every month the period touches, in order, zero when nothing
  happened; a month cut by the period counts only its days inside the period.
- "now" figures (segments, tiers, sources, provinces, open complaints) ignore the period.

How fast: the repeat rate, retention, the lapsed trend and the top customers
(`_activity`) read the period's purchases grouped by customer, one EXISTS per customer
for "bought before the period", and one bit mask per customer of the purchases near the
lapsed days, never a GROUP BY over the whole history; revenue is grouped by day in SQL and by month in Python; the rest are
small aggregates. 100,000 customers and 1,000,000 purchases: see bench_reports.py.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import heapq
import time
from calendar import monthrange
from collections import Counter
from typing import NamedTuple

from shopcrm.core.dates import as_date
from shopcrm.core.errors import QT_TRANSLATE_NOOP, ValidationError
from shopcrm.core.segments import SegmentRules
from shopcrm.db import connection
from shopcrm.db.connection import db
from shopcrm.db.models import FUNNEL_CHOICES, SOURCE_CHOICES, VALUE_CHOICES

TOP = 10  # top customers, top referrers, provinces and sources shown one by one
OTHERS = "__others__"  # the key of "all the others" after the top ones (sources, provinces)
# None as a key: not recorded (source, province), not computed yet (segment), or no
# purchase (value tier).

REPEAT_RATE_DEFINITION = QT_TRANSLATE_NOOP(
    "reports", "Repeat-purchase rate: of the customers who bought during the period, the "
               "share who bought on at least two different days in it.")
RETENTION_DEFINITION = QT_TRANSLATE_NOOP(
    "reports", "Retention rate: of the customers of the start (added before the first day "
               "of the period and who had bought before it), the share who bought again "
               "during the period.")
LAPSED_DEFINITION = QT_TRANSLATE_NOOP(
    "reports", "Lapsed customers: customers whose last purchase, at the end of each month, "
               "was more than {days} days before it.")
ON_TIME_DEFINITION = QT_TRANSLATE_NOOP(
    "reports", "On-time rate: of the care tasks due in the period and done, the share done "
               "on or before their due date.")
RESOLUTION_DEFINITION = QT_TRANSLATE_NOOP(
    "reports", "Average resolution time: the days from a complaint to its resolution, over "
               "the complaints resolved during the period.")


# -- the period ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Period:
    """The days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self):
        if self.start > self.end:
            raise ValidationError(QT_TRANSLATE_NOOP(
                "errors", "The period must start on or before the day it ends."))

    def months(self) -> list[Month]:
        """Every month the period touches, with its first and last day inside the period."""
        found = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            first = max(dt.date(year, month, 1), self.start)
            last = min(dt.date(year, month, monthrange(year, month)[1]), self.end)
            found.append(Month(f"{year:04d}-{month:02d}", first, last))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found


class Month(NamedTuple):
    key: str  # "YYYY-MM"
    first: dt.date
    last: dt.date


# -- the figures' shapes ---------------------------------------------------------------

class MonthRevenue(NamedTuple):
    month: str
    revenue: int  # VND
    purchases: int


class MonthRating(NamedTuple):
    month: str
    average: float | None  # None: no rating that month
    ratings: int


@dataclasses.dataclass(frozen=True)
class RepeatRate:
    """REPEAT_RATE_DEFINITION: repeaters / buyers (None when nobody bought)."""

    buyers: int  # customers who bought in the period
    repeaters: int  # of them, those who bought on at least 2 different days in it

    @property
    def rate(self) -> float | None:
        return _share(self.repeaters, self.buyers)


@dataclasses.dataclass(frozen=True)
class Retention:
    """RETENTION_DEFINITION: retained / at_start (None without customers at the start)."""

    at_start: int  # created before period.start and bought before period.start
    retained: int  # of them, those who bought during the period

    @property
    def rate(self) -> float | None:
        return _share(self.retained, self.at_start)


@dataclasses.dataclass(frozen=True)
class Complaints:
    open: int  # now, status "open"
    in_progress: int  # now, status "in_progress"
    resolved: int  # resolved during the period
    average_days: float | None  # RESOLUTION_DEFINITION; None when none was resolved

    @property
    def unresolved(self) -> int:
        return self.open + self.in_progress


@dataclasses.dataclass(frozen=True)
class CareFigures:
    """The care tasks due in the period, by what became of them (as of `today`)."""

    on_time: int  # done, on the local day of done_at <= due date
    late: int  # done after the due date
    overdue: int  # still planned and due before today
    skipped: int
    pending: int  # still planned, due today or later

    @property
    def done(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        """ON_TIME_DEFINITION: on_time / done (None when none was done)."""
        return _share(self.on_time, self.done)


class TopCustomer(NamedTuple):
    customer_id: int
    code: str
    name: str
    spent: int  # VND during the period
    purchases: int  # during the period


class TopReferrer(NamedTuple):
    customer_id: int
    code: str
    name: str
    referred: int  # customers not in the trash who name them as referrer (all time)
    referred_in_period: int  # of them, those added during the period


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# -- SQL for both databases ------------------------------------------------------------

def _sql(text: str) -> str:
    """`text` written with ? placeholders, for the database in use."""
    return text if connection.is_sqlite() else text.replace("?", db.param)


def _run(text: str, params=()) -> list[tuple]:
    return db.execute_sql(_sql(text), [_param(p) for p in params]).fetchall()


def _param(value):
    """SQLite compares dates and timestamps as text: give it the stored text form."""
    if connection.is_sqlite():
        if isinstance(value, dt.datetime):
            return value.isoformat(" ")
        if isinstance(value, dt.date):
            return value.isoformat()
    return value


def _offset(day: dt.date) -> int:
    """The computer's UTC offset (seconds) on `day`: local time = UTC + offset."""
    return int(dt.datetime.combine(day, dt.time(12)).astimezone().utcoffset().total_seconds())


def _utc(day: dt.date, offset: int) -> dt.datetime:
    """The naive UTC timestamp of the local midnight starting `day`."""
    return dt.datetime.combine(day, dt.time()) - dt.timedelta(seconds=offset)


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime, int]:
    """[from, to) in UTC covering the period's local days, and the offset used."""
    offset = _offset(period.start)
    return _utc(period.start, offset), _utc(period.end + dt.timedelta(days=1), offset), offset


def _local_month(column: str, offset: int) -> tuple[str, list]:
    """SQL of the local month key "YYYY-MM" of a UTC timestamp column, and its params."""
    if connection.is_sqlite():
        return f"substr(datetime({column}, ?), 1, 7)", [f"{offset:+d} seconds"]
    return f"to_char({column} + ? * interval '1 second', 'YYYY-MM')", [offset]


def _local_date(column: str, offset: int) -> tuple[str, list]:
    """SQL of the local day of a UTC timestamp column (SQLite: text 'YYYY-MM-DD')."""
    if connection.is_sqlite():
        return f"date({column}, ?)", [f"{offset:+d} seconds"]
    return f"CAST({column} + ? * interval '1 second' AS date)", [offset]


def _days_between(later: str, earlier: str) -> str:
    """SQL of the days (fractional) from one timestamp column to another."""
    if connection.is_sqlite():
        return f"(julianday({later}) - julianday({earlier}))"
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"


ALIVE = "deleted_at IS NULL"
# The rows of customers not in the trash (few are in it: one small hashed set).
OF_ALIVE = "customer_id NOT IN (SELECT id FROM customer WHERE deleted_at IS NOT NULL)"


def _per_month(period: Period, found: dict[str, object], empty=0) -> list[tuple[str, object]]:
    return [(month.key, found.get(month.key, empty)) for month in period.months()]


# -- customers now -----------------------------------------------------------------------

def _segment_pairs() -> Counter:
    return Counter({(funnel, tier): count for funnel, tier, count in _run(
        f"SELECT funnel_segment, value_tier, COUNT(*) FROM customer WHERE {ALIVE} "
        "GROUP BY funnel_segment, value_tier")})


def _ordered(counts: Counter, choices: tuple[str, ...]) -> list[tuple[str | None, int]]:
    """Every choice in its order (0 if none), then None when some have no value."""
    rows = [(choice, counts.get(choice, 0)) for choice in choices]
    rows += [(key, count) for key, count in counts.items() if key not in choices and count]
    return rows


def customers_by_segment() -> list[tuple[str | None, int]]:
    """(funnel segment, customers) now, in FUNNEL_CHOICES order, every segment present;
    then (None, n) for customers whose segment is not computed yet, if any. The cached
    Customer.funnel_segment is read (core.segments keeps it up to date)."""
    return _segments_now()[0]


def customers_by_tier() -> list[tuple[str | None, int]]:
    """(value tier, customers) now, in VALUE_CHOICES order; then (None, n): customers
    without a tier (no purchase, or not computed yet)."""
    return _segments_now()[1]


def _segments_now() -> tuple[list, list]:
    pairs = _segment_pairs()
    funnel, tier = Counter(), Counter()
    for (segment, value), count in pairs.items():
        funnel[segment] += count
        tier[value] += count
    return _ordered(funnel, FUNNEL_CHOICES), _ordered(tier, VALUE_CHOICES)


def customers_by_source() -> list[tuple[str | None, int]]:
    """(source, customers) now: the TOP most frequent sources by count (ties by key),
    then (OTHERS, n) for the rest and (None, n) for customers without a source, each
    only when not 0."""
    return _top_and_others("source")


def customers_by_province() -> list[tuple[str | None, int]]:
    """(province, customers) now, like customers_by_source(): the TOP provinces, OTHERS,
    then None for customers without a province."""
    return _top_and_others("province")


def _top_and_others(column: str) -> list[tuple[str | None, int]]:
    counts = Counter()
    for value, count in _run(f"SELECT {column}, COUNT(*) FROM customer WHERE {ALIVE} "
                             f"GROUP BY {column}"):
        counts[(value or "").strip() or None] += count
    unknown = counts.pop(None, 0)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    rows = ranked[:TOP]
    rest = sum(count for _, count in ranked[TOP:])
    if rest:
        rows.append((OTHERS, rest))
    if unknown:
        rows.append((None, unknown))
    return rows


assert len(SOURCE_CHOICES) <= TOP  # every source is shown by name


def top_referrers(period: Period, limit: int = TOP) -> list[TopReferrer]:
    """The customers who referred the most customers (all time), most first (ties: the
    one who referred most in the period, then the older customer); referrers and
    referred customers in the trash are left out."""
    start, stop, _ = _bounds(period)
    rows = _run("SELECT r.id, r.code, r.name, COUNT(*), "
                "COUNT(CASE WHEN c.created_at >= ? AND c.created_at < ? THEN 1 END) "
                "FROM customer c JOIN customer r ON r.id = c.referred_by_id "
                "WHERE c.deleted_at IS NULL AND r.deleted_at IS NULL "
                "GROUP BY r.id, r.code, r.name ORDER BY 4 DESC, 5 DESC, r.id LIMIT ?",
                [start, stop, limit])
    return [TopReferrer(cid, code, name, int(total), int(recent))
            for cid, code, name, total, recent in rows]


# -- per month ---------------------------------------------------------------------------

def new_customers_per_month(period: Period) -> list[tuple[str, int]]:
    """(month, customers added that month) for each month of the period, by the local
    day of Customer.created_at."""
    start, stop, offset = _bounds(period)
    month, params = _local_month("created_at", offset)
    found = dict(_run(f"SELECT {month}, COUNT(*) FROM customer WHERE {ALIVE} "
                      "AND created_at >= ? AND created_at < ? GROUP BY 1",
                      [*params, start, stop]))
    return _per_month(period, {key: int(count) for key, count in found.items()})


def revenue_per_month(period: Period) -> list[MonthRevenue]:
    """(month, revenue in VND, number of purchases) for each month of the period."""
    revenue, count = Counter(), Counter()
    for day, amount, purchases in _run(
            f'SELECT "date", SUM(amount), COUNT(*) FROM purchase WHERE "date" >= ? '
            f'AND "date" <= ? AND {OF_ALIVE} GROUP BY "date"', [period.start, period.end]):
        key = as_date(day).isoformat()[:7]
        revenue[key] += int(amount)
        count[key] += purchases
    return [MonthRevenue(month.key, revenue[month.key], count[month.key])
            for month in period.months()]


def average_rating_per_month(period: Period) -> list[MonthRating]:
    """(month, average stars, number of ratings) for each month of the period, over the
    feedback with a rating, by the local day of Feedback.at (average None: no rating)."""
    start, stop, offset = _bounds(period)
    month, params = _local_month('"at"', offset)
    found = {key: (int(total), int(count)) for key, total, count in _run(
        f'SELECT {month}, SUM(rating), COUNT(rating) FROM feedback WHERE rating IS NOT NULL '
        f'AND "at" >= ? AND "at" < ? AND {OF_ALIVE} GROUP BY 1', [*params, start, stop])}
    rows = []
    for key, (total, count) in _per_month(period, found, (0, 0)):
        rows.append(MonthRating(key, total / count if count else None, count))
    return rows


# -- complaints and care -----------------------------------------------------------------

def complaints(period: Period) -> Complaints:
    """Open and in-progress complaints now; complaints resolved during the period (local
    day of resolved_at) and their average resolution time in days (RESOLUTION_DEFINITION:
    from Feedback.at to resolved_at, fractional days)."""
    start, stop, _ = _bounds(period)
    days = _days_between("resolved_at", '"at"')
    row = _run(
        "SELECT COUNT(CASE WHEN status = 'open' THEN 1 END), "
        "COUNT(CASE WHEN status = 'in_progress' THEN 1 END), "
        "COUNT(CASE WHEN resolved_at >= ? AND resolved_at < ? THEN 1 END), "
        f"AVG(CASE WHEN resolved_at >= ? AND resolved_at < ? THEN {days} END) "
        f"FROM feedback WHERE kind = 'complaint' AND {OF_ALIVE}", [start, stop, start, stop])[0]
    return Complaints(int(row[0]), int(row[1]), int(row[2]),
                      None if row[3] is None else float(row[3]))


def care_tasks(period: Period, today: dt.date) -> CareFigures:
    """The care tasks due during the period: done on time (the local day of done_at on
    or before the due date; a done task without done_at counts as on time), done late,
    overdue (still planned and due before `today`), skipped, and pending (planned, due
    `today` or later)."""
    done_day, params = _local_date("done_at", _offset(period.start))
    row = _run(
        "SELECT "
        f"COUNT(CASE WHEN status = 'done' AND (done_at IS NULL OR {done_day} <= due_date) "
        "THEN 1 END), "
        f"COUNT(CASE WHEN status = 'done' AND {done_day} > due_date THEN 1 END), "
        "COUNT(CASE WHEN status = 'planned' AND due_date < ? THEN 1 END), "
        "COUNT(CASE WHEN status = 'skipped' THEN 1 END), "
        "COUNT(CASE WHEN status = 'planned' AND due_date >= ? THEN 1 END) "
        f"FROM care_task WHERE due_date >= ? AND due_date <= ? AND {OF_ALIVE}",
        [*params, *params, today, today, period.start, period.end])[0]
    return CareFigures(*(int(value) for value in row))


# -- the figures of each customer's purchases -----------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Activity:
    repeat: RepeatRate
    retention: Retention
    lapsed: list[tuple[str, int]]
    top: list[TopCustomer]


def _lapsed_days(period: Period, today: dt.date) -> list[tuple[str, dt.date]]:
    """(month, the day the lapsed customers are counted on): the month's last day in the
    period, or today for the current month; months after today have none."""
    return [(month.key, min(month.last, today)) for month in period.months()
            if month.first <= today]


def _activity(period: Period, today: dt.date, rules: SegmentRules | None,
              top: int = TOP, timings: dict[str, float] | None = None) -> _Activity:
    """Repeat rate, retention, lapsed trend and top customers from three queries that
    read only the purchases they need (no GROUP BY over the whole history):

    - per customer, the purchases of the period (a date range): first and last day,
      count and spend in it (repeat rate, top customers, "bought in the period");
    - the customers who bought before the period (an EXISTS per customer, served by the
      purchase's customer index): retention's customers of the start, and the customers
      who had bought by each lapsed day: those, plus the period's buyers whose first day
      in it is on or before that day;
    - the customers active on each lapsed day d (a purchase within [d - keep, d]): one
      bit mask per customer over the stretches the windows' edges cut the dates into.
    Lapsed on d = bought by d - active on d. `timings`, if given, receives the seconds
    of each query."""
    counted = _lapsed_days(period, today) if rules is not None else []
    keep = rules.lapsed_after_days if rules is not None else 0
    start_utc, _, _ = _bounds(period)
    timings = {} if timings is None else timings
    began = time.perf_counter()

    def lap(name):
        nonlocal began
        now = time.perf_counter()
        timings[name] = now - began
        began = now

    with db.atomic():
        if not connection.is_sqlite():  # the hash aggregates in memory, not in batches on disk
            db.execute_sql("SELECT set_config('work_mem', '64MB', true)")
        rows = _run('SELECT customer_id, MIN("date"), MAX("date"), COUNT(*), SUM(amount) '
                    f'FROM purchase WHERE "date" >= ? AND "date" <= ? AND {OF_ALIVE} '
                    "GROUP BY customer_id", [period.start, period.end])
        lap("  purchases in the period")
        before = dict(_run(
            "SELECT c.id, CASE WHEN c.created_at < ? THEN 1 ELSE 0 END FROM customer c "
            "WHERE c.deleted_at IS NULL AND EXISTS (SELECT 1 FROM purchase p "
            'WHERE p.customer_id = c.id AND p."date" < ?)', [start_utc, period.start]))
        lap("  bought before the period")
        active = _active(counted, keep)
        lap("  active on the lapsed days")
    buyers = repeaters = retained = 0
    at_start = sum(1 for created_before in before.values() if created_before)
    days = [day for _, day in counted]
    firsts = Counter()  # the first day in the period of its buyers who had not bought before
    spenders = []
    for cid, first, last, purchases, spent in rows:
        buyers += 1
        repeaters += first != last
        spenders.append((int(spent), purchases, cid))
        created_before = before.get(cid)
        if created_before is None:
            firsts[as_date(first)] += 1
        elif created_before:
            retained += 1
    lapsed = []
    for index, day in enumerate(days):
        bought = len(before) + sum(count for first, count in firsts.items() if first <= day)
        lapsed.append(bought - active[index])
    best = heapq.nlargest(top, spenders, key=lambda item: (item[0], -item[2]))
    names = dict((cid, (code, name)) for cid, code, name in _run(
        f"SELECT id, code, name FROM customer WHERE id IN ({', '.join('?' * len(best))})",
        [cid for _, _, cid in best])) if best else {}
    lap("  counted in Python, top names")
    return _Activity(RepeatRate(buyers, repeaters), Retention(at_start, retained),
                     [(key, count) for (key, _), count in zip(counted, lapsed)],
                     [TopCustomer(cid, *names[cid], spent, purchases)
                      for spent, purchases, cid in best])


_MASK_DAYS = 30  # lapsed days per bit-mask query: at most 2 * 30 + 1 = 61 bits


def _active(counted: list[tuple[str, dt.date]], keep: int) -> list[int]:
    """For each (month, day d) of `counted` (days in order), the customers not in the
    trash with a purchase within [d - keep, d]. The windows' edges cut the dates into
    stretches; one GROUP BY customer over the purchases from the first window's start
    to the last day ORs the bits of the stretches each customer bought in (SQLite: a sum
    of distinct powers of two), and a window is a run of stretches."""
    found = []
    for chunk in range(0, len(counted), _MASK_DAYS):
        days = [day for _, day in counted[chunk:chunk + _MASK_DAYS]]
        edges = sorted({edge for day in days for edge in
                        (day - dt.timedelta(days=keep), day + dt.timedelta(days=1))})
        # stretch s: edges[s - 1] <= date < edges[s] (0: before the first edge).
        stretch = "CASE " + " ".join(f'WHEN "date" < ? THEN {s}' for s in range(len(edges))) \
            + f" ELSE {len(edges)} END"
        bits = (f"SUM(DISTINCT 1 << ({stretch}))" if connection.is_sqlite()
                else f"bit_or(CAST(1 AS bigint) << ({stretch}))")
        masks = Counter(mask for (mask,) in _run(
            f'SELECT {bits} FROM purchase WHERE "date" >= ? AND "date" <= ? AND {OF_ALIVE} '
            "GROUP BY customer_id", [*edges, days[0] - dt.timedelta(days=keep), days[-1]]))
        for day in days:
            low = bisect.bisect_right(edges, day - dt.timedelta(days=keep))
            high = bisect.bisect_right(edges, day)
            window = (1 << (high + 1)) - (1 << low)
            found.append(sum(count for mask, count in masks.items() if int(mask) & window))
    return found


def repeat_purchase_rate(period: Period) -> RepeatRate:
    """Repeat-purchase rate: of the customers who bought during the period, the share
    who bought on at least two different days in it.

    (REPEAT_RATE_DEFINITION, as the UI shows it.) Several receipts on one day count as
    one visit."""
    return _activity(period, period.end, None, top=0).repeat


def retention_rate(period: Period) -> Retention:
    """Retention rate: of the customers of the start (added before the first day of the
    period and who had bought before it), the share who bought again during the period.

    (RETENTION_DEFINITION, as the UI shows it.) "Added before the first day": the local
    day of Customer.created_at is before period.start; "bought before it": a purchase
    dated before period.start; "bought again": a purchase dated within the period."""
    return _activity(period, period.end, None, top=0).retention


def lapsed_trend(period: Period, today: dt.date, rules: SegmentRules | None = None
                 ) -> list[tuple[str, int]]:
    """(month, lapsed customers) for each month of the period up to today: customers
    whose last purchase, on the month's last day (the period's end or `today` when
    earlier), was more than rules.lapsed_after_days days before it: the core.segments
    rule, as if the segments were computed that day (default: the shop's rules)."""
    return _activity(period, today, rules or SegmentRules.from_setting(), top=0).lapsed


def top_customers(period: Period, limit: int = TOP) -> list[TopCustomer]:
    """The customers who spent the most during the period, most first (ties: the older
    customer first), with their spend and number of purchases in it."""
    return _activity(period, period.end, None, top=limit).top


# -- the dashboard -------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Dashboard:
    period: Period
    today: dt.date
    lapsed_after_days: int
    segments: list[tuple[str | None, int]]  # customers_by_segment()
    tiers: list[tuple[str | None, int]]  # customers_by_tier()
    new_customers: list[tuple[str, int]]  # new_customers_per_month()
    revenue: list[MonthRevenue]
    repeat: RepeatRate
    retention: Retention
    lapsed: list[tuple[str, int]]  # lapsed_trend()
    ratings: list[MonthRating]
    complaints: Complaints
    care: CareFigures
    sources: list[tuple[str | None, int]]
    provinces: list[tuple[str | None, int]]
    top_customers: list[TopCustomer]
    top_referrers: list[TopReferrer]


def dashboard(period: Period, today: dt.date | None = None, rules: SegmentRules | None = None,
              timings: dict[str, float] | None = None) -> Dashboard:
    """Every figure of the dashboard for `period` (today: for overdue tasks and the
    lapsed trend). `timings`, if given, receives the seconds each step took."""
    today = today or dt.date.today()
    rules = rules or SegmentRules.from_setting()
    timings = {} if timings is None else timings

    def timed(name, func, *args):
        began = time.perf_counter()
        result = func(*args)
        timings[name] = time.perf_counter() - began
        return result

    segments, tiers = timed("segments and tiers", _segments_now)
    steps: dict[str, float] = {}
    activity = timed("repeat, retention, lapsed, top", _activity, period, today, rules, TOP,
                     steps)
    timings.update(steps)
    return Dashboard(
        period=period, today=today, lapsed_after_days=rules.lapsed_after_days,
        segments=segments, tiers=tiers,
        new_customers=timed("new customers", new_customers_per_month, period),
        revenue=timed("revenue", revenue_per_month, period),
        repeat=activity.repeat, retention=activity.retention, lapsed=activity.lapsed,
        ratings=timed("ratings", average_rating_per_month, period),
        complaints=timed("complaints", complaints, period),
        care=timed("care tasks", care_tasks, period, today),
        sources=timed("sources", customers_by_source),
        provinces=timed("provinces", customers_by_province),
        top_customers=activity.top,
        top_referrers=timed("top referrers", top_referrers, period),
    )


# -- the export ------------------------------------------------------------------------------

Sheet = tuple[list[str], list[tuple]]


def sheets(board: Dashboard) -> dict[str, Sheet]:
    """sheet name -> (headers, rows): one sheet per chart with its data, for the .xlsx
    export. Names (at most 31 characters, as Excel wants) and headers are English, marked
    for translation (context "reports"); cells are keys, numbers (VND integers, rates as
    fractions 0-1 or None) and ISO dates."""
    t = QT_TRANSLATE_NOOP
    period = board.period
    care, comp = board.care, board.complaints
    return {
        t("reports", "Summary"): ([t("reports", "Figure"), t("reports", "Value")], [
            (t("reports", "Period start"), period.start.isoformat()),
            (t("reports", "Period end"), period.end.isoformat()),
            (t("reports", "Customers who bought"), board.repeat.buyers),
            (t("reports", "Bought on 2+ days"), board.repeat.repeaters),
            (t("reports", "Repeat-purchase rate"), board.repeat.rate),
            (t("reports", "Customers of the start"), board.retention.at_start),
            (t("reports", "Bought again in the period"), board.retention.retained),
            (t("reports", "Retention rate"), board.retention.rate),
            (t("reports", "Open complaints"), comp.open),
            (t("reports", "Complaints in progress"), comp.in_progress),
            (t("reports", "Complaints resolved in the period"), comp.resolved),
            (t("reports", "Average resolution time (days)"), comp.average_days),
        ]),
        t("reports", "Segments"): ([t("reports", "Segment"), t("reports", "Customers")],
                                   list(board.segments)),
        t("reports", "Value tiers"): ([t("reports", "Value tier"), t("reports", "Customers")],
                                      list(board.tiers)),
        t("reports", "New customers"): ([t("reports", "Month"), t("reports", "New customers")],
                                        list(board.new_customers)),
        t("reports", "Revenue"): ([t("reports", "Month"), t("reports", "Revenue (VND)"),
                                   t("reports", "Purchases")],
                                  [tuple(row) for row in board.revenue]),
        t("reports", "Lapsed customers"): ([t("reports", "Month"),
                                            t("reports", "Lapsed customers")],
                                           list(board.lapsed)),
        t("reports", "Ratings"): ([t("reports", "Month"), t("reports", "Average rating"),
                                   t("reports", "Ratings")],
                                  [tuple(row) for row in board.ratings]),
        t("reports", "Care tasks"): ([t("reports", "Outcome"), t("reports", "Tasks")], [
            ("on_time", care.on_time), ("late", care.late), ("overdue", care.overdue),
            ("skipped", care.skipped), ("pending", care.pending),
            ("on_time_rate", care.on_time_rate)]),
        t("reports", "Sources"): ([t("reports", "Source"), t("reports", "Customers")],
                                  list(board.sources)),
        t("reports", "Provinces"): ([t("reports", "Province"), t("reports", "Customers")],
                                    list(board.provinces)),
        t("reports", "Top customers"): ([t("reports", "Code"), t("reports", "Name"),
                                         t("reports", "Spent (VND)"), t("reports", "Purchases")],
                                        [(row.code, row.name, row.spent, row.purchases)
                                         for row in board.top_customers]),
        t("reports", "Top referrers"): ([t("reports", "Code"), t("reports", "Name"),
                                         t("reports", "Customers referred"),
                                         t("reports", "Referred in the period")],
                                        [(row.code, row.name, row.referred,
                                          row.referred_in_period)
                                         for row in board.top_referrers]),
    }
