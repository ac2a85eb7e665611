"""Segments: each customer's funnel segment and value tier, derived from purchases.

Recency-frequency-monetary rules with thresholds the shop edits (the setting
"segment_rules", one `SegmentRules`; each threshold is described in `RULES`).

Funnel segment, the first rule that holds wins:

1. potential: no purchase at all.
2. lapsed: the last purchase is more than `lapsed_after_days` days old
   (bought on 1 March with 180 days: still active on 28 August, lapsed on 29 August).
3. loyal: purchases on at least `loyal_purchases` different days within the last
   `loyal_months` months (after the same day `loyal_months` months ago, up to today).
   A purchase day counts once however many receipts it has: loyalty is coming back.
4. first_big: the first purchase day is at most `first_big_days` days ago and the
   customer spent at least `big_purchase_vnd` on that day (all its receipts together).
5. new: every other customer who bought recently; that is also a customer with two
   recent ordinary purchases, or one whose first big day is older than
   `first_big_days`: active, not lapsed, not (yet) loyal.

Value tier, from the total spent over all time (a lapsed big spender is still worth
winning back), among the customers not in the trash who bought anything:

- high: the top `high_value_percent` % of them by total spent (at least one customer
  when the percent is above 0: the count is rounded up). Everyone whose total equals
  the total at the cut is high too, so ties never split.
- low: likewise the bottom `low_value_percent` %, ties at the cut included, unless high.
- average: the rest. A customer without purchases has no tier (None).

The results are cached in Customer.funnel_segment / value_tier for the list, its
filters and counts: `recompute_customer()` after a purchase is written,
`recompute_all()` when the rules change, and `recompute_if_stale()` once a day
(a customer becomes lapsed without any edit). Trashed customers are computed too
(with the cuts of the others), so a restored customer shows right away.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from calendar import monthrange
from collections import Counter, defaultdict
from typing import NamedTuple

from peewee import JOIN, Case, fn

from shopcrm.core import settings
from shopcrm.core.dates import as_date
from shopcrm.core.errors import QT_TRANSLATE_NOOP, KnownError, ValidationError
from shopcrm.db import connection
from shopcrm.db.connection import db
from shopcrm.db.models import FUNNEL_CHOICES, VALUE_CHOICES, Customer, Purchase

RULES_KEY = "segment_rules"
COMPUTED_KEY = "segments_computed"
_CHUNK = 900  # ids per UPDATE ... WHERE id IN (...): below every SQLite's variable limit


class Rule(NamedTuple):
    """One threshold as the Settings dialog shows it: title, explanation, allowed range."""

    title: str
    help: str
    low: int
    high: int


RULES: dict[str, Rule] = {
    "lapsed_after_days": Rule(
        QT_TRANSLATE_NOOP("segments", "Lapsed after (days)"),
        QT_TRANSLATE_NOOP("segments", "A customer whose last purchase is older than this "
                          "many days is lapsed (default 180: six months)."), 1, 3650),
    "loyal_purchases": Rule(
        QT_TRANSLATE_NOOP("segments", "Loyal after (purchases)"),
        QT_TRANSLATE_NOOP("segments", "A customer who bought on at least this many different "
                          "days within the loyalty period is loyal (default 3)."), 2, 1000),
    "loyal_months": Rule(
        QT_TRANSLATE_NOOP("segments", "Loyalty period (months)"),
        QT_TRANSLATE_NOOP("segments", "The months counted back from today for loyalty "
                          "(default 12)."), 1, 120),
    "big_purchase_vnd": Rule(
        QT_TRANSLATE_NOOP("segments", "Big purchase (VND)"),
        QT_TRANSLATE_NOOP("segments", "A first purchase day of at least this amount makes a "
                          "\"first big purchase\" customer (default 5,000,000 ₫)."),
        1, 10**13),
    "first_big_days": Rule(
        QT_TRANSLATE_NOOP("segments", "First big purchase lasts (days)"),
        QT_TRANSLATE_NOOP("segments", "How many days after the first purchase a customer "
                          "stays \"first big purchase\" (default 90)."), 1, 3650),
    "high_value_percent": Rule(
        QT_TRANSLATE_NOOP("segments", "High value: top (%)"),
        QT_TRANSLATE_NOOP("segments", "The customers who spent the most, this percent of "
                          "those who bought, are high value (default 20)."), 0, 100),
    "low_value_percent": Rule(
        QT_TRANSLATE_NOOP("segments", "Low value: bottom (%)"),
        QT_TRANSLATE_NOOP("segments", "The customers who spent the least, this percent of "
                          "those who bought, are low value (default 30)."), 0, 100),
}


class RuleErrors(ValidationError):
    """Some thresholds are invalid; `errors` maps each rule name to its error."""

    def __init__(self, errors: dict[str, KnownError]):
        super().__init__(QT_TRANSLATE_NOOP("errors", "Some segment rules need correcting."))
        self.errors = errors


_DEFAULTS = settings.SETTINGS[RULES_KEY].default


@dataclasses.dataclass(frozen=True)
class SegmentRules:
    """The thresholds of the segment rules (see the module docstring and RULES)."""

    lapsed_after_days: int = _DEFAULTS["lapsed_after_days"]
    loyal_purchases: int = _DEFAULTS["loyal_purchases"]
    loyal_months: int = _DEFAULTS["loyal_months"]
    big_purchase_vnd: int = _DEFAULTS["big_purchase_vnd"]
    first_big_days: int = _DEFAULTS["first_big_days"]
    high_value_percent: int = _DEFAULTS["high_value_percent"]
    low_value_percent: int = _DEFAULTS["low_value_percent"]

    @classmethod
    def from_values(cls, values: dict) -> SegmentRules:
        """Validated rules from `values` (defaults for missing names), or RuleErrors."""
        merged = {**_DEFAULTS, **{k: v for k, v in values.items() if k in RULES}}
        errors: dict[str, KnownError] = {}
        clean = {}
        for name, rule in RULES.items():
            try:
                clean[name] = _whole_number(merged[name], rule)
            except ValidationError as exc:
                errors[name] = exc
        if not errors and clean["high_value_percent"] + clean["low_value_percent"] > 100:
            errors["low_value_percent"] = ValidationError(QT_TRANSLATE_NOOP(
                "errors", "High and low value together cannot be more than 100 %."))
        if errors:
            raise RuleErrors(errors)
        return cls(**clean)

    @classmethod
    def from_setting(cls) -> SegmentRules:
        """The rules stored for the shop (defaults for any not stored)."""
        return cls.from_values(settings.get(RULES_KEY) or {})

    def to_setting(self) -> dict:
        return dataclasses.asdict(self)

    def loyal_since(self, today: dt.date) -> dt.date:
        """The first day counted for loyalty: the day after the same day loyal_months ago."""
        return months_before(today, self.loyal_months) + dt.timedelta(days=1)

    def first_big_since(self, today: dt.date) -> dt.date:
        """The oldest first purchase day still counted as a "first big purchase"."""
        return today - dt.timedelta(days=self.first_big_days)


def _whole_number(value, rule: Rule) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not rule.low <= value <= rule.high:
        raise ValidationError(
            QT_TRANSLATE_NOOP("errors", "Use a whole number from {low} to {high}."),
            low=rule.low, high=rule.high)
    return value


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (31 May - 3 months: 28/29 February)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month0 + 1, min(day.day, monthrange(year, month0 + 1)[1]))


class Activity(NamedTuple):
    """What the rules need of one customer's purchases (from aggregate SQL)."""

    first: dt.date | None = None  # first and last purchase day
    last: dt.date | None = None
    total: int = 0  # VND over all time
    loyal_days: int = 0  # different purchase days since rules.loyal_since(today)
    first_day_amount: int = 0  # VND spent on the first purchase day (0: not recent)


