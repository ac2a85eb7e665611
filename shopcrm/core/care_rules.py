"""The care engine: the default care rules, and the tasks they create each day.

A CareRule says when a task is due, from a trigger and `offset_days` (negative:
before). Triggers, their events and the source key that makes each task unique
(CareTask.source_key: the same event never makes two tasks, whoever runs it):

    after_purchase  a purchase, due its date + offset      rule:<id>:purchase:<purchase>
    birthday        each birthday (29 February: 28 February  rule:<id>:birthday:<customer>:<year>
                    in other years), due birthday + offset;
                    the task recurs "yearly"
    became_lapsed   the day the customer becomes lapsed      rule:<id>:lapsed:<customer>:<last
                    (core.segments: last purchase + lapsed_    purchase date>
                    after_days + 1), due that day + offset;
                    dropped while planned if they buy again
    became_loyal    the purchase day on which the customer   rule:<id>:loyal:<customer>:<day>
                    first has loyal_purchases purchase days
                    within loyal_months, due that day + offset
    complaint       a complaint (feedback of kind complaint), rule:<id>:complaint:<feedback>
                    due the (local) day it was made + offset
    new_customer    a customer added by hand (not imported:  rule:<id>:new:<customer>
                    an imported list is not new to the shop),
                    due the day added + offset

`generate(today)` creates every task due from `today - care_catch_up_days` (the
setting, default 14) to `today + HORIZON_DAYS` (7, the pane's "upcoming") that does
not exist yet, each with its own due date. So after the app was closed for 10 days
the tasks of those days appear once, dated when they fell due, and running it again
creates nothing. Older events are not caught up: a birthday, a thank-you or a
win-back more than 14 days late would only flood the list (first use on a shop with
years of purchases, a long holiday); raise the setting to catch up further. Tasks of
customers in the trash are never created, nor marketing tasks (privacy.MARKETING_TASKS:
win-back, loyalty offer) of customers without an active marketing consent.

The events are read with a few range queries (each on an indexed date, bounded by
the window), keys computed here, and the new tasks written in one bulk INSERT (OR
IGNORE / ON CONFLICT DO NOTHING: two counters generating at once are harmless).
A run is remembered (the setting care_generated, see generate()): the next one, if the
rules and the rows it read are as they were, reads only the days and the purchases,
customers and complaints new since; otherwise, or after a hook, everything again.

Hooks for the code that changes the events (call them in its transaction):
`purchase_changed(purchase_id)` after a purchase is added or edited (moves the due
date of its planned tasks, drops stale win-backs, creates its tasks if due),
`purchase_deleted(purchase_id)` when one is deleted, `complaint_deleted(feedback_id)`.
Done and skipped tasks are history and are never changed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from collections import Counter, defaultdict
from typing import NamedTuple

from peewee import SQL, Case, fn

from shopcrm.core import settings
from shopcrm.core.dates import as_date
from shopcrm.core.privacy import MARKETING_TASKS
from shopcrm.core.segments import SegmentRules, months_before
from shopcrm.db import connection
from shopcrm.db.connection import db
from shopcrm.db.models import (
    CareRule, CareTask, Consent, Customer, Feedback, Purchase, utcnow,
)

HORIZON_DAYS = 7  # tasks are created this many days ahead (the pane's "upcoming")
CATCH_UP_KEY = "care_catch_up_days"
_CHUNK = 900  # keys per IN (...): below every SQLite's variable limit

# task type -> (stage, step of that stage in DOMAIN.md)
STEPS: dict[str, tuple[str, int]] = {
    "welcome": ("pre_sale", 5),  # nurture a long-term relationship
    "thank_you": ("post_sale", 2),  # proactively check in
    "feedback_request": ("post_sale", 1),  # follow up feedback and ratings
    "birthday": ("post_sale", 2),
    "win_back": ("post_sale", 2),
    "loyalty_offer": ("post_sale", 3),  # special offers for loyal customers
    "complaint_follow_up": ("post_sale", 4),  # resolve complaints quickly
    "pre_sale_follow_up": ("pre_sale", 4),
    "custom": ("post_sale", None),
}


class DefaultRule(NamedTuple):
    name: str
    trigger: str
    task_type: str
    offset_days: int

    @property
    def stage(self) -> str:
        return STEPS[self.task_type][0]


DEFAULT_RULES = (
    DefaultRule("Cảm ơn khách sau khi mua hàng", "after_purchase", "thank_you", 2),
    DefaultRule("Xin đánh giá sau khi mua hàng", "after_purchase", "feedback_request", 7),
    DefaultRule("Chúc mừng sinh nhật", "birthday", "birthday", 0),
    DefaultRule("Mời khách lâu chưa quay lại", "became_lapsed", "win_back", 0),
    DefaultRule("Ưu đãi khách hàng thân thiết", "became_loyal", "loyalty_offer", 0),
    DefaultRule("Xử lý khiếu nại trong 24 giờ", "complaint", "complaint_follow_up", 1),
    DefaultRule("Chào mừng khách hàng mới", "new_customer", "welcome", 1),
)


def ensure_default_rules() -> int:
    """Create the default rules (with their Vietnamese templates) if there is no rule at
    all; the number created (0 when the shop has rules already)."""
    from shopcrm.core.templates import DEFAULTS

    with db.atomic():
        if CareRule.select().exists():
            return 0
        for rule in DEFAULT_RULES:
            CareRule.create(name=rule.name, trigger=rule.trigger, task_type=rule.task_type,
                            stage=rule.stage, offset_days=rule.offset_days, enabled=True,
                            template=DEFAULTS[rule.task_type])
    return len(DEFAULT_RULES)


# -- dates -------------------------------------------------------------------------

def anniversary(birthday: dt.date, year: int) -> dt.date:
    """The birthday in `year`: 29 February falls on 28 February in other years."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def local_day(moment: dt.datetime) -> dt.date:
    """The shop's (this computer's) calendar day of a naive UTC timestamp."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone().date()


def _as_datetime(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _rows(query) -> list[tuple]:
    """The rows of a peewee query from the driver directly (no per-value conversion)."""
    sql, params = query.sql()
    return db.execute_sql(sql, params).fetchall()


class Window(NamedTuple):
    """The due dates generate() creates tasks for, and the day it runs."""

    start: dt.date
    end: dt.date
    today: dt.date

    @classmethod
    def of(cls, today: dt.date, catch_up_days: int | None = None) -> Window:
        if catch_up_days is None:
            catch_up_days = int(settings.get(CATCH_UP_KEY))
        return cls(today - dt.timedelta(days=max(0, catch_up_days)),
                   today + dt.timedelta(days=HORIZON_DAYS), today)


class Candidate(NamedTuple):
    """A task a rule wants: the key that makes it unique, whose it is, when due."""

    key: str
    customer_id: int
    due: dt.date
    rule: CareRule
    recurrence: str | None = None


# -- who may get tasks -----------------------------------------------------------------

def _alive():
    return Customer.deleted_at.is_null()


def _marketing_ok(customer_field):
    agreed = (Consent.select(Consent.customer)
              .where((Consent.purpose == "marketing") & Consent.withdrawn_at.is_null()))
    return customer_field.in_(agreed)


def _allowed(rule: CareRule, customer_field):
    """Customers not in the trash; for a marketing task, with marketing consent."""
    condition = _alive()
    if rule.task_type in MARKETING_TASKS:
        condition &= _marketing_ok(customer_field)
    return condition


def _days(value: int) -> dt.timedelta:
    return dt.timedelta(days=value)


class Allowed:
    """Who may get tasks, read once per run: customers in the trash never, marketing
    tasks only customers with an active marketing consent (sets of ids)."""

    def __init__(self):
        self.trashed = {cid for (cid,) in _rows(
            Customer.select(Customer.id).where(Customer.deleted_at.is_null(False)))}
        self._consenting: set[int] | None = None

    @property
    def consenting(self) -> set[int]:
        if self._consenting is None:
            self._consenting = {cid for (cid,) in _rows(
                Consent.select(Consent.customer).where((Consent.purpose == "marketing")
                                                       & Consent.withdrawn_at.is_null()))}
        return self._consenting

    def check(self, rule: CareRule):
        """A function customer id -> whether `rule` may give them a task."""
        trashed = self.trashed
        if rule.task_type in MARKETING_TASKS:
            consenting = self.consenting
            return lambda cid: cid in consenting and cid not in trashed
        return lambda cid: cid not in trashed


# -- events per trigger ------------------------------------------------------------------

def _after_purchase(rules: list[CareRule], window: Window, allowed: Allowed,
                    purchase_id: int | None = None, after_id: int | None = None):
    """Purchases whose task falls due in the window, for every after_purchase rule at once
    (one range query on the date index; trash and consent checked from `allowed`)."""
    low = min(r.offset_days for r in rules)
    high = max(r.offset_days for r in rules)
    query = Purchase.select(Purchase.id, Purchase.customer, Purchase.date)
    if purchase_id is None:
        query = query.where(Purchase.date.between(window.start - _days(high),
                                                  window.end - _days(low)))
    else:
        query = query.where(Purchase.id == purchase_id)
    if after_id is not None:  # only the purchases written since
        query = query.where(Purchase.id > after_id)
    found = _rows(query)
    dates: dict = {}  # the driver's day (text or date) -> date: a few dozen distinct days
    for _pid, _cid, day in found:
        if day not in dates:
            dates[day] = as_date(day)
    start, end = window.start, window.end
    for rule in rules:
        offset, ok = _days(rule.offset_days), allowed.check(rule)
        dues = {day: date + offset for day, date in dates.items()
                if start <= date + offset <= end}
        prefix = f"rule:{rule.id}:purchase:"
        for pid, cid, day in found:
            due = dues.get(day)
            if due is not None and ok(cid):
                yield Candidate(f"{prefix}{pid}", cid, due, rule)


def _month_day_sql(field):
    if connection.is_sqlite():
        return fn.strftime("%m-%d", field)
    return fn.to_char(field, "MM-DD")


def _birthday(rule: CareRule, window: Window, customer_id: int | None = None,
              after_id: int | None = None):
    """Anniversaries falling in the window (shifted by the offset); the SQL filter on
    month and day is a coarse one (29/02 is always asked), the dates are checked here."""
    offset = _days(rule.offset_days)
    first, last = window.start - offset, window.end - offset
    days = [first + _days(n) for n in range((last - first).days + 1)]
    month_days = sorted({f"{d.month:02d}-{d.day:02d}" for d in days} | {"02-29"})
    query = (Customer.select(Customer.id, Customer.birthday)
             .where(Customer.birthday.is_null(False) & _allowed(rule, Customer.id)
                    & _month_day_sql(Customer.birthday).in_(month_days)))
    if customer_id is not None:
        query = query.where(Customer.id == customer_id)
    if after_id is not None:
        query = query.where(Customer.id > after_id)
    years = range(first.year, last.year + 1)
    for cid, birthday in _rows(query):
        birthday = as_date(birthday)
        for year in years:
            day = anniversary(birthday, year)
            if year > birthday.year and first <= day <= last:
                yield Candidate(f"rule:{rule.id}:birthday:{cid}:{year}", cid, day + offset,
                                rule, "yearly")


def _became_lapsed(rule: CareRule, window: Window, segment_rules: SegmentRules,
                   allowed: Allowed, from_day: dt.date | None = None, customers=None):
    """Customers whose last purchase puts the day they became lapsed in the window
    (and not after today: they may still come back)."""
    offset, after = _days(rule.offset_days), _days(segment_rules.lapsed_after_days + 1)
    latest = min(window.end - offset, window.today)
    later = Purchase.alias()
    bought_later = (later.select(SQL("1"))
                    .where((later.customer == Purchase.customer) & (later.date > Purchase.date)))
    earliest = window.start - offset
    if from_day is not None:  # only the days from then on (the ones before were done)
        earliest = max(earliest, from_day)
    query = (Purchase.select(Purchase.customer, Purchase.date).distinct()
             .where(Purchase.date.between(earliest - after, latest - after)
                    & ~fn.EXISTS(bought_later)))
    if customers is not None:  # only these customers (a subquery)
        query = query.where(Purchase.customer.in_(customers))
    ok = allowed.check(rule)
    for cid, day in _rows(query):
        if not ok(cid):
            continue
        last = as_date(day)
        yield Candidate(f"rule:{rule.id}:lapsed:{cid}:{last.isoformat()}", cid,
                        last + after + offset, rule)


def _became_loyal(rules: list[CareRule], window: Window, segment_rules: SegmentRules,
                  allowed: Allowed, from_day: dt.date | None = None, customers=None):
    """The purchase days on which customers became loyal, for every loyal rule at once."""
    lowest = min(r.offset_days for r in rules)
    highest = max(r.offset_days for r in rules)
    first, last = window.start - _days(highest), min(window.end - _days(lowest), window.today)
    if from_day is not None:  # only the days from then on (the ones before were done)
        first = max(first, from_day)
    if first > last:
        return
    since = segment_rules.loyal_since(first - _days(1))
    need = segment_rules.loyal_purchases
    # Buyers of the window, less those loyal all along: `need` purchase days from the
    # first day counted on every day of the window (the day before the last one's) to
    # the day before the window lie in what each of its days counts before itself.
    buyers = (Purchase.select(Purchase.customer).distinct()
              .where(Purchase.date.between(first, last)))
    if customers is not None:  # only these customers (a subquery)
        buyers = buyers.where(Purchase.customer.in_(customers))
    buyers = buyers.alias("buyers")
    before = Purchase.alias()
    days_before = (before.select(fn.COUNT(before.date.distinct()))
                   .where((before.customer == buyers.c.customer_id)
                          & before.date.between(segment_rules.loyal_since(last - _days(1)),
                                                first - _days(1))))
    candidates = (Purchase.select(buyers.c.customer_id).from_(buyers)
                  .where(days_before < need))
    query = (Purchase.select(Purchase.customer, Purchase.date).distinct()
             .where(Purchase.date.between(since, last) & Purchase.customer.in_(candidates)))
    # Days as ISO text (SQLite's own form; PostgreSQL's dates converted once): they
    # sort as dates, and only the window's few days need date arithmetic.
    days_of: dict[int, list[str]] = defaultdict(list)
    for cid, day in _rows(query):
        days_of[cid].append(day if isinstance(day, str) else day.isoformat())
    bounds = {}  # ISO day -> (first day counted on it, first day counted the day before)
    became: list[tuple[int, dt.date]] = []
    low = first.isoformat()
    for cid, days in days_of.items():
        days.sort()
        for index in range(bisect.bisect_left(days, low), len(days)):
            day = days[index]
            if day not in bounds:
                date = as_date(day)
                bounds[day] = (segment_rules.loyal_since(date).isoformat(),
                               segment_rules.loyal_since(date - _days(1)).isoformat())
            since_now, since_before = bounds[day]
            count_now = index + 1 - bisect.bisect_left(days, since_now)
            count_before = index - bisect.bisect_left(days, since_before)
            if count_now >= need > count_before and (not became or became[-1] != (cid, day)):
                became.append((cid, as_date(day)))
    if not became:
        return
    for rule in rules:
        offset, ok = _days(rule.offset_days), allowed.check(rule)
        for cid, day in became:
            due = day + offset
            if window.start <= due <= window.end and ok(cid):
                yield Candidate(f"rule:{rule.id}:loyal:{cid}:{day.isoformat()}", cid, due, rule)


def _complaint(rule: CareRule, window: Window, after_id: int | None = None):
    offset = _days(rule.offset_days)
    # UTC timestamps: a day of slack on each side, the local day checked here.
    low = dt.datetime.combine(window.start - offset - _days(1), dt.time())
    high = dt.datetime.combine(window.end - offset + _days(2), dt.time())
    query = (Feedback.select(Feedback.id, Feedback.customer, Feedback.at).join(Customer)
             .where((Feedback.kind == "complaint") & Feedback.at.between(low, high)
                    & _allowed(rule, Feedback.customer)))
    if after_id is not None:
        query = query.where(Feedback.id > after_id)
    for fid, cid, at in _rows(query):
        due = local_day(_as_datetime(at)) + offset
        if window.start <= due <= window.end:
            yield Candidate(f"rule:{rule.id}:complaint:{fid}", cid, due, rule)


def _new_customer(rule: CareRule, window: Window, after_id: int | None = None):
    offset = _days(rule.offset_days)
    low = dt.datetime.combine(window.start - offset - _days(1), dt.time())
    high = dt.datetime.combine(window.end - offset + _days(2), dt.time())
    query = (Customer.select(Customer.id, Customer.created_at)
             .where(Customer.created_at.between(low, high) & Customer.import_batch.is_null()
                    & _allowed(rule, Customer.id)))
    if after_id is not None:
        query = query.where(Customer.id > after_id)
    for cid, created in _rows(query):
        due = local_day(_as_datetime(created)) + offset
        if window.start <= due <= window.end:
            yield Candidate(f"rule:{rule.id}:new:{cid}", cid, due, rule)


class Since(NamedTuple):
    """Where the last complete run stopped: its day, the end of its window, and the last
    purchase, customer and feedback ids it had read (the rows before are unchanged)."""

    today: dt.date
    end: dt.date
    marks: dict[str, int]


def _candidates(rules: list[CareRule], window: Window, since: Since | None = None,
                marks: dict[str, int] | None = None):
    """The tasks the rules want in the window; with `since`, only those the last run
    could not see: due after its window, events after its day (win-back, loyalty), and
    the purchases, customers and complaints written since (`marks`: their last ids now)."""
    segment_rules, allowed = SegmentRules.from_setting(), Allowed()
    by_trigger: dict[str, list[CareRule]] = defaultdict(list)
    for rule in rules:
        by_trigger[rule.trigger].append(rule)
    if since is None:
        yield from _all_candidates(by_trigger, window, segment_rules, allowed)
        return
    if since.end < window.end:  # the days beyond the last window, for every event
        later = Window(max(window.start, since.end + _days(1)), window.end, window.today)
        yield from _all_candidates(by_trigger, later, segment_rules, allowed,
                                   dated_only=True)
    loyal = by_trigger["became_loyal"]
    if loyal:  # days that became past since (events are only told on their day)
        highest = max(r.offset_days for r in loyal)
        yield from _became_loyal(loyal, window, segment_rules, allowed,
                                 min(since.today, since.end - _days(highest)) + _days(1))
    for rule in by_trigger["became_lapsed"]:
        yield from _became_lapsed(rule, window, segment_rules, allowed,
                                  min(since.today, since.end - _days(rule.offset_days))
                                  + _days(1))
    old = since.marks
    if marks["purchase"] > old["purchase"]:
        buyers = Purchase.select(Purchase.customer).where(Purchase.id > old["purchase"])
        if by_trigger["after_purchase"]:
            yield from _after_purchase(by_trigger["after_purchase"], window, allowed,
                                       after_id=old["purchase"])
        if loyal:
            yield from _became_loyal(loyal, window, segment_rules, allowed, customers=buyers)
        for rule in by_trigger["became_lapsed"]:
            yield from _became_lapsed(rule, window, segment_rules, allowed, customers=buyers)
    if marks["customer"] > old["customer"]:
        for rule in by_trigger["birthday"]:
            yield from _birthday(rule, window, after_id=old["customer"])
        for rule in by_trigger["new_customer"]:
            yield from _new_customer(rule, window, after_id=old["customer"])
    if marks["feedback"] > old["feedback"]:
        for rule in by_trigger["complaint"]:
            yield from _complaint(rule, window, after_id=old["feedback"])


def _all_candidates(by_trigger: dict[str, list[CareRule]], window: Window,
                    segment_rules: SegmentRules, allowed: Allowed, dated_only: bool = False):
    """Every rule's tasks in the window (dated_only: not the win-back and loyalty ones,
    whose events are told on their day only)."""
    if by_trigger["after_purchase"]:
        yield from _after_purchase(by_trigger["after_purchase"], window, allowed)
    if by_trigger["became_loyal"] and not dated_only:
        yield from _became_loyal(by_trigger["became_loyal"], window, segment_rules, allowed)
    for rule in by_trigger["birthday"]:
        yield from _birthday(rule, window)
    for rule in by_trigger["became_lapsed"] if not dated_only else ():
        yield from _became_lapsed(rule, window, segment_rules, allowed)
    for rule in by_trigger["complaint"]:
        yield from _complaint(rule, window)
    for rule in by_trigger["new_customer"]:
        yield from _new_customer(rule, window)


# -- writing ------------------------------------------------------------------------------

def _existing(start: dt.date) -> set[str]:
    """The keys of the tasks due from `start` on (one range on the due-date index).

    A candidate's task, if it exists, is due when the candidate says (or later: snoozed),
    unless a rule's offset or a purchase date changed since; then the unique key still
    refuses the copy (INSERT OR IGNORE), the task is only counted as created."""
    query = CareTask.select(CareTask.source_key).where(
        (CareTask.due_date >= start) & CareTask.source_key.is_null(False))
    return {key for (key,) in _rows(query)}


_COLUMNS = ("customer_id", "task_type", "stage", "step", "title", "due_date", "recurrence",
            "status", "rule_id", "source_key", "created_at")


def _insert(candidates: list[Candidate]) -> int:
    """Write the new tasks in bulk; a key written meanwhile by another counter is skipped."""
    if not candidates:
        return 0
    now = utcnow()
    rows = [(c.customer_id, c.rule.task_type, c.rule.stage, STEPS.get(c.rule.task_type,
             (None, None))[1], c.rule.name, c.due, c.recurrence, "planned", c.rule.id, c.key,
             now) for c in candidates]
    table, columns = CareTask._meta.table_name, ", ".join(_COLUMNS)
    cursor = db.cursor()
    if connection.is_sqlite():
        marks = ", ".join("?" * len(_COLUMNS))
        cursor.executemany(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", rows)
    else:
        from psycopg2.extras import execute_values

        execute_values(cursor, f"INSERT INTO {table} ({columns}) VALUES %s "
                               "ON CONFLICT (source_key) DO NOTHING", rows, page_size=2000)
    return len(rows)


def _existing_of(keys: list[str]) -> set[str]:
    """Which of these keys have a task (a few candidates: looked up, not a range read)."""
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        query = CareTask.select(CareTask.source_key).where(
            CareTask.source_key.in_(keys[start:start + _CHUNK]))
        found.update(key for (key,) in _rows(query))
    return found


def _write(candidates, window: Window) -> Counter:
    """Insert the candidates whose key is new; created tasks per task type."""
    wanted: dict[str, Candidate] = {}
    for candidate in candidates:
        wanted.setdefault(candidate.key, candidate)
    if len(wanted) <= 10 * _CHUNK:
        existing = _existing_of(list(wanted))
    else:
        existing = _existing(window.start)
    new = [c for key, c in wanted.items() if key not in existing]
    _insert(new)
    return Counter(c.rule.task_type for c in new)


class Generated(NamedTuple):
    """What generate() did: tasks created per task type, and stale win-backs removed."""

    created: dict[str, int]
    removed: int

    @property
    def total(self) -> int:
        return sum(self.created.values())


def generate(today: dt.date | None = None, catch_up_days: int | None = None) -> Generated:
    """Create the tasks the enabled rules want from today - catch-up to today + 7 days
    that do not exist yet (see the module docstring); safe to run any number of times.

    Each complete run is remembered (the setting care_generated: its day and window,
    the rules, and the last purchase, customer, feedback and task ids with a few
    aggregates of the rows up to them). When the next run finds the rules and those
    rows as they were, it only reads what the last one could not see (`_candidates`
    with `since`): the same day with nothing new, nothing at all. Anything else (a rule
    or segment rule edited, a customer edited, trashed or restored, a consent given or
    withdrawn, an older row or a task deleted, a day earlier than the last) reads
    everything again; so do the hooks below, when a purchase or complaint is edited or
    deleted. A row changed by hand in the database without touching these (a purchase
    date set by SQL) is only seen by the next full run: forget_generated()."""
    today = today or dt.date.today()
    window = Window.of(today, catch_up_days)
    with db.atomic():
        all_rules = list(CareRule.select().order_by(CareRule.id))
        signature = _signature(all_rules, window)
        state, marks = settings.get(GENERATED_KEY), _marks()
        since = None
        if (state and state.get("signature") == signature and state["on"] <= today.isoformat()
                and state["old"] == _old_rows(state["marks"])):
            since = Since(dt.date.fromisoformat(state["on"]),
                          dt.date.fromisoformat(state["end"]), state["marks"])
        rules = [rule for rule in all_rules if rule.enabled]
        removed = _drop_stale_win_backs()
        if since is not None and since.today == today and since.marks == marks:
            created: Counter = Counter()  # as the last run left it: nothing new
        else:
            created = _write(_candidates(rules, window, since, marks), window)
        marks["task"] = _rows(CareTask.select(fn.MAX(CareTask.id)))[0][0] or 0
        unchanged = since is not None and since.marks == marks and not removed
        old = state["old"] if unchanged else _old_rows(marks)
        settings.put(GENERATED_KEY, {"on": today.isoformat(), "end": window.end.isoformat(),
                                     "signature": signature, "marks": marks, "old": old})
    return Generated(dict(created), removed)


GENERATED_KEY = "care_generated"


def _json(value):
    """As the setting reads back (dates and timestamps as text)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _signature(rules: list[CareRule], window: Window) -> list:
    """What makes every task anew when it changes: the rules, segment rules, catch-up."""
    return _json([[[r.id, r.trigger, r.task_type, r.stage, r.name, r.offset_days,
                    bool(r.enabled)] for r in rules],
                  settings.get("segment_rules"), (window.end - window.start).days])


