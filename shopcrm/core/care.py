"""The care schedule: which tasks are overdue or due today, and acting on them.

Listing: `due_by`, `upcoming`, `counts`, `tasks_of`, and `sheet(today)`: the day's
call sheet (overdue and due tasks with the customer's code, phone and the filled
message). The tasks themselves are made by the rules of core.care_rules (`run_day`
runs them, then lists).

Acting on a planned task (done and skipped tasks are history and stay as they are):
`complete(id, outcome)` and `skip(id, outcome)` finish it and log an Interaction
on the customer; a recurring task ("yearly", "days:N", "months:N") then gets its
next occurrence (the first one after today, so a long-overdue task does not come
back as a string of overdue copies). `snooze(id, to_date)` moves its due date,
`reassign(id, who)` gives it to someone (None: nobody).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from peewee import JOIN, fn

from shopcrm.core import care_rules, templates
from shopcrm.core.errors import QT_TRANSLATE_NOOP, ValidationError
from shopcrm.core.purchases import NotFoundError
from shopcrm.db import connection
from shopcrm.db.connection import db
from shopcrm.db.models import CareRule, CareTask, Customer, Interaction, Purchase, utcnow

UPCOMING_DAYS = 7


class TaskRow(NamedTuple):
    id: int
    customer_id: int
    customer_name: str
    task_type: str
    title: str | None
    due_date: dt.date
    status: str


_FIELDS = (CareTask.id, CareTask.customer, Customer.name, CareTask.task_type, CareTask.title,
           CareTask.due_date, CareTask.status)


def _rows(query) -> list[TaskRow]:
    return [TaskRow(*values) for values in query.tuples()]


def _base():
    """Tasks of customers not in the trash; marketing ones only with marketing consent."""
    from shopcrm.core.privacy import without_marketing_consent

    return (CareTask.select(*_FIELDS).join(Customer)
            .where(Customer.deleted_at.is_null() & ~without_marketing_consent()))


def due_by(today: dt.date, limit: int = 1_000) -> list[TaskRow]:
    """Planned tasks due today or earlier, oldest first: the shop's call sheet."""
    query = (_base().where((CareTask.status == "planned") & (CareTask.due_date <= today))
             .order_by(CareTask.due_date, Customer.sort_key).limit(limit))
    return _rows(query)


def upcoming(today: dt.date, days: int = UPCOMING_DAYS) -> list[TaskRow]:
    """Planned tasks due in the next `days` days."""
    end = today + dt.timedelta(days=days)
    query = (_base().where((CareTask.status == "planned") & (CareTask.due_date > today)
                           & (CareTask.due_date <= end))
             .order_by(CareTask.due_date, Customer.sort_key))
    return _rows(query)


def counts(today: dt.date) -> tuple[int, int]:
    """(overdue, due today) planned tasks."""
    planned = _base().where(CareTask.status == "planned")
    overdue = planned.where(CareTask.due_date < today).count()
    due_today = planned.where(CareTask.due_date == today).count()
    return overdue, due_today


def change_stamp() -> tuple:
    """Changes whenever a task is added or finished (by any counter)."""
    return tuple(CareTask.select(fn.COUNT(CareTask.id), fn.MAX(CareTask.id),
                                 fn.MAX(CareTask.done_at)).tuples().get())


def tasks_of(customer_id: int) -> list[TaskRow]:
    """A customer's tasks: planned ones first by due date, then the finished ones."""
    query = (CareTask.select(*_FIELDS).join(Customer)
             .where(CareTask.customer == customer_id)
             .order_by(CareTask.status != "planned", CareTask.due_date.desc()))
    return _rows(query)


def finish(task_id: int, status: str = "done", outcome: str = "", kind: str = "note",
           staff: str | None = None, today: dt.date | None = None) -> int | None:
    """Mark a planned task done or skipped; its outcome goes into the customer's
    interactions. The id of the next occurrence of a recurring task, else None.
    A task finished meanwhile (another counter) is left as it is."""
    from shopcrm.core.interactions import clean_staff

    if status not in ("done", "skipped"):
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "A task can only be done or skipped."))
    outcome, staff = (outcome or "").strip(), clean_staff(staff)
    with db.atomic():
        task = _task(task_id)
        moved = (CareTask.update(status=status, outcome=outcome or None, done_at=utcnow())
                 .where((CareTask.id == task_id) & (CareTask.status == "planned")).execute())
        if not moved:
            return None
        summary = task.title or task.task_type
        if status == "skipped":
            summary = f"{summary} ({SKIPPED_WORD})"
        Interaction.create(customer=task.customer_id, kind=kind, staff=staff,
                           summary=f"{summary}: {outcome}" if outcome else summary)
        return _repeat(task, today or dt.date.today())


SKIPPED_WORD = "bỏ qua"  # in the interaction's summary of a skipped task (shop data: Vietnamese)


def complete(task_id: int, outcome: str = "", kind: str = "note", staff: str | None = None,
             today: dt.date | None = None) -> int | None:
    """Done, with what happened; the id of the next occurrence if the task recurs."""
    return finish(task_id, "done", outcome, kind, staff, today)


