"""A customer's one-page summary, and the one-line-per-customer list, as HTML for printing.

Qt-free: the caller passes `translate(text) -> text` for the labels (the UI
gives Qt's translator, so the page is in the window's language) and the
money, date and choice-label formatters of that language. ui.printing lays
the HTML out on A4 pages (QTextDocument) and writes PDFs.

The page is built to fit one A4 sheet: at most RECENT purchases, tasks and
interactions, FEEDBACK_ROWS feedback, and long texts cut with "…".
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Callable, Iterable, NamedTuple

from peewee import JOIN, fn

from shopcrm.core import care, customers, feedback, history, honorifics, phones, segments, settings
from shopcrm.core.dates import as_date
from shopcrm.core.errors import QT_TRANSLATE_NOOP
from shopcrm.db.models import Customer, Feedback, Interaction, Purchase

RECENT = 5
FEEDBACK_ROWS = 3
CELL_MAX = 90  # characters of a table cell (a purchase, an interaction, a comment)
NOTES_MAX = 600  # characters of the notes
NOTES_LINES = 8
TAGS_MAX = 8

# Print colours: light, so a black-and-white printer shows them as pale grey.
BAND = "#dde7f0"
RULE = "#9fb3c8"
BADGE = "#e8eef5"
LOYAL = "#f7e3a1"
HEAD = "#eef2f6"

# Section headings and titles (marked apart: lupdate cannot read markers inside f-strings).
TITLE = QT_TRANSLATE_NOOP("summary", "Customer summary")
LIST_TITLE = QT_TRANSLATE_NOOP("summary", "Customer list")
PRINTED = QT_TRANSLATE_NOOP("summary", "Printed {date}")
CONTACT = QT_TRANSLATE_NOOP("summary", "Contact")
KEY_FIGURES = QT_TRANSLATE_NOOP("summary", "Key figures")
NOTES = QT_TRANSLATE_NOOP("summary", "Notes")
CODE = QT_TRANSLATE_NOOP("summary", "Customer code")
FORM_OF_ADDRESS = QT_TRANSLATE_NOOP("summary", "Form of address")
LAST_PURCHASES = QT_TRANSLATE_NOOP("summary", "Last purchases")
OPEN_TASKS = QT_TRANSLATE_NOOP("summary", "Open care tasks")
RECENT_INTERACTIONS = QT_TRANSLATE_NOOP("summary", "Recent interactions")
FEEDBACK = QT_TRANSLATE_NOOP("summary", "Feedback")
LOYAL_MARK = QT_TRANSLATE_NOOP("summary", "★ Loyal customer")
MORE = QT_TRANSLATE_NOOP("summary", "… and {count} more")


def customer_summary_html(
    customer_id: int,
    translate: Callable[[str], str],
    money: Callable[[int], str],
    date: Callable[[dt.date], str],
    labels: Callable[[str, str | None], str],
    *,
    decimal: Callable[[float], str] | None = None,
    shop_name: str | None = None,
    today: dt.date | None = None,
) -> str:
    """The summary page of one customer; every label goes through `translate`.

    `decimal` formats the average rating (default: one decimal with a point);
    `shop_name` defaults to the shop's setting (pass it when printing many).
    """
    t = translate
    decimal = decimal or (lambda value: f"{value:.1f}")
    today = today or dt.date.today()
    customer = customers.get(customer_id)
    if shop_name is None:
        shop_name = settings.get("shop_name") or ""
    parts = [_band(shop_name, t(TITLE), t(PRINTED).format(date=date(today))),
             _title(customer, t, labels, today),
             _columns(_contact(customer, t, date), _figures(customer, t, money, date, decimal))]
    parts += _recent_purchases(customer_id, t, money, date)
    parts += _open_tasks(customer_id, t, date, labels)
    parts += _recent_notes(customer_id, t, date, labels)
    if customer.notes:
        parts += [_heading(t, NOTES),
                  f"<p>{_lines(customer.notes, NOTES_MAX, NOTES_LINES)}</p>"]
    return "<html><body>" + "\n".join(parts) + "</body></html>"


# -- the parts of the page ---------------------------------------------------------------

def _band(left: str, title: str, right: str) -> str:
    """The header band: the shop's name, the page's title and when it was printed."""
    return (f"<table width='100%' cellspacing='0' cellpadding='6' bgcolor='{BAND}' "
            f"style='border-bottom: 2px solid {RULE};'><tr>"
            f"<td><span style='font-size: 13pt; font-weight: bold;'>{escape(left)}</span></td>"
            f"<td align='right'><b>{escape(title)}</b><br/>"
            f"<span style='font-size: 8pt;'>{escape(right)}</span></td></tr></table>")


def _title(customer: Customer, t, labels, today: dt.date) -> str:
    honorific = honorifics.honorific_of(customer, today)
    code = " · ".join(p for p in (f"{t(CODE)}: {customer.code}",
                                  f"{t(FORM_OF_ADDRESS)}: {honorific}") if p)
    badges = [labels("funnel_segment", customer.funnel_segment),
              labels("value_tier", customer.value_tier),
              labels("kind", customer.kind) if customer.kind == "organisation" else "",
              labels("org_type", customer.org_type),
              labels("relation", customer.relation) if customer.relation == "internal" else ""]
    tags = customers.tags_of(customer.id)
    badges += [f"#{tag}" for tag in tags[:TAGS_MAX]]
    html = "".join(_badge(text) for text in badges if text)
    if segments.is_loyal_marker(customer):
        html = _badge(t(LOYAL_MARK), LOYAL) + html
    if customer.deleted_at is not None:
        html += _badge(t(QT_TRANSLATE_NOOP("summary", "In the trash")), "#f3c6c6")
    return (f"<h1 style='margin-top: 10px; margin-bottom: 2px;'>{escape(_cut(customer.name, 80))}"
            f"</h1><p style='margin-top: 0px; margin-bottom: 4px;'>{escape(code)}</p>"
            + (f"<p style='margin-top: 2px; margin-bottom: 6px;'>{html}</p>" if html else ""))


def _badge(text: str, colour: str = BADGE) -> str:
    return (f"<span style='background-color: {colour};'>&nbsp;{escape(text)}&nbsp;</span>"
            "&nbsp; ")


def _contact(customer: Customer, t, date) -> str:
    rows = [
        (t(QT_TRANSLATE_NOOP("summary", "Phone")),
         " · ".join(phones.format_phone(p) for p in (customer.phone, customer.phone2) if p)),
        (t(QT_TRANSLATE_NOOP("summary", "Email")), customer.email or ""),
        ("Zalo", customer.zalo or ""),
        ("Facebook", customer.facebook or ""),
        (t(QT_TRANSLATE_NOOP("summary", "Address")), _address(customer)),
        (t(QT_TRANSLATE_NOOP("summary", "Birthday")),
         date(customer.birthday) if customer.birthday else ""),
    ]
    return _heading(t, CONTACT) + _pairs([(k, _cut(v, 120)) for k, v in rows])


def _figures(customer: Customer, t, money, date, decimal) -> str:
    customer_id = customer.id
    bought = history.purchase_summary(customer_id)
    rating = feedback.satisfaction_of(customer_id)
    referrals = len(customers.referrals_of(customer_id))
    rows = [
        (t(QT_TRANSLATE_NOOP("summary", "Purchases")), str(bought.count)),
        (t(QT_TRANSLATE_NOOP("summary", "Total spent")), money(bought.total)),
        (t(QT_TRANSLATE_NOOP("summary", "Average basket")),
         money(bought.average) if bought.count else ""),
        (t(QT_TRANSLATE_NOOP("summary", "Last purchase")), date(bought.last) if bought.last else ""),
        (t(QT_TRANSLATE_NOOP("summary", "Average rating")),
         f"{decimal(rating.average)} ★" if rating.average is not None else ""),
        (t(QT_TRANSLATE_NOOP("summary", "Open complaints")),
         str(rating.open_complaints) if rating.open_complaints else ""),
        (t(QT_TRANSLATE_NOOP("summary", "Referrals")), str(referrals)),
    ]
    return _heading(t, KEY_FIGURES) + _pairs(rows)


def _columns(left: str, right: str) -> str:
    return ("<table width='100%' cellspacing='0' cellpadding='0'><tr>"
            f"<td width='50%' valign='top'>{left}</td>"
            f"<td width='50%' valign='top' style='padding-left: 12px;'>{right}</td>"
            "</tr></table>")


def _heading(translate: Callable[[str], str], text: str) -> str:
    return (f"<h3 style='margin-top: 10px; margin-bottom: 3px;'>"
            f"{escape(translate(text))}</h3>")


def _address(customer: Customer) -> str:
    return ", ".join(p for p in (customer.address, customer.ward, customer.district,
                                 customer.province) if p)


def _pairs(rows: list[tuple[str, str]]) -> str:
    """A label: value table (rows without a value left out)."""
    cells = "".join(f"<tr><td style='color: #444;'>{escape(k)}</td><td>{escape(v)}</td></tr>"
                    for k, v in rows if v)
    return f"<table cellspacing='0' cellpadding='2'>{cells}</table>"


def _grid(rows: list[tuple[str, ...]], widths: tuple[int, ...],
          right: tuple[int, ...] = ()) -> str:
    """A small ruled table, one record per row: column widths in percent, columns in
    `right` aligned right."""
    def cell(i: int, value: str) -> str:
        align = " align='right'" if i in right else ""
        return f"<td width='{widths[i]}%'{align}>{escape(value)}</td>"

    body = "".join("<tr>" + "".join(cell(i, v) for i, v in enumerate(row)) + "</tr>"
                   for row in rows)
    return (f"<table width='100%' cellspacing='0' cellpadding='3' border='1' "
            f"style='border-collapse: collapse; border-color: {RULE};'>{body}</table>")


def _more(t, shown: int, total: int) -> list[str]:
    if total <= shown:
        return []
    return [f"<p style='margin-top: 1px; font-size: 8pt;'>"
            f"{escape(t(MORE).format(count=total - shown))}</p>"]


def _recent_purchases(customer_id, t, money, date) -> list[str]:
    mine = Purchase.customer == customer_id
    purchases = list(Purchase.select(Purchase.date, Purchase.amount, Purchase.description)
                     .where(mine).order_by(Purchase.date.desc(), Purchase.id.desc())
                     .limit(RECENT).tuples())
    if not purchases:
        return []
    rows = [(date(as_date(day)), _cut(description or "", CELL_MAX), money(amount))
            for day, amount, description in purchases]
    total = Purchase.select().where(mine).count() if len(rows) == RECENT else len(rows)
    return [_heading(t, LAST_PURCHASES), _grid(rows, (14, 66, 20), right=(2,))] + _more(t, len(rows), total)


def _open_tasks(customer_id, t, date, labels) -> list[str]:
    tasks = [task for task in care.tasks_of(customer_id) if task.status == "planned"]
    rows = [(date(task.due_date), labels("task_type", task.task_type),
             _cut(task.title or "", CELL_MAX)) for task in tasks[:RECENT]]
    if not rows:
        return []
    return [_heading(t, OPEN_TASKS), _grid(rows, (14, 26, 60))] + _more(t, len(rows), len(tasks))


def _recent_notes(customer_id, t, date, labels) -> list[str]:
    interactions = [(date(i.at.date()), labels("interaction_kind", i.kind),
                     _cut(i.summary, CELL_MAX)) for i in Interaction.select()
                    .where(Interaction.customer == customer_id)
                    .order_by(Interaction.at.desc(), Interaction.id.desc()).limit(RECENT)]
    given = [(date(f.at.date()), labels("feedback_kind", f.kind),
              "★" * (f.rating or 0), _cut(f.comment or "", CELL_MAX))
             for f in Feedback.select().where(Feedback.customer == customer_id)
             .order_by(Feedback.at.desc(), Feedback.id.desc()).limit(FEEDBACK_ROWS)]
    parts = []
    if interactions:
        parts += [_heading(t, RECENT_INTERACTIONS), _grid(interactions, (14, 14, 72))]
    if given:
        parts += [_heading(t, FEEDBACK), _grid(given, (14, 14, 10, 62))]
    return parts


# -- text that must not push the page over ----------------------------------------------

def _cut(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut with "…"."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def _lines(text: str, limit: int, max_lines: int) -> str:
    """Escaped text keeping its line breaks, at most `max_lines` lines and `limit` characters."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    kept, size = [], 0
    for line in lines[:max_lines]:
        if size + len(line) > limit:
            kept.append(line[:max(limit - size - 1, 0)].rstrip() + "…")
            break
        kept.append(line)
        size += len(line)
    else:
        if len(lines) > max_lines:
            kept[-1] += " …"
    return "<br/>".join(escape(line) for line in kept)