def _marks() -> dict[str, int]:
    """The last purchase, customer, feedback and task ids (0: none)."""
    row = _rows(Purchase.select(fn.MAX(Purchase.id), Customer.select(fn.MAX(Customer.id)),
                                Feedback.select(fn.MAX(Feedback.id)),
                                CareTask.select(fn.MAX(CareTask.id))))[0]
    return {"purchase": row[0] or 0, "customer": row[1] or 0, "feedback": row[2] or 0,
            "task": row[3] or 0}


def _old_rows(marks: dict[str, int]) -> list:
    """Aggregates of the rows up to `marks` (and of all consents) that change when one
    of them is deleted or edited: a count, and the last change a row records (a task
    deleted, by hand or with its customer, is made again by the next full run)."""
    purchases = Purchase.select(fn.COUNT(Purchase.id)).where(Purchase.id <= marks["purchase"])
    people = (Customer.select(fn.COUNT(Customer.id), fn.MAX(Customer.updated_at),
                              fn.MAX(Customer.deleted_at), fn.COUNT(Customer.deleted_at))
              .where(Customer.id <= marks["customer"]))
    consents = Consent.select(fn.COUNT(Consent.id), fn.MAX(Consent.id), fn.MAX(Consent.given_at),
                              fn.MAX(Consent.withdrawn_at), fn.COUNT(Consent.withdrawn_at))
    feedback = (Feedback.select(fn.COUNT(Feedback.id),
                                fn.SUM(Case(None, [(Feedback.kind == "complaint", 1)], 0)))
                .where(Feedback.id <= marks["feedback"]))
    tasks = CareTask.select(fn.COUNT(CareTask.id)).where(CareTask.id <= marks["task"])
    return _json([list(_rows(query)[0])
                  for query in (purchases, people, consents, feedback, tasks)])