def skip(task_id: int, outcome: str = "", staff: str | None = None,
         today: dt.date | None = None) -> int | None:
    """Skipped (not needed, customer unreachable…), with why; next occurrence as complete()."""
    return finish(task_id, "skipped", outcome, "note", staff, today)


def _task(task_id: int) -> CareTask:
    task = CareTask.get_or_none(CareTask.id == task_id)
    if task is None:
        raise NotFoundError(QT_TRANSLATE_NOOP(
            "errors", "This task no longer exists (deleted at another counter?)."))
    return task


def _planned_task(task_id: int) -> CareTask:
    task = _task(task_id)
    if task.status != "planned":
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "This task is already finished."))
    return task


def snooze(task_id: int, to_date: dt.date, today: dt.date | None = None) -> None:
    """Put a planned task off to `to_date` (today or later)."""
    today = today or dt.date.today()
    if not isinstance(to_date, dt.date) or to_date < today:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "Put a task off to today or later."))
    if isinstance(to_date, dt.datetime):
        to_date = to_date.date()
    with db.atomic():
        _planned_task(task_id)
        CareTask.update(due_date=to_date).where(CareTask.id == task_id).execute()


def reassign(task_id: int, who: str | None) -> None:
    """Give a planned task to someone (a name as the shop writes it); None or "": nobody."""
    from shopcrm.core.interactions import clean_staff

    who = clean_staff(who)
    with db.atomic():
        _planned_task(task_id)
        CareTask.update(assigned_to=who).where(CareTask.id == task_id).execute()


# -- recurrence -------------------------------------------------------------------------

_RECURRENCE = re.compile(r"^(days|months):([1-9][0-9]{0,3})$")


def parse_recurrence(text: str | None) -> tuple[str, int] | None:
    """("months", 12) for "yearly", ("days", N) for "days:N", ("months", N) for "months:N";
    None for no recurrence; ValidationError for anything else."""
    if not text:
        return None
    if text == "yearly":
        return ("months", 12)
    match = _RECURRENCE.match(text)
    if match is None:
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "A repeat is \"yearly\", \"days:N\" or \"months:N\"."))
    return match.group(1), int(match.group(2))


def next_due(due: dt.date, recurrence: str, today: dt.date) -> dt.date:
    """The first occurrence after `today` (and after `due`) of a task recurring from `due`."""
    unit, count = parse_recurrence(recurrence)
    step = 1
    while True:
        if unit == "days":
            candidate = due + dt.timedelta(days=count * step)
        else:
            candidate = care_rules.months_after(due, count * step)
        if candidate > today:
            return candidate
        step += 1


def _repeat(task: CareTask, today: dt.date) -> int | None:
    """Create the next occurrence of a recurring task; its id (None: not recurring)."""
    if not task.recurrence:
        return None
    key = care_rules.next_birthday_key(task.source_key)
    if key is not None:  # next year's greeting, the one the rule would make itself
        year = int(key.rsplit(":", 1)[-1])
        customer = Customer.get_by_id(task.customer_id)
        rule = CareRule.get_or_none(CareRule.id == task.rule_id)
        if customer.birthday is None:
            return None
        due = (care_rules.anniversary(customer.birthday, year)
               + dt.timedelta(days=rule.offset_days if rule else 0))
    else:
        key = f"repeat:{task.id}"
        due = next_due(task.due_date, task.recurrence, today)
    existing = CareTask.get_or_none(CareTask.source_key == key)
    if existing is not None:
        return existing.id
    return CareTask.create(
        customer=task.customer_id, task_type=task.task_type, stage=task.stage, step=task.step,
        title=task.title, due_date=due, due_time=task.due_time, recurrence=task.recurrence,
        assigned_to=task.assigned_to, rule=task.rule_id, source_key=key).id


# -- the day's call sheet ---------------------------------------------------------------

class SheetRow(NamedTuple):
    id: int
    customer_id: int
    customer_code: str
    customer_name: str
    phone: str | None
    task_type: str
    title: str | None
    due_date: dt.date
    assigned_to: str | None
    message: str

    def overdue(self, today: dt.date) -> bool:
        return self.due_date < today


