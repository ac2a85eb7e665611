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
    only with consent), oldest first then by name, each with its filled message."""
    from shopcrm.core import settings
    from shopcrm.core.privacy import without_marketing_consent

    today = today or dt.date.today()
    if shop_name is None:
        shop_name = settings.get("shop_name")
    vnd_per_point = settings.get("loyalty_points_vnd")
    mine = Purchase.customer == CareTask.customer
    last_date = Purchase.select(fn.MAX(Purchase.date)).where(mine)
    last_text = (Purchase.select(Purchase.description).where(mine)
                 .order_by(Purchase.date.desc(), Purchase.id.desc()).limit(1))
    total = Purchase.select(fn.SUM(Purchase.amount)).where(mine)
    query = (CareTask.select(CareTask.id, CareTask.customer, Customer.code, Customer.name,
                             Customer.phone, CareTask.task_type, CareTask.title,
                             CareTask.due_date, CareTask.assigned_to, CareRule.template,
                             Customer.kind, Customer.gender, Customer.birthday,
                             Customer.honorific, last_date, last_text, total)
             .join(Customer).switch(CareTask).join(CareRule, JOIN.LEFT_OUTER)
             .where((CareTask.status == "planned") & (CareTask.due_date <= today)
                    & Customer.deleted_at.is_null() & ~without_marketing_consent())
             .order_by(CareTask.due_date, Customer.sort_key, CareTask.id))
    if limit is not None:
        query = query.limit(limit)
    rows = []
    sql, params = query.sql()  # the driver's rows: peewee's per-value conversion is slow
    for (tid, cid, code, name, phone, task_type, title, due, assigned, template, kind, gender,
         birthday, honorific, last, last_description, spent) in db.execute_sql(sql, params):
        due, birthday = _date(due), _date(birthday)
        facts = templates.Facts(name, kind, gender, birthday, honorific, last,
                                last_description, int(spent or 0))
        values = templates.values_of(facts, shop_name, vnd_per_point, today)
        text = templates.render(templates.template_for(task_type, template), values)
        rows.append(SheetRow(tid, cid, code, name, phone, task_type, title, due, assigned,
                             text or title or ""))
    return rows


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
