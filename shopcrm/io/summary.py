"""A customer's one-page summary as HTML, for printing and PDF.

Qt-free: the caller passes `translate(text) -> text` for the labels (the UI
gives Qt's translator, so the page is in the window's language) and the
money and date formatters of that language.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Callable

from shopcrm.core import care, customers, history, phones
from shopcrm.core.errors import QT_TRANSLATE_NOOP
from shopcrm.db.models import Customer, Feedback, Interaction, Purchase

RECENT = 5

# Section headings (marked apart: lupdate cannot read markers inside f-strings).
NOTES = QT_TRANSLATE_NOOP("summary", "Notes")
LAST_PURCHASES = QT_TRANSLATE_NOOP("summary", "Last purchases")
OPEN_TASKS = QT_TRANSLATE_NOOP("summary", "Open care tasks")
RECENT_INTERACTIONS = QT_TRANSLATE_NOOP("summary", "Recent interactions")
FEEDBACK = QT_TRANSLATE_NOOP("summary", "Feedback")


def customer_summary_html(
    customer_id: int,
    translate: Callable[[str], str],
    money: Callable[[int], str],
    date: Callable[[dt.date], str],
    labels: Callable[[str, str | None], str],
) -> str:
    """The summary page of one customer; every label goes through `translate`."""
    t = translate
    customer = customers.get(customer_id)
    summary = history.purchase_summary(customer_id)
    rows = [
        (t(QT_TRANSLATE_NOOP("summary", "Code")), customer.code),
        (t(QT_TRANSLATE_NOOP("summary", "Phone")),
         " · ".join(phones.format_phone(p) for p in (customer.phone, customer.phone2) if p)),
        (t(QT_TRANSLATE_NOOP("summary", "Email")), customer.email or ""),
        (t(QT_TRANSLATE_NOOP("summary", "Address")), _address(customer)),
        (t(QT_TRANSLATE_NOOP("summary", "Birthday")), date(customer.birthday) if customer.birthday else ""),
        (t(QT_TRANSLATE_NOOP("summary", "Gender")), labels("gender", customer.gender)),
        (t(QT_TRANSLATE_NOOP("summary", "Source")), labels("source", customer.source)),
        (t(QT_TRANSLATE_NOOP("summary", "Segment")), labels("funnel_segment", customer.funnel_segment)),
        (t(QT_TRANSLATE_NOOP("summary", "Purchases")), str(summary.count)),
        (t(QT_TRANSLATE_NOOP("summary", "Total spent")), money(summary.total)),
        (t(QT_TRANSLATE_NOOP("summary", "Average basket")), money(summary.average)),
        (t(QT_TRANSLATE_NOOP("summary", "Last purchase")), date(summary.last) if summary.last else ""),
    ]
    parts = [f"<h1>{escape(customer.name)}</h1>", _table(rows)]
    parts += _recent_purchases(customer_id, t, money, date)
    parts += _open_tasks(customer_id, t, date, labels)
    parts += _recent_notes(customer_id, t, date)
    if customer.notes:
        parts += [_heading(t, NOTES),
                  f"<p>{escape(customer.notes)}</p>"]
    return "<html><body>" + "\n".join(parts) + "</body></html>"


def _heading(translate: Callable[[str], str], text: str) -> str:
    return f"<h3>{escape(translate(text))}</h3>"


def _address(customer: Customer) -> str:
    return ", ".join(p for p in (customer.address, customer.ward, customer.district,
                                 customer.province) if p)


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>"
                    for k, v in rows if v)
    return f"<table cellspacing='0' cellpadding='3'>{cells}</table>"


def _recent_purchases(customer_id, t, money, date) -> list[str]:
    purchases = (Purchase.select().where(Purchase.customer == customer_id)
                 .order_by(Purchase.date.desc()).limit(RECENT))
    rows = [(date(p.date), f"{money(p.amount)}  {p.description or ''}") for p in purchases]
    if not rows:
        return []
    return [_heading(t, LAST_PURCHASES), _table(rows)]


def _open_tasks(customer_id, t, date, labels) -> list[str]:
    rows = [(date(task.due_date), task.title or labels("task_type", task.task_type))
            for task in care.tasks_of(customer_id) if task.status == "planned"]
    if not rows:
        return []
    return [_heading(t, OPEN_TASKS), _table(rows)]


def _recent_notes(customer_id, t, date) -> list[str]:
    interactions = [(date(i.at.date()), i.summary) for i in Interaction.select()
                    .where(Interaction.customer == customer_id)
                    .order_by(Interaction.at.desc()).limit(RECENT)]
    feedback = [(date(f.at.date()), ("★" * (f.rating or 0)) + "  " + (f.comment or ""))
                for f in Feedback.select().where(Feedback.customer == customer_id)
                .order_by(Feedback.at.desc()).limit(RECENT)]
    parts = []
    if interactions:
        parts += [_heading(t, RECENT_INTERACTIONS),
                  _table(interactions)]
    if feedback:
        parts += [_heading(t, FEEDBACK), _table(feedback)]
    return parts