# -- the list: one line per customer ----------------------------------------------------

class ListRow(NamedTuple):
    id: int
    code: str
    name: str
    phone: str | None
    segment: str | None
    last: dt.date | None
    total: int


def list_rows(customer_ids: Iterable[int], chunk: int = 500) -> list[ListRow]:
    """The printed list's rows of `customer_ids`, in that order (one query per `chunk`)."""
    ids = list(customer_ids)
    found: dict[int, ListRow] = {}
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        query = (Customer.select(Customer.id, Customer.code, Customer.name, Customer.phone,
                                 Customer.funnel_segment, fn.MAX(Purchase.date),
                                 fn.COALESCE(fn.SUM(Purchase.amount), 0))
                 .join(Purchase, JOIN.LEFT_OUTER, on=(Purchase.customer == Customer.id))
                 .where(Customer.id.in_(part))
                 .group_by(Customer.id, Customer.code, Customer.name, Customer.phone,
                           Customer.funnel_segment)
                 .tuples())
        for cid, code, name, phone, segment, last, total in query:
            found[cid] = ListRow(cid, code, name, phone, segment, as_date(last), int(total))
    return [found[i] for i in ids if i in found]


LIST_HEADERS = (QT_TRANSLATE_NOOP("summary", "Code"), QT_TRANSLATE_NOOP("summary", "Name"),
                QT_TRANSLATE_NOOP("summary", "Phone"), QT_TRANSLATE_NOOP("summary", "Segment"),
                QT_TRANSLATE_NOOP("summary", "Last purchase"),
                QT_TRANSLATE_NOOP("summary", "Total spent"))


def customer_list_html(
    rows: Iterable[ListRow],
    translate: Callable[[str], str],
    money: Callable[[int], str],
    date: Callable[[dt.date], str],
    labels: Callable[[str, str | None], str],
) -> str:
    """The list as one table whose header row (<thead>) a paged layout repeats on each page."""
    head = "".join(f"<th align='{'right' if i == 5 else 'left'}' bgcolor='{HEAD}'>"
                   f"{escape(translate(text))}</th>" for i, text in enumerate(LIST_HEADERS))
    body = "".join(
        f"<tr><td>{escape(r.code)}</td><td>{escape(_cut(r.name, 60))}</td>"
        f"<td>{escape(phones.format_phone(r.phone))}</td>"
        f"<td>{escape(labels('funnel_segment', r.segment))}</td>"
        f"<td>{escape(date(r.last) if r.last else '')}</td>"
        f"<td align='right'>{escape(money(r.total))}</td></tr>" for r in rows)
    return ("<html><body><table width='100%' cellspacing='0' cellpadding='3' border='1' "
            f"style='border-collapse: collapse; border-color: {RULE};'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>")