NO_PURCHASE = Activity()


class Cuts(NamedTuple):
    """The totals (VND) at the high and low value cuts; None: no such tier."""

    high: int | None
    low: int | None

    @classmethod
    def of(cls, totals: list[int], rules: SegmentRules) -> Cuts:
        """Cuts among `totals` (one per customer who bought): top and bottom percents."""
        ordered = sorted(totals, reverse=True)
        count = len(ordered)
        top = -(-count * rules.high_value_percent // 100)  # rounded up
        bottom = -(-count * rules.low_value_percent // 100)
        return cls(ordered[top - 1] if top else None, ordered[count - bottom] if bottom else None)


class Segments(NamedTuple):
    funnel: str
    tier: str | None


POTENTIAL = Segments("potential", None)  # what compute() gives a customer without purchases


# The rules, written once as data: the Python classification (recompute_customer, and
# recompute_all on SQLite) and the SQL CASE of recompute_all on PostgreSQL are both
# generated from them (test_segments checks that the two agree).

Condition = tuple[str, str, object]  # (Activity field, operator, threshold)
_OPERATORS = {"<": operator.lt, "<=": operator.le, ">=": operator.ge}


class Ladder(NamedTuple):
    """Rules in order, the first whose conditions all hold wins; a threshold of None never
    holds (no such cut). A customer without purchases (Activity.last is None) is decided
    before any of them."""

    no_purchase: str | None
    steps: tuple[tuple[str, tuple[Condition, ...]], ...]  # (segment, conditions)
    otherwise: str

    def of(self, activity: Activity) -> str | None:
        return self.classifier()(activity)

    def classifier(self):
        """of() with the steps prepared once, for many customers."""
        steps = [(segment, [(Activity._fields.index(field), _OPERATORS[op], value)
                            for field, op, value in conditions])
                 for segment, conditions in self.steps
                 if all(value is not None for _, _, value in conditions)]
        no_purchase, otherwise = self.no_purchase, self.otherwise

        def of(activity: Activity) -> str | None:
            if activity.last is None:
                return no_purchase
            for segment, conditions in steps:
                for index, holds, value in conditions:
                    if not holds(activity[index], value):
                        break
                else:
                    return segment
            return otherwise
        return of

    def sql(self, column) -> tuple[str, list]:
        """The same as one SQL CASE (and its parameters) over columns holding the Activity
        fields (`column(field)`: their SQL; NULL where None)."""
        whens, params = [f"WHEN {column('last')} IS NULL THEN {db.param}"], [self.no_purchase]
        for segment, conditions in self.steps:
            if any(value is None for _, _, value in conditions):
                continue
            tests = " AND ".join(f"{column(field)} {op} {db.param}" for field, op, _ in conditions)
            whens.append(f"WHEN {tests} THEN {db.param}")
            params += [value for _, _, value in conditions] + [segment]
        return f"CASE {' '.join(whens)} ELSE {db.param} END", [*params, self.otherwise]


def funnel_ladder(today: dt.date, rules: SegmentRules) -> Ladder:
    """potential, lapsed, loyal, first_big or new (the module docstring in data)."""
    return Ladder(POTENTIAL.funnel, (
        # (today - last).days > lapsed_after_days
        ("lapsed", (("last", "<", today - dt.timedelta(days=rules.lapsed_after_days)),)),
        ("loyal", (("loyal_days", ">=", rules.loyal_purchases),)),
        # (today - first).days <= first_big_days, and that day's receipts together
        ("first_big", (("first", ">=", rules.first_big_since(today)),
                       ("first_day_amount", ">=", rules.big_purchase_vnd))),
    ), "new")


def tier_ladder(cuts: Cuts) -> Ladder:
    """high, low, else average; None without purchases."""
    return Ladder(POTENTIAL.tier, (("high", (("total", ">=", cuts.high),)),
                                   ("low", (("total", "<=", cuts.low),))), "average")


def funnel_segment(activity: Activity, today: dt.date, rules: SegmentRules) -> str:
    """potential, lapsed, loyal, first_big or new: the first rule that holds."""
    return funnel_ladder(today, rules).of(activity)


def value_tier(activity: Activity, cuts: Cuts) -> str | None:
    """high, average or low by total spent against the shop's cuts; None without purchases."""
    return tier_ladder(cuts).of(activity)


def compute(activity: Activity, cuts: Cuts, today: dt.date, rules: SegmentRules) -> Segments:
    """One customer's segments from their purchase aggregates and the shop's cuts."""
    return Segments(funnel_segment(activity, today, rules), value_tier(activity, cuts))


def is_loyal_marker(customer: Customer) -> bool:
    """Whether a customer earns the loyalty marker (and special offers): loyal or high value."""
    return customer.funnel_segment == "loyal" or customer.value_tier == "high"


def loyal_marker_condition():
    """The same as a condition on Customer, for filters and queries."""
    return (Customer.funnel_segment == "loyal") | (Customer.value_tier == "high")


# -- reading the purchases ------------------------------------------------------------


def _rows(query):
    """The rows of a peewee query from the driver directly (no per-value conversion)."""
    sql, params = query.sql()
    return db.execute_sql(sql, params).fetchall()


def _activities(today: dt.date, rules: SegmentRules, customer_id: int | None = None
                ) -> dict[int, Activity]:
    """customer id -> Activity: one GROUP BY over the purchases, one over recent days."""
    loyal = Case(None, [(Purchase.date >= rules.loyal_since(today), Purchase.date)], None)
    query = (Purchase.select(Purchase.customer, fn.SUM(Purchase.amount), fn.MIN(Purchase.date),
                             fn.MAX(Purchase.date), fn.COUNT(loyal.distinct()))
             .group_by(Purchase.customer))
    since = rules.first_big_since(today)
    days = (Purchase.select(Purchase.customer, Purchase.date, fn.SUM(Purchase.amount))
            .where(Purchase.date >= since).group_by(Purchase.customer, Purchase.date))
    if customer_id is not None:
        query = query.where(Purchase.customer == customer_id)
        days = days.where(Purchase.customer == customer_id)
    found = {}
    for cid, total, first, last, loyal_days in _rows(query):
        found[cid] = Activity(as_date(first), as_date(last), int(total), loyal_days)
    for cid, day, amount in _rows(days):
        activity = found.get(cid)
        if activity is not None and activity.first == as_date(day):
            found[cid] = activity._replace(first_day_amount=int(amount))
    return found


def _trashed_ids():
    return Customer.select(Customer.id).where(Customer.deleted_at.is_null(False))


def shop_cuts(rules: SegmentRules) -> Cuts:
    """The value cuts of the whole shop now, from the totals of customers not in the trash."""
    query = (Purchase.select(fn.SUM(Purchase.amount))
             .where(Purchase.customer.not_in(_trashed_ids())).group_by(Purchase.customer))
    return Cuts.of([int(total) for (total,) in _rows(query)], rules)


# -- writing the cache --------------------------------------------------------------

class Recomputed(NamedTuple):
    """What recompute_all() did: customers whose segments changed, and the counts now."""

    changed: int
    funnel: dict[str, int]
    tier: dict[str, int]


def recompute_all(today: dt.date | None = None, rules: SegmentRules | None = None
                  ) -> Recomputed:
    """Recompute every customer's segments in one transaction, writing only changes."""
    today = today or dt.date.today()
    rules = rules or SegmentRules.from_setting()
    with db.atomic():
        if connection.is_sqlite():
            changed, funnel, tier = _recompute_in_python(today, rules)
        else:
            changed = _recompute_in_sql(today, rules)
            funnel, tier = counts()
        settings.put(COMPUTED_KEY, {"on": today.isoformat(), "rules": rules.to_setting()})
    return Recomputed(changed, funnel, tier)


def _recompute_in_python(today: dt.date, rules: SegmentRules
                         ) -> tuple[int, dict[str, int], dict[str, int]]:
    """SQLite: the aggregates read, classified in Python, the changes written by pair."""
    activities = _activities(today, rules)
    current = _rows(Customer.select(Customer.id, Customer.deleted_at.is_null(False),
                                     Customer.funnel_segment, Customer.value_tier))
    cuts = Cuts.of([activities[cid].total for cid, trashed, _, _ in current
                    if not trashed and cid in activities], rules)
    funnel_of, tier_of = funnel_ladder(today, rules).classifier(), tier_ladder(cuts).classifier()
    changes: dict[Segments, list[int]] = defaultdict(list)
    funnel, tier = Counter(), Counter()
    for cid, trashed, old_funnel, old_tier in current:
        activity = activities.get(cid, NO_PURCHASE)
        new = Segments(funnel_of(activity), tier_of(activity))
        if new != (old_funnel, old_tier):
            changes[new].append(cid)
        if not trashed:
            funnel[new.funnel] += 1
            tier[new.tier] += 1
    return _write(changes), _counted(funnel, FUNNEL_CHOICES), _counted(tier, VALUE_CHOICES)


_ACTIVITY_TABLE = "segment_activity"


def _recompute_in_sql(today: dt.date, rules: SegmentRules) -> int:
    """PostgreSQL: the aggregates into a temporary table, the cuts from its totals
    (Cuts.of), and one UPDATE ... FROM that classifies with the SQL of the same rules and
    writes only the customers whose segments differ. Python never sees 100,000 rows:
    only the totals of the buyers. Returns how many customers were written."""
    sql, params = _activity_query(today, rules).sql()
    previous = db.execute_sql("SELECT current_setting('work_mem')").fetchone()[0]
    db.execute_sql("SELECT set_config('work_mem', '64MB', true)")  # sorts in memory
    db.execute_sql(f"CREATE TEMPORARY TABLE {_ACTIVITY_TABLE} ON COMMIT DROP AS {sql}", params)
    totals = db.execute_sql(f"SELECT total FROM {_ACTIVITY_TABLE} "
                            "WHERE NOT trashed AND total IS NOT NULL").fetchall()
    cuts = Cuts.of([int(total) for (total,) in totals], rules)

    def column(field: str) -> str:
        return f"a.{_quote(field)}"

    funnel_case, funnel_params = funnel_ladder(today, rules).sql(column)
    tier_case, tier_params = tier_ladder(cuts).sql(column)
    fields = Customer._meta.fields
    table, cid = _quote(Customer._meta.table_name), _quote(fields["id"].column_name)
    funnel, tier = (_quote(fields[name].column_name) for name in ("funnel_segment",
                                                                     "value_tier"))
    cursor = db.execute_sql(
        f"UPDATE {table} SET {funnel} = v.funnel, {tier} = v.tier "
        f"FROM (SELECT a.id, {funnel_case} AS funnel, {tier_case} AS tier "
        f"FROM {_ACTIVITY_TABLE} a) AS v "
        f"WHERE {table}.{cid} = v.id AND ({table}.{funnel} IS DISTINCT FROM v.funnel "
        f"OR {table}.{tier} IS DISTINCT FROM v.tier)", [*funnel_params, *tier_params])
    changed = cursor.rowcount
    db.execute_sql(f"DROP TABLE {_ACTIVITY_TABLE}")  # at once: an outer transaction goes on
    db.execute_sql("SELECT set_config('work_mem', %s, true)", [previous])
    return changed


def _activity_query(today: dt.date, rules: SegmentRules):
    """Every customer (id, trashed) with the fields of their Activity, as one query:
    the aggregates of _activities(), NULL (0 for first_day_amount) without purchases."""
    loyal = Case(None, [(Purchase.date >= rules.loyal_since(today), Purchase.date)], None)
    act = (Purchase.select(Purchase.customer.alias("cid"), fn.SUM(Purchase.amount).alias("total"),
                           fn.MIN(Purchase.date).alias("first"),
                           fn.MAX(Purchase.date).alias("last"),
                           fn.COUNT(loyal.distinct()).alias("loyal_days"))
           .group_by(Purchase.customer).cte("act"))
    first_day = (Purchase.select(Purchase.customer.alias("cid"),
                                 fn.SUM(Purchase.amount).alias("amount"))
                 .join(act, on=((act.c.cid == Purchase.customer)
                                & (act.c.first == Purchase.date)))
                 .where(Purchase.date >= rules.first_big_since(today))
                 .group_by(Purchase.customer).cte("first_day"))
    return (Customer.select(Customer.id.alias("id"),
                            Customer.deleted_at.is_null(False).alias("trashed"),
                            act.c.total.alias("total"), act.c.first.alias("first"),
                            act.c.last.alias("last"), act.c.loyal_days.alias("loyal_days"),
                            fn.COALESCE(first_day.c.amount, 0).alias("first_day_amount"))
            .join(act, JOIN.LEFT_OUTER, on=(act.c.cid == Customer.id))
            .join(first_day, JOIN.LEFT_OUTER, on=(first_day.c.cid == Customer.id))
            .with_cte(act, first_day))


def _write(changes: dict[Segments, list[int]]) -> int:
    """One UPDATE per (segment, tier) pair and chunk of ids: a few hundred statements at most.

    The statement is written here rather than by peewee, which would render each of the
    100,000 ids in Python (0.9 s against 0.4 s for all customers on SQLite)."""
    written = 0
    for (funnel, tier), ids in changes.items():
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            cursor = db.execute_sql(_update_sql(len(chunk)), [funnel, tier, *chunk])
            written += cursor.rowcount
    return written


def _update_sql(count: int) -> str:
    """UPDATE customer SET funnel_segment = ?, value_tier = ? WHERE id IN (?, ...)."""
    quote = _quote
    fields = Customer._meta.fields
    marks = ", ".join([db.param] * count)
    return (f"UPDATE {quote(Customer._meta.table_name)} "
            f"SET {quote(fields['funnel_segment'].column_name)} = {db.param}, "
            f"{quote(fields['value_tier'].column_name)} = {db.param} "
            f"WHERE {quote(fields['id'].column_name)} IN ({marks})")


def _quote(name: str) -> str:
    return f"{db.quote[0]}{name}{db.quote[-1]}"


def recompute_customer(customer_id: int, today: dt.date | None = None,
                       rules: SegmentRules | None = None) -> Segments:
    """Recompute one customer's segments (after a purchase of theirs was written).

    The value cuts are the shop's as they are now (one aggregate query); other
    customers' tiers follow at the next recompute_all().
    """
    today = today or dt.date.today()
    rules = rules or SegmentRules.from_setting()
    with db.atomic():
        activity = _activities(today, rules, customer_id).get(customer_id, NO_PURCHASE)
        new = compute(activity, shop_cuts(rules), today, rules)
        (Customer.update(funnel_segment=new.funnel, value_tier=new.tier)
         .where((Customer.id == customer_id)
                & (_differs(Customer.funnel_segment, new.funnel)
                   | _differs(Customer.value_tier, new.tier)))
         .execute())
    return new


def _differs(field, value):
    return field.is_null(False) if value is None else (field != value) | field.is_null()


def recompute_if_stale(today: dt.date | None = None) -> Recomputed | None:
    """recompute_all() unless it already ran today with the rules stored now; None if not run.

    The window calls this at start and when the date changes: customers become lapsed
    as days pass, and another counter may have changed the rules.
    """
    today = today or dt.date.today()
    rules = SegmentRules.from_setting()
    stamp = settings.get(COMPUTED_KEY) or {}
    if stamp.get("on") == today.isoformat() and stamp.get("rules") == rules.to_setting():
        return None
    return recompute_all(today, rules)


def save_rules(values: dict, today: dt.date | None = None) -> Recomputed:
    """Validate and store new thresholds (RuleErrors if bad) and recompute everyone at once."""
    rules = SegmentRules.from_values(values)
    with db.atomic():
        settings.put(RULES_KEY, rules.to_setting())
        return recompute_all(today, rules)


class SegmentCounts(NamedTuple):
    funnel: dict[str, int]
    tier: dict[str, int]


def counts() -> SegmentCounts:
    """Customers not in the trash per funnel segment and per value tier, as cached
    (every choice present, 0 if none; customers not computed yet are left out)."""
    alive = Customer.deleted_at.is_null()
    funnel = dict(_rows(Customer.select(Customer.funnel_segment, fn.COUNT(Customer.id))
                        .where(alive).group_by(Customer.funnel_segment)))
    tier = dict(_rows(Customer.select(Customer.value_tier, fn.COUNT(Customer.id))
                      .where(alive).group_by(Customer.value_tier)))
    return SegmentCounts(_counted(funnel, FUNNEL_CHOICES), _counted(tier, VALUE_CHOICES))


def _counted(found: dict, choices: tuple[str, ...]) -> dict[str, int]:
    return {choice: int(found.get(choice, 0)) for choice in choices}


def customer_segments() -> list[tuple[str, str | None, str | None]]:
    """(code, funnel segment, value tier) of every customer not in the trash, by code."""
    query = (Customer.select(Customer.code, Customer.funnel_segment, Customer.value_tier)
             .where(Customer.deleted_at.is_null()).order_by(Customer.code))
    return list(query.tuples())
