"""The customer list: which ids match a search, in which order, and their rows.

The list view holds only ids (cheap even for 100,000 customers) and asks for
rows a page at a time, as Anki's browser does; sorting and filtering are SQL.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from functools import reduce
from typing import NamedTuple

import peewee
from peewee import fn

from shopcrm.core import filters
from shopcrm.core.text import fold
from shopcrm.db import connection, search_index
from shopcrm.db.connection import db
from shopcrm.db.models import Customer, CustomerTag, Feedback, Tag

_Referral = Customer.alias("referral")
# How many customers (not in the trash) each one brought in: a column and a sort.
REFERRAL_COUNT = (_Referral.select(fn.COUNT(_Referral.id))
                  .where((_Referral.referred_by == Customer.id) & _Referral.deleted_at.is_null()))

SORT_FIELDS = {
    "code": Customer.code,
    "name": Customer.sort_key,
    "phone": Customer.phone,
    "province": Customer.province,
    "segment": Customer.funnel_segment,
    "value": Customer.value_tier,
    "email": Customer.email,
    "gender": Customer.gender,
    "kind": Customer.kind,
    "source": Customer.source,
    "area": Customer.area,
    "income": Customer.income,
    "age": Customer.birthday,
    "created": Customer.created_at,
    "referrals": REFERRAL_COUNT,
    "complaint": peewee.Case(None, [(Customer.id.in_(filters.open_complaint_customers()), 1)],
                             0),
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
    email: str | None
    gender: str
    kind: str
    source: str | None
    area: str | None
    income: str | None
    birthday: dt.date | None
    referrals: int
    open_complaint: bool


_ROW_FIELDS = (Customer.id, Customer.code, Customer.name, Customer.phone, Customer.province,
               Customer.funnel_segment, Customer.value_tier, Customer.created_at,
               Customer.email, Customer.gender, Customer.kind, Customer.source, Customer.area,
               Customer.income, Customer.birthday)


def search_terms(text: str) -> list[str]:
    """Folded words of a query; digit groups of a phone are joined ("0912 345" -> "0912345")."""
    folded = fold(text)
    folded = re.sub(r"(?<=\d)[\s.\-()]+(?=\d)", "", folded)
    return [word for word in folded.split(" ") if word]


def _like(pattern: str) -> peewee.Node:
    """search_key LIKE pattern, the pattern's own % _ \\ taken literally by the caller."""
    return peewee.NodeList((Customer.search_key, peewee.SQL("LIKE"), pattern,
                            peewee.SQL("ESCAPE '\\'")))


def _escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _terms(search: str) -> list[str]:
    terms = []
    for term in search_terms(search):
        if term.startswith("+84") and term[3:].isdigit():
            term = "0" + term[3:]
        terms.append(term)
    return terms


def _fts_phrase(term: str) -> str:
    """An FTS5 phrase of the term: 3+ characters anywhere, 2 at the start of a word."""
    text = term if len(term) >= 3 else " " + term  # the index holds " " + search_key
    return '"' + text.replace('"', '""') + '"'


# At most this many matches: read them from the search index and sort them; more: walk
# the list's own index in order and stop at the limit (see find_ids).
_FEW = 3000


def find_ids(search: str = "", sort: str = "name", descending: bool = False,
             trashed: bool = False, limit: int | None = None,
             filter: dict | None = None) -> list[int]:
    """Ids of the customers matching every word of `search` and the `filter`, in list order.

    A word of 3 or more characters matches anywhere (a part of a name without tones,
    the last digits of a phone, an email, a code, a note); a word of 2 characters
    matches the start of a word; a single character anywhere. With `limit`, only
    the first `limit` ids (the first page, what a keystroke needs at once). The
    filter is a core.filters dict (segments, provinces, tags, ... combined).

    When a search finds few customers, those whose name holds the words come first,
    then those found by their code, phone, email or notes, each part in list order.

    SQLite answers from its FTS5 trigram index, PostgreSQL from its pg_trgm index
    (shopcrm.db.search_index); both fall back to scanning when there is none.
    """
    field = SORT_FIELDS[sort]
    order = [peewee.Ordering(field, "DESC" if descending else "ASC"), Customer.id]
    words: list[peewee.Node] = []  # a condition per word (the trash filter comes below)
    terms = _terms(search)
    indexed = [t for t in terms if len(t) >= 2]
    use_fts = bool(indexed) and connection.is_sqlite(db.obj) and _has_fts()
    tagged = _tag_conditions(terms)  # a word that is (part of) a tag also finds its customers
    phrases = " ".join(_fts_phrase(t) for t in indexed if t not in tagged)
    if use_fts and phrases:
        words.append(_fts_match(phrases))
    for term in terms:
        if use_fts and len(term) >= 2:
            if term not in tagged:
                continue  # in the phrases above
            condition = _fts_match(_fts_phrase(term))
        elif len(term) == 2:
            escaped = _escape(term)
            condition = _like(escaped + "%") | _like("% " + escaped + "%")
        else:
            condition = _like("%" + _escape(term) + "%")
        words.append(condition | tagged[term] if term in tagged else condition)
    words.extend(filters.conditions(filter) if filter else ())
    in_trash = Customer.deleted_at.is_null(not trashed)
    limit_sql = f" LIMIT {int(limit)}" if limit is not None else ""
    # (With a tag word the index alone cannot count the matches: count them all.)
    if indexed and _few_matches(in_trash, words, use_fts and not tagged, phrases):
        # Few matches: read them all through the search index, then sort them. Left to
        # itself the planner would often walk the list's (deleted_at, sort_key, id) index
        # in order instead, testing every row: right for "ng" (half the shop, the limit is
        # soon reached), 50-100 ms for "pham yen".
        # SQLite: "+deleted_at" keeps it off that index inside the CTE too.
        deleted = (peewee.NodeList((peewee.SQL("+"), Customer.deleted_at), glue="")
                   if use_fts else Customer.deleted_at)
        inner, params = (Customer.select(Customer.id.alias("id"), field.alias("k"),
                                         _name_rank(indexed).alias("r"))
                         .where(deleted.is_null(not trashed), *words).sql())
        direction = "DESC" if descending else "ASC"
        sql = (f"WITH m AS MATERIALIZED ({inner}) "
               f"SELECT id FROM m ORDER BY r, k {direction}, id{limit_sql}")
    else:
        query = Customer.select(Customer.id).where(in_trash, *words).order_by(*order)
        if limit is not None:
            query = query.limit(limit)
        sql, params = query.sql()
    # Straight from the cursor: peewee's row wrapping costs ~1 s per 100,000 ids.
    return [row[0] for row in db.execute_sql(sql, params).fetchall()]