def forget_generated() -> None:
    """Make the next generate() read everything again (an event changed in place)."""
    if settings.get(GENERATED_KEY) is not None:
        settings.put(GENERATED_KEY, None)


# -- hooks ----------------------------------------------------------------------------------

def _planned():
    return CareTask.status == "planned"


def _all_rule_ids() -> list[int]:
    return [rid for (rid,) in _rows(CareRule.select(CareRule.id))]


def _purchase_keys(purchase_id: int) -> list[str]:
    return [f"rule:{rid}:purchase:{purchase_id}" for rid in _all_rule_ids()]


def purchase_changed(purchase_id: int, today: dt.date | None = None) -> None:
    """After a purchase was added or edited: its planned tasks follow its date (and
    customer), win-backs it makes stale go, and its own tasks are created if due."""
    purchase = Purchase.get_or_none(Purchase.id == purchase_id)
    if purchase is None:
        purchase_deleted(purchase_id)
        return
    today = today or dt.date.today()
    with db.atomic():
        state = settings.get(GENERATED_KEY)
        if state and purchase_id <= state["marks"]["purchase"]:
            forget_generated()  # edited: its date or customer may have moved
        rules = {r.id: r for r in CareRule.select()}
        planned = CareTask.select().where(CareTask.source_key.in_(_purchase_keys(purchase_id))
                                          & _planned())
        for task in planned:
            rule = rules.get(task.rule_id)
            due = purchase.date + _days(rule.offset_days if rule else 0)
            if (task.due_date, task.customer_id) != (due, purchase.customer_id):
                (CareTask.update(due_date=due, customer=purchase.customer_id)
                 .where(CareTask.id == task.id).execute())
        _drop_stale_win_backs(purchase.customer_id)
        window = Window.of(today)
        enabled = [r for r in rules.values() if r.enabled and r.trigger == "after_purchase"]
        if enabled:
            _write(_after_purchase(enabled, window, Allowed(), purchase_id), window)


