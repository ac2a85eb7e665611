"""Customers entered twice: finding them, warning before a new one is saved, merging them.

`find_duplicates()` groups the customers not in the trash that share a phone (phone or
phone2 against phone or phone2), an email, or the same folded name with the same last 6
phone digits or the same folded address. Each reason is one SQL GROUP BY that runs on
SQLite and PostgreSQL; Python only sees the groups (benchmarked on 100,000 customers,
see the module's tests and the report of issue 5).

`merge()` keeps one customer and moves everything of the others onto it (purchases,
interactions, feedback, care tasks, consents, tags, referrals), in one transaction.
Decision: the merged customers are then deleted for good, not trashed. Nothing attached
to them is lost (all moved first), and their own field values are kept in the "merge"
row of the audit log (JSON), so a value the user did not choose can still be read there.
A trashed shell would only bring the duplicate back when restored (same phone, no
history).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

from shopcrm.core import customers
from shopcrm.core.errors import QT_TRANSLATE_NOOP, ValidationError
from shopcrm.core.text import fold
from shopcrm.db.connection import db, is_sqlite
from shopcrm.db.models import (
    AuditLog, CareTask, Consent, Customer, CustomerTag, Feedback, Interaction, Purchase, utcnow,
)

REASONS = ("phone", "email", "name_phone", "name_address")
CONTACT_FIELDS = ("phone", "phone2", "email")
TAIL_DIGITS = 6
# Tables whose rows belong to one customer and simply move to the survivor.
_MOVED = (Purchase, Interaction, Feedback, CareTask)

NOT_FOUND = QT_TRANSLATE_NOOP("errors", "A customer to merge no longer exists.")
NOTHING_TO_MERGE = QT_TRANSLATE_NOOP("errors", "Choose at least two different customers to merge.")
KEPT_IN_TRASH = QT_TRANSLATE_NOOP("errors", "The customer to keep is in the trash: restore it first.")


@dataclass(frozen=True)
class DuplicateGroup:
    """Customers that look like one person: `reason` is one of REASONS, `key` what they share."""

    reason: str
    key: str
    ids: tuple[int, ...]


# -- finding -------------------------------------------------------------------------------

def _vietnamese_letters() -> list[str]:
    """Every precomposed Vietnamese letter (both cases) that fold() changes, đ included."""
    letters = []
    for base in "aăâeêioôơuưy":
        for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"):
            letter = unicodedata.normalize("NFC", base + tone)
            letters += [c for c in (letter, letter.upper()) if not c.isascii()]
    return letters + ["đ", "Đ"]


# SQLite's parser refuses ~35 nested calls: the 134 replace()s are chained through CTEs.
_FOLD_CHUNK = 20
_FOLD_STEPS = [_vietnamese_letters()[i:i + _FOLD_CHUNK]
               for i in range(0, len(_vietnamese_letters()), _FOLD_CHUNK)]


def _replaced(column: str, letters: list[str]) -> str:
    expression = column
    for letter in letters:  # constants of this module, never user input
        expression = f"replace({expression}, '{letter}', '{fold(letter)}')"
    return expression


def _id_list(column: str) -> str:
    """The ids of a group as one text, "3,17,42", on either database."""
    return f"group_concat({column})" if is_sqlite() else f"string_agg(CAST({column} AS text), ',')"


# The folded name is stored: customers.derived() starts search_key with fold(name), which
# has as many characters as the (NFC) name.
_NAME_KEY = "substr(search_key, 1, length(name))"
_LIVE = "deleted_at IS NULL"


def _phone_sql() -> str:
    contacts = " UNION ".join(  # UNION: a customer whose phone2 == phone counts once
        f"SELECT id, {field} AS val FROM customer WHERE {_LIVE} AND {field} IS NOT NULL"
        for field in ("phone", "phone2"))
    return (f"SELECT val, {_id_list('id')} FROM ({contacts}) contacts GROUP BY val "
            "HAVING COUNT(*) > 1 ORDER BY MIN(id) LIMIT {limit}")


def _email_sql() -> str:
    return (f"SELECT email, {_id_list('id')} FROM customer WHERE {_LIVE} AND email IS NOT NULL "
            "GROUP BY email HAVING COUNT(*) > 1 ORDER BY MIN(id) LIMIT {limit}")


def _name_phone_sql() -> str:
    tails = " UNION ".join(
        f"SELECT id, {_NAME_KEY} AS name_key, substr({field}, length({field}) - "
        f"{TAIL_DIGITS - 1}) AS tail FROM customer WHERE {_LIVE} AND {field} IS NOT NULL "
        f"AND length({field}) >= {TAIL_DIGITS}"
        for field in ("phone", "phone2"))
    return (f"SELECT name_key || ' …' || tail, {_id_list('id')} FROM ({tails}) tails "
            "WHERE name_key <> '' GROUP BY name_key, tail HAVING COUNT(*) > 1 "
            "ORDER BY MIN(id) LIMIT {limit}")


def _name_address_sql() -> str:
    # Folding keeps the number of characters: only same name + same address length can
    # match, which leaves few rows for the 134 replace()s.
    steps = [
        (f"base AS (SELECT id, {_NAME_KEY} AS name_key, address FROM customer "
         f"WHERE {_LIVE} AND address IS NOT NULL AND {_NAME_KEY} <> '')"),
        ("candidates AS (SELECT name_key, length(address) AS size FROM base "
         "GROUP BY name_key, length(address) HAVING COUNT(*) > 1)"),
        ("f0 AS (SELECT base.id, base.name_key, lower(base.address) AS address FROM base "
         "JOIN candidates ON candidates.name_key = base.name_key "
         "AND candidates.size = length(base.address))"),
    ]
    for number, letters in enumerate(_FOLD_STEPS, 1):
        steps.append(f"f{number} AS (SELECT id, name_key, {_replaced('address', letters)} "
                     f"AS address FROM f{number - 1})")
    last = f"f{len(_FOLD_STEPS)}"
    return ("WITH " + ", ".join(steps)
            + f" SELECT name_key || ' · ' || address, {_id_list('id')} FROM {last} "
            "GROUP BY name_key, address HAVING COUNT(*) > 1 ORDER BY MIN(id) LIMIT {limit}")


_QUERIES = {"phone": _phone_sql, "email": _email_sql, "name_phone": _name_phone_sql,
            "name_address": _name_address_sql}


def find_duplicates(limit: int = 500) -> list[DuplicateGroup]:
    """At most `limit` groups, by reason (REASONS order), then by their oldest customer.

    A group with exactly the customers of an earlier group is left out (two customers
    sharing a phone also share its last 6 digits).
    """
    groups: list[DuplicateGroup] = []
    seen: set[tuple[int, ...]] = set()
    for reason in REASONS:
        sql = _QUERIES[reason]().replace("{limit}", str(int(limit)))
        for key, id_text in db.execute_sql(sql).fetchall():
            ids = tuple(sorted(int(part) for part in str(id_text).split(",")))
            if ids not in seen:
                seen.add(ids)
                groups.append(DuplicateGroup(reason, key, ids))
            if len(groups) >= limit:
                return groups
    return groups


def contact_values(values: dict) -> dict:
    """The phone, phone2 and email of form or import values, stored form; bad ones left out."""
    found = {}
    for field in CONTACT_FIELDS:
        if field not in values:
            continue
        try:
            value = customers.clean({field: values[field]})[field]
        except ValidationError:  # the save itself names it beside the field
            continue
        if value:
            found[field] = value
    return found


def same_contact(values: dict, exclude_id: int | None = None) -> list[int]:
    """Ids of other customers (not in the trash) with one of these phones or this email."""
    contacts = contact_values(values)
    numbers = [contacts[f] for f in ("phone", "phone2") if f in contacts]
    conditions = []
    if numbers:
        conditions += [Customer.phone.in_(numbers), Customer.phone2.in_(numbers)]
    if "email" in contacts:
        conditions.append(Customer.email == contacts["email"])
    if not conditions:
        return []
    match = conditions[0]
    for condition in conditions[1:]:
        match |= condition
    query = Customer.select(Customer.id).where(Customer.deleted_at.is_null() & match)
    if exclude_id is not None:
        query = query.where(Customer.id != exclude_id)
    return [cid for (cid,) in query.order_by(Customer.id).tuples()]


# -- merging -------------------------------------------------------------------------------

def merge(keep_id: int, other_ids: list[int], chosen: dict[str, object],
          user: str | None = None) -> Customer:
    """Make `keep_id` the one customer of the group, with the `chosen` field values.

    In one transaction: the chosen values are validated (customers.clean) and stored
    with fresh derived keys and a new version; every purchase, interaction, feedback,
    care task, consent, tag and referral of `other_ids` moves to the survivor; the others
    are deleted; an audit row "merge" keeps their values. Any error leaves all as it was.
    """
    others = sorted({int(i) for i in other_ids} - {int(keep_id)})
    if not others:
        raise ValidationError(NOTHING_TO_MERGE)
    values = customers.clean({k: v for k, v in chosen.items() if k in customers.EDITABLE})
    with db.atomic():
        survivor = Customer.get_or_none(Customer.id == keep_id)
        merged = list(Customer.select().where(Customer.id.in_(others)).order_by(Customer.id))
        if survivor is None or len(merged) != len(others):
            raise ValidationError(NOT_FOUND)
        if survivor.deleted_at is not None:
            raise ValidationError(KEPT_IN_TRASH)
        if values.get("referred_by") in (*others, survivor.id):
            values["referred_by"] = None  # nobody refers themself
        snapshot = [{"id": c.id, "code": c.code, **customers.as_values(c)} for c in merged]
        _store_chosen(survivor, values)
        for model in _MOVED:
            model.update(customer=survivor.id).where(model.customer.in_(others)).execute()
        _move_consents(survivor.id, others)
        _move_tags(survivor.id, others)
        _move_referrals(survivor.id, others)
        Customer.delete().where(Customer.id.in_(others)).execute()
        AuditLog.create(user=user, action="merge", details=json.dumps(
            {"kept": survivor.id, "code": survivor.code, "merged": snapshot},
            ensure_ascii=False, default=str))
    return Customer.get_by_id(survivor.id)


def _store_chosen(survivor: Customer, values: dict) -> None:
    full = {**customers.as_values(survivor), "code": survivor.code, **values}
    changes = {**values, **customers.derived(full), "updated_at": utcnow(),
               "version": survivor.version + 1}
    Customer.update(changes).where(Customer.id == survivor.id).execute()


def _move_consents(keep_id: int, others: list[int]) -> None:
    """All consent records move; where two are in force for one purpose, the earliest given
    stays in force and the later ones are closed (a customer has one consent per purpose)."""
    Consent.update(customer=keep_id).where(Consent.customer.in_(others)).execute()
    active = (Consent.select().where((Consent.customer == keep_id) & Consent.withdrawn_at.is_null())
              .order_by(Consent.given_at, Consent.id))
    kept: set[str] = set()
    for consent in active:
        if consent.purpose in kept:
            Consent.update(withdrawn_at=utcnow()).where(Consent.id == consent.id).execute()
        kept.add(consent.purpose)


def _move_tags(keep_id: int, others: list[int]) -> None:
    """Each tag once on the survivor (CustomerTag is unique per customer and tag)."""
    has = {tag for (tag,) in CustomerTag.select(CustomerTag.tag)
           .where(CustomerTag.customer == keep_id).tuples()}
    for row_id, tag in (CustomerTag.select(CustomerTag.id, CustomerTag.tag)
                        .where(CustomerTag.customer.in_(others)).order_by(CustomerTag.id).tuples()):
        if tag in has:
            CustomerTag.delete().where(CustomerTag.id == row_id).execute()
        else:
            CustomerTag.update(customer=keep_id).where(CustomerTag.id == row_id).execute()
            has.add(tag)


def _move_referrals(keep_id: int, others: list[int]) -> None:
    """Whom a merged customer referred was referred by the survivor."""
    Customer.update(referred_by=keep_id).where(
        Customer.referred_by.in_(others) & (Customer.id != keep_id)).execute()
    Customer.update(referred_by=None).where(
        (Customer.id == keep_id) & Customer.referred_by.in_(others)).execute()