def sheet(today: dt.date | None = None, limit: int | None = None,
          shop_name: str | None = None) -> list[SheetRow]:
    """Planned tasks due today or earlier (customers not in the trash; marketing ones
    only with consent), oldest first then by name, each with its filled message.

    One query lists the rows (filtered and ordered by the database); the purchase facts
    a message needs are read afterwards, per customer and only where its template uses
    them: the last purchase for {last_purchase}/{last_purchase_date}, the total spent for
    {points}; each template is parsed once."""
    from shopcrm.core import settings
    from shopcrm.core.privacy import without_marketing_consent

    today = today or dt.date.today()
    if shop_name is None:
        shop_name = settings.get("shop_name")
    vnd_per_point = settings.get("loyalty_points_vnd")
    query = (CareTask.select(CareTask.id, CareTask.customer, Customer.code, Customer.name,
                             Customer.phone, CareTask.task_type, CareTask.title,
                             CareTask.due_date, CareTask.assigned_to, CareRule.template,
                             Customer.kind, Customer.gender, Customer.birthday,
                             Customer.honorific)
             .join(Customer).switch(CareTask).join(CareRule, JOIN.LEFT_OUTER)
             .where((CareTask.status == "planned") & (CareTask.due_date <= today)
                    & Customer.deleted_at.is_null() & ~without_marketing_consent())
             .order_by(CareTask.due_date, Customer.sort_key, CareTask.id))
    if limit is not None:
        query = query.limit(limit)
    sql, params = query.sql()  # the driver's rows: peewee's per-value conversion is slow
    found = db.execute_sql(sql, params).fetchall()
    parsed: dict[tuple[str, str | None], templates.Compiled] = {}
    need_last: set[int] = set()
    need_total: set[int] = set()
    for row in found:
        key = (row[5], row[9])
        compiled = parsed.get(key)
        if compiled is None:
            compiled = parsed[key] = templates.compiled(templates.template_for(*key))
        if not compiled.names.isdisjoint(_LAST_NAMES):
            need_last.add(row[1])
        if "points" in compiled.names:
            need_total.add(row[1])
    last = _last_purchases(need_last, today if limit is None else None)
    totals = _totals(need_total)
    rows = []
    values_cache: dict[int, dict[str, str]] = {}  # customer -> values (shared by their tasks)
    names = frozenset().union(*(c.names for c in parsed.values()))
    for (tid, cid, code, name, phone, task_type, title, due, assigned, template, kind, gender,
         birthday, honorific) in found:
        compiled = parsed[(task_type, template)]
        if compiled.names:
            values = values_cache.get(cid)
            if values is None:
                last_date, last_description = last.get(cid, (None, None))
                facts = templates.Facts(name, kind, gender, _date(birthday), honorific,
                                        last_date, last_description, totals.get(cid, 0))
                values = values_cache[cid] = templates.values_of(facts, shop_name, vnd_per_point,
                                                              today, names)
            text = compiled.render(values)
        else:
            text = compiled.text
        rows.append(SheetRow(tid, cid, code, name, phone, task_type, title, _date(due),
                             assigned, text or title or ""))
    return rows


_LAST_NAMES = frozenset({"last_purchase", "last_purchase_date"})
_CHUNK = 900  # ids per IN (...): below every SQLite's variable limit


def _last_purchases(customer_ids: set[int], today: dt.date | None) -> dict[int, tuple]:
    """customer -> (date, description) of their last purchase (latest date, then the
    last written). With `today`: read for the customers of the whole sheet at once
    (one pass, no id list); else for `customer_ids` in chunks."""
    if not customer_ids:
        return {}
    latest = Purchase.alias()
    out: dict[int, tuple] = {}

    def read(customers):
        # Two steps, each a walk of an index: (customer, id of the last purchase) by
        # the customer index, then those purchases by id (a join here lets PostgreSQL
        # choose to hash the whole purchase table).
        newest = (latest.select(latest.id).where(latest.customer == customers.c.customer_id)
                  .order_by(latest.date.desc(), latest.id.desc()).limit(1))
        sql, params = Purchase.select(newest).from_(customers).sql()
        ids = sorted(pid for (pid,) in db.execute_sql(sql, params) if pid is not None)
        mark = "?" if connection.is_sqlite() else "%s"  # (peewee's SQL of 900 ids is slow)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            sql = (f"SELECT customer_id, date, description FROM {Purchase._meta.table_name} "
                   f"WHERE id IN ({', '.join([mark] * len(chunk))})")
            for cid, day, description in db.execute_sql(sql, chunk):
                if cid in customer_ids:
                    out[cid] = (day, description)

    if today is not None and len(customer_ids) > _CHUNK:
        read(CareTask.select(CareTask.customer.alias("customer_id")).distinct()
             .where((CareTask.status == "planned") & (CareTask.due_date <= today))
             .alias("mine"))
    else:
        ids = sorted(customer_ids)
        for start in range(0, len(ids), _CHUNK):
            read(Customer.select(Customer.id.alias("customer_id"))
                 .where(Customer.id.in_(ids[start:start + _CHUNK])).alias("mine"))
    return out


def _totals(customer_ids: set[int]) -> dict[int, int]:
    """customer -> total spent (₫), for the customers whose message shows {points}."""
    ids, out = sorted(customer_ids), {}
    for start in range(0, len(ids), _CHUNK):
        query = (Purchase.select(Purchase.customer, fn.SUM(Purchase.amount))
                 .where(Purchase.customer.in_(ids[start:start + _CHUNK]))
                 .group_by(Purchase.customer))
        sql, params = query.sql()
        out.update((cid, int(total or 0)) for cid, total in db.execute_sql(sql, params))
    return out


def _date(value) -> dt.date | None:
    """SQLite returns dates as text, PostgreSQL as dates."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def run_day(today: dt.date | None = None) -> tuple[care_rules.Generated, list[SheetRow]]:
    """What the morning does: default rules if none, the day's tasks generated, the sheet."""
    today = today or dt.date.today()
    care_rules.ensure_default_rules()
    generated = care_rules.generate(today)
    return generated, sheet(today)
