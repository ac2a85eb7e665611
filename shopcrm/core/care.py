"""The care schedule: which tasks are overdue or due today, and marking them done."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from peewee import fn

from shopcrm.core.errors import QT_TRANSLATE_NOOP, ValidationError
from shopcrm.db.connection import db
from shopcrm.db.models import CareTask, Customer, Interaction, utcnow

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


def finish(task_id: int, status: str = "done", outcome: str = "") -> None:
    """Mark a task done or skipped; its outcome goes into the customer's interactions."""
    if status not in ("done", "skipped"):
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "A task can only be done or skipped."))
    with db.atomic():
        task = CareTask.get_by_id(task_id)
        if task.status != "planned":
            return
        task.status, task.outcome, task.done_at = status, outcome or None, utcnow()
        task.save()
        summary = task.title or task.task_type
        Interaction.create(customer=task.customer_id, kind="note",
                           summary=f"{summary}: {outcome}" if outcome else summary)