def purchase_deleted(purchase_id: int) -> int:
    """Before or after a purchase is deleted: remove its tasks not done yet; how many."""
    forget_generated()
    return (CareTask.delete().where(CareTask.source_key.in_(_purchase_keys(purchase_id))
                                    & _planned()).execute())


def purchases_of_import_deleted(batch_id: int) -> int:
    """Before an import's purchases are deleted (undo): remove their tasks not done yet."""
    return _tasks_of_import_deleted(Purchase, "purchase", batch_id)


def complaints_of_import_deleted(batch_id: int) -> int:
    """Before an import's feedback is deleted (undo): remove its complaints' follow-ups
    not done yet."""
    return _tasks_of_import_deleted(Feedback, "complaint", batch_id)


def _tasks_of_import_deleted(model, event: str, batch_id: int) -> int:
    """The planned tasks of the `event`s made by the rows of `model` of import `batch_id`
    deleted; how many."""
    forget_generated()
    keys = [f"rule:{rid}:{event}:" for rid in _all_rule_ids()]
    ids = [row_id for (row_id,) in model.select(model.id)
           .where(model.import_batch == batch_id).tuples()]
    removed = 0
    for start in range(0, len(ids), 100):  # keys x ids stay below any parameter limit
        chunk = [key + str(row_id) for key in keys for row_id in ids[start:start + 100]]
        removed += CareTask.delete().where(CareTask.source_key.in_(chunk) & _planned()).execute()
    return removed


