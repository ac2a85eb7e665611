"""The customer list: which ids match a search, in which order, and their rows.

The list view holds only ids (cheap even for 100,000 customers) and asks for
rows a page at a time, as Anki's browser does; sorting and filtering are SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

import peewee
from peewee import fn

from shopcrm.core.text import fold
from shopcrm.db.connection import db
from shopcrm.db.models import Customer

SORT_FIELDS = {
    "code": Customer.code,
    "name": Customer.sort_key,
    "phone": Customer.phone,
    "province": Customer.province,
    "segment": Customer.funnel_segment,
    "created": Customer.created_at,
}


class Row(NamedTuple):
    id: int
    code: str
    name: str
    phone: str | None
    province: str | None
    segment: str | None
    value_tier: str | None
    created_at: dt.datetime


_ROW_FIELDS = (Customer.id, Customer.code, Customer.name, Customer.phone, Customer.province,
               Customer.funnel_segment, Customer.value_tier, Customer.created_at)


def search_terms(text: str) -> list[str]:
    """Folded words of a query; digit groups of a phone are joined ("0912 345" -> "0912345")."""
    folded = fold(text)
    folded = re.sub(r"(?<=\d)[\s.\-()]+(?=\d)", "", folded)
    return [word for word in folded.split(" ") if word]


def _where(search: str, trashed: bool) -> peewee.Expression:
    condition = Customer.deleted_at.is_null(not trashed)
    for term in search_terms(search):
        if term.startswith("+84") and term[3:].isdigit():
            term = "0" + term[3:]
        condition &= Customer.search_key.contains(term)
    return condition


def find_ids(search: str = "", sort: str = "name", descending: bool = False,
             trashed: bool = False) -> list[int]:
    """Ids of the customers matching every word of `search`, in list order."""
    field = SORT_FIELDS[sort]
    order = [field.desc() if descending else field.asc(), Customer.id]
    query = Customer.select(Customer.id).where(_where(search, trashed)).order_by(*order)
    # Straight from the cursor: peewee's row wrapping costs ~1 s per 100,000 ids.
    sql, params = query.sql()
    return [row[0] for row in db.execute_sql(sql, params).fetchall()]


def fetch_rows(ids: list[int]) -> dict[int, Row]:
    """The list rows of `ids`, keyed by id (one query)."""
    if not ids:
        return {}
    query = Customer.select(*_ROW_FIELDS).where(Customer.id.in_(ids)).tuples()
    return {values[0]: Row(*values) for values in query}


def change_stamp() -> tuple:
    """Changes whenever any customer is added, edited, trashed or restored (by any counter)."""
    return tuple(Customer.select(fn.COUNT(Customer.id), fn.MAX(Customer.updated_at),
                                 fn.SUM(Customer.version)).tuples().get())