def _fts_match(phrases: str) -> peewee.Node:
    """Customers whose search key holds the FTS5 phrases (SQLite's search index)."""
    return Customer.id.in_(peewee.SQL(
        f"(SELECT rowid FROM {search_index.FTS_TABLE} WHERE {search_index.FTS_TABLE} "
        "MATCH ?)", (phrases,)))


def _tag_conditions(terms: list[str]) -> dict[str, peewee.Node]:
    """term -> "has a tag holding it", for the terms that are a whole word of some tag's
    tone-less name ("ao" and "dai" find "áo dài"), or, from 3 characters, start one
    ("thoi", "tran"). A part of a word, or a 2-letter start, would turn most keystrokes
    into tag searches, which cannot use the index alone (100,000 customers: p95 46 ms
    instead of ~21). Shops have tens of tags, not thousands: read and folded here."""
    if not terms:
        return {}
    tags = [(tag_id, fold(name).split()) for tag_id, name in Tag.select(Tag.id, Tag.name).tuples()]
    found = {}
    for term in terms:
        ids = [tag_id for tag_id, words in tags
               if term in words or (len(term) >= 3 and any(w.startswith(term) for w in words))]
        if ids:
            found[term] = Customer.id.in_(CustomerTag.select(CustomerTag.customer)
                                          .where(CustomerTag.tag.in_(ids)))
    return found


def _name_rank(terms: list[str]) -> peewee.Node:
    """0 when every term is in the customer's name, else 1 (found by code, phone, notes).

    The search key starts with the folded name, then the code (core.customers.derived):
    a term whose first place in the key comes before the code is in the name.
    """
    position = fn.instr if connection.is_sqlite(db.obj) else fn.strpos
    key = peewee.NodeList((peewee.SQL("' '"), Customer.search_key), glue=" || ")
    code_at = position(key, peewee.NodeList((peewee.SQL("' '"), fn.lower(Customer.code)),
                                            glue=" || "))
    in_name = []
    for term in terms:
        at = position(key, " " + term if len(term) == 2 else term)
        in_name.append((at > 0) & (at < code_at))
    return peewee.Case(None, [(reduce(operator.and_, in_name), 0)], 1)


def _few_matches(in_trash: peewee.Node, words: list[peewee.Node], use_fts: bool,
                 phrases: str) -> bool:
    """Whether at most _FEW customers match (counted through the index, up to _FEW + 1)."""
    if use_fts:
        inner = (f"SELECT 1 FROM {search_index.FTS_TABLE} WHERE {search_index.FTS_TABLE} "
                 f"MATCH ? LIMIT {_FEW + 1}")
        params: tuple | list = (phrases,)
    else:
        inner, params = (Customer.select(peewee.SQL("1")).where(in_trash, *words)
                         .limit(_FEW + 1).sql())
    found = db.execute_sql(f"SELECT COUNT(*) FROM ({inner}) AS few", params).fetchone()[0]
    return found <= _FEW


def _has_fts() -> bool:
    """Whether this SQLite database has the search index (a look-up of ~20 µs)."""
    return search_index.has_index(db.obj)


def fetch_rows(ids: list[int]) -> dict[int, Row]:
    """The list rows of `ids`, keyed by id (three queries)."""
    if not ids:
        return {}
    query = Customer.select(*_ROW_FIELDS).where(Customer.id.in_(ids)).tuples()
    # One grouped count over the referred_by index: cheaper than a subquery per row.
    # (The trash test is counted, not filtered: a filter would draw the planner to
    # the deleted_at index, 10 times slower.)
    not_trashed = peewee.Case(None, [(Customer.deleted_at.is_null(), 1)], 0)
    referrals = dict(Customer.select(Customer.referred_by, fn.SUM(not_trashed))
                     .where(Customer.referred_by.in_(ids))
                     .group_by(Customer.referred_by).tuples())
    complaining = {customer_id for (customer_id,) in filters.open_complaint_customers()
                   .where(Feedback.customer.in_(ids)).tuples()}
    return {values[0]: Row(*values, referrals.get(values[0], 0), values[0] in complaining)
            for values in query}


def change_stamp() -> tuple:
    """Changes whenever any customer is added, edited, trashed or restored (by any counter)."""
    return tuple(Customer.select(fn.COUNT(Customer.id), fn.MAX(Customer.updated_at),
                                 fn.SUM(Customer.version)).tuples().get())