def complaint_deleted(feedback_id: int) -> int:
    """When a complaint is deleted: remove its follow-ups not done yet; how many."""
    forget_generated()
    keys = [f"rule:{rid}:complaint:{feedback_id}" for rid in _all_rule_ids()]
    return CareTask.delete().where(CareTask.source_key.in_(keys) & _planned()).execute()


def _drop_stale_win_backs(customer_id: int | None = None) -> int:
    """Delete planned win-back tasks (of became_lapsed rules) whose customer bought
    again after the purchase that made them lapsed; how many."""
    lapsed_rules = CareRule.select(CareRule.id).where(CareRule.trigger == "became_lapsed")
    newest = (Purchase.select(fn.MAX(Purchase.date))
              .where(Purchase.customer == CareTask.customer))
    query = (CareTask.select(CareTask.id, CareTask.source_key, newest)
             .where(_planned() & CareTask.rule.in_(lapsed_rules)
                    & CareTask.source_key.contains(":lapsed:")))
    if customer_id is not None:
        query = query.where(CareTask.customer == customer_id)
    stale = [tid for tid, key, last in _rows(query)
             if last is not None and as_date(last).isoformat() > key.rsplit(":", 1)[-1]]
    for start in range(0, len(stale), _CHUNK):
        CareTask.delete().where(CareTask.id.in_(stale[start:start + _CHUNK])).execute()
    return len(stale)


def next_birthday_key(source_key: str) -> str | None:
    """The key of next year's greeting of a birthday task key, None if not one."""
    parts = source_key.split(":") if source_key else []
    if len(parts) == 5 and parts[0] == "rule" and parts[2] == "birthday" and parts[4].isdigit():
        return ":".join(parts[:4] + [str(int(parts[4]) + 1)])
    return None


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day `months` months later (31 January + 1 month: 28/29 February)."""
    return months_before(day, -months)
