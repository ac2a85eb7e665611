"""Customers: validating what the form or an import gives, and storing it safely.

`clean()` turns raw input into stored values or a FormErrors naming each bad
field; `create()`, `update()`, `trash()`, `restore()` and `purge_trash()` write.
`update()` refuses to overwrite a change another counter saved meanwhile (version
column).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable

from peewee import fn

from shopcrm.core import dates, names, phones
from shopcrm.core.errors import QT_TRANSLATE_NOOP, ConflictError, KnownError, ValidationError
from shopcrm.core.memo import Memo, outcome
from shopcrm.core.text import blank_to_none, fold, multiline, nfc
from shopcrm.db import auto_backup, backup
from shopcrm.db.connection import db
from shopcrm.db.models import (
    AREA_CHOICES, GENDER_CHOICES, INCOME_CHOICES, KIND_CHOICES, ORG_TYPE_CHOICES,
    RELATION_CHOICES, SOURCE_CHOICES, AuditLog, Customer, CustomerTag, Tag, utcnow,
)

CODE_PREFIX = "KH"
CODE_DIGITS = 6

TEXT_FIELDS = ("address", "ward", "district", "province", "zalo", "facebook", "tax_code")
CHOICE_FIELDS = {
    "kind": KIND_CHOICES, "org_type": ORG_TYPE_CHOICES, "relation": RELATION_CHOICES,
    "gender": GENDER_CHOICES, "income": INCOME_CHOICES, "area": AREA_CHOICES,
    "source": SOURCE_CHOICES,
}
BOOL_FIELDS = ("role_buyer", "role_user", "role_beneficiary")
HONORIFICS = ("anh", "chị", "cô", "chú", "em", "bác", "ông", "bà", "quý khách")
ORGANISATION_ONLY = ("org_type", "tax_code")
# Every field the detail form edits, in the order it shows them.
EDITABLE = (
    "name", "kind", "org_type", "tax_code", "phone", "phone2", "email", "birthday", "gender",
    "honorific", "relation", *BOOL_FIELDS, "income", "area", "address", "ward", "district",
    "province", "zalo", "facebook", "source", "referred_by", "notes",
)

TAG_MAX = 60  # Tag.name's length

CONFLICT_MESSAGE = QT_TRANSLATE_NOOP(
    "errors",
    "{name} was changed at another counter while you were editing. "
    "Reload to see the change, or overwrite it.",
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class FormErrors(ValidationError):
    """Several fields are invalid; `errors` maps each field name to its error."""

    def __init__(self, errors: dict[str, KnownError]):
        super().__init__(QT_TRANSLATE_NOOP("errors", "Some fields need correcting."))
        self.errors = errors


def clean(raw: dict, memo: Memo | None = None) -> dict:
    """Stored values for the fields present in `raw`, or FormErrors naming every bad one.

    An import cleaning many rows passes one Memo: each field's distinct values are
    then cleaned once (a referrer's code is looked up once, too).
    """
    values: dict = {}
    errors: dict[str, KnownError] = {}
    cleaners = _cleaners()
    for field, value in raw.items():
        cleaner = cleaners.get(field)
        if cleaner is None:
            raise KeyError(field)
        result = outcome(cleaner, value) if memo is None else memo.get(field, cleaner, value)
        if isinstance(result, ValidationError):
            errors[field] = result
        else:
            values[field] = result
    if "name" in raw and not values.get("name") and "name" not in errors:
        errors["name"] = ValidationError(QT_TRANSLATE_NOOP("errors", "A customer needs a name."))
    if errors:
        raise FormErrors(errors)
    if values.get("kind", "organisation") != "organisation":  # only when the kind is given
        values.update({field: None for field in ORGANISATION_ONLY if field in values})
    return values


def _max_length(field: str) -> int:
    """The column's limit (PostgreSQL enforces it; SQLite would silently store more)."""
    return getattr(Customer._meta.fields.get(field), "max_length", None) or 100_000


@functools.cache
def _cleaners() -> dict:
    """field -> the function that cleans its value and checks its length (looked up by
    name when called, so a patched phones.normalize_phone or dates.parse_birthday is
    the one used)."""
    table = {
        "name": nfc,
        "phone": lambda value: phones.normalize_phone(value),
        "phone2": lambda value: phones.normalize_phone(value),
        "email": lambda value: _clean_email(value),
        "birthday": lambda value: dates.parse_birthday(value),
        "honorific": lambda value: _clean_honorific(value),
        "referred_by": lambda value: _clean_referrer(value),
        "notes": multiline,
        "tags": lambda value: _clean_tags(value),
    }
    table.update({field: functools.partial(_clean_choice_of, field) for field in CHOICE_FIELDS})
    table.update({field: bool for field in BOOL_FIELDS})
    table.update({field: blank_to_none for field in TEXT_FIELDS})
    return {field: _within_limit(cleaner, _max_length(field)) for field, cleaner in table.items()}


def _within_limit(cleaner, limit: int):
    def clean_field(value):
        cleaned = cleaner(value)
        if isinstance(cleaned, str) and len(cleaned) > limit:
            raise ValidationError(
                QT_TRANSLATE_NOOP("errors", "This is too long: at most {limit} characters."),
                limit=limit)
        return cleaned
    return clean_field


def _clean_choice_of(field: str, value) -> str | None:
    return _clean_choice(field, value)


def _clean_email(value) -> str | None:
    email = blank_to_none(value)
    if email is None:
        return None
    if not _EMAIL.match(email):
        raise ValidationError(
            QT_TRANSLATE_NOOP("errors", "\"{email}\" is not an email address (name@example.com)."),
            email=email,
        )
    return email.lower()


def _clean_choice(field: str, value) -> str | None:
    value = blank_to_none(value)
    if value is None:
        return {"kind": "individual", "relation": "external", "gender": "unknown"}.get(field)
    if value not in CHOICE_FIELDS[field]:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "\"{value}\" is not one of the choices."),
                              value=value)
    return value


def _clean_honorific(value) -> str | None:
    value = blank_to_none(value)
    if value is not None and value.lower() not in HONORIFICS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("errors", "Use one of: {choices}."), choices=", ".join(HONORIFICS)
        )
    return value.lower() if value else None


def _clean_tags(value) -> tuple[str, ...]:
    """Interests as free tags, from "áo dài, VIP" or a list: each once, in Vietnamese order."""
    parts = re.split(r"[,;\n]", value) if isinstance(value, str) else list(value or ())
    found: dict[str, str] = {}  # folded -> as first written: "vip" and "VIP" are one tag
    for part in parts:
        name = " ".join(nfc(str(part)).split())
        if len(name) > TAG_MAX:
            raise ValidationError(QT_TRANSLATE_NOOP(
                "errors", "A tag can have at most {limit} characters: “{tag}”."),
                limit=TAG_MAX, tag=name[:TAG_MAX] + "…")
        if name:
            found.setdefault(fold(name), name)
    return tuple(sorted(found.values(), key=lambda name: names.collation_key(name.split())))


def _clean_referrer(value) -> int | None:
    """A referrer given by id or by customer code."""
    if value in (None, ""):
        return None
    query = Customer.select(Customer.id).where(Customer.deleted_at.is_null())
    if isinstance(value, bool) or (isinstance(value, int) and not 0 < value < 2**63):
        found = None  # not an id any database can hold
    elif isinstance(value, int):
        found = query.where(Customer.id == value).scalar()
    else:
        found = query.where(Customer.code == nfc(value).upper()).scalar()
    if found is None:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "No customer has the code {code}."),
                              code=str(value))
    return found


def derived(values: dict) -> dict:
    """The stored search and sort keys for a customer's values."""
    get = values.get  # an import calls this 100,000 times: no lookups it can spare
    name = get("name")
    parts = [fold(name), get("code", "").lower()]
    parts += [phone.lstrip("+") for phone in (get("phone"), get("phone2")) if phone]
    parts += [fold(text) for text in (get("email"), get("zalo"), get("facebook"), get("notes"))
              if text]
    return {
        "search_key": " ".join([part for part in parts if part]),
        "sort_key": names.sort_key(name or "", get("kind") == "organisation"),
    }


def next_code() -> str:
    """The code after the highest KH-number in use (trash included), however many digits."""
    candidates = (Customer.select(Customer.code).where(Customer.code ** f"{CODE_PREFIX}%")
                  .order_by(fn.LENGTH(Customer.code).desc(), Customer.code.desc()).limit(50))
    numbers = [int(code[len(CODE_PREFIX):]) for (code,) in candidates.tuples()
               if code[len(CODE_PREFIX):].isdigit()]
    return f"{CODE_PREFIX}{max(numbers, default=0) + 1:0{CODE_DIGITS}d}"


def create(raw: dict) -> Customer:
    """Validate and store a new customer, giving it the next free code."""
    values = clean({"name": "", "kind": None, **raw})
    tags = values.pop("tags", None)
    values.setdefault("code", next_code())
    values.update(derived(values))
    with db.atomic():
        customer = Customer.create(**values)
        if tags:
            _write_tags(customer.id, tags)
        return customer


def get(customer_id: int) -> Customer:
    return Customer.get_by_id(customer_id)


def as_values(customer: Customer) -> dict:
    """The editable values of a stored customer, as clean() returns them."""
    values = {field: getattr(customer, field) for field in EDITABLE if field != "referred_by"}
    values["referred_by"] = customer.referred_by_id
    values["tags"] = tags_of(customer.id)
    return values


def tags_of(customer_id: int) -> tuple[str, ...]:
    """The customer's tags, in Vietnamese order."""
    query = (Tag.select(Tag.name).join(CustomerTag).where(CustomerTag.customer == customer_id)
             .tuples())
    return _clean_tags([name for (name,) in query])


def _write_tags(customer_id: int, wanted: tuple[str, ...]) -> None:
    """Give the customer exactly these tags; a tag already known under another case
    ("vip" for "VIP") is reused, so the shop's tag list stays tidy."""
    known = {fold(name): tag_id for tag_id, name in Tag.select(Tag.id, Tag.name).tuples()}
    ids = []
    for name in wanted:
        tag_id = known.get(fold(name))
        ids.append(tag_id if tag_id is not None else Tag.create(name=name).id)
    (CustomerTag.delete().where((CustomerTag.customer == customer_id)
                                & CustomerTag.tag.not_in(ids)).execute())
    present = {tag_id for (tag_id,) in CustomerTag.select(CustomerTag.tag)
               .where(CustomerTag.customer == customer_id).tuples()}
    for tag_id in ids:
        if tag_id not in present:
            CustomerTag.create(customer=customer_id, tag=tag_id)


def update(customer_id: int, raw: dict, expected_version: int, force: bool = False) -> Customer:
    """Save changes unless someone else saved this customer since `expected_version`.

    With `force`, the user has seen the other change and chose to overwrite it.
    """
    values = clean(raw)
    tags = values.pop("tags", None)
    with db.atomic():
        current = Customer.get_by_id(customer_id)
        if current.version != expected_version and not force:
            raise ConflictError(
                CONFLICT_MESSAGE,
                current=current,
                name=current.name,
            )
        merged = {**as_values(current), "code": current.code, **values}
        merged.pop("tags")
        changes = {**values, **derived(merged), "updated_at": utcnow(),
                   "version": current.version + 1}
        query = Customer.update(changes).where(
            (Customer.id == customer_id) & (Customer.version == current.version)
        )
        if query.execute() != 1:  # another counter committed between our read and write
            raise ConflictError(
                CONFLICT_MESSAGE,
                current=Customer.get_by_id(customer_id),
                name=current.name,
            )
        if tags is not None:
            _write_tags(customer_id, tags)
    return Customer.get_by_id(customer_id)


def changes_between(before: Customer, after: Customer) -> dict[str, tuple]:
    """field -> (value we had, value stored now), for showing what another counter changed."""
    old, new = as_values(before), as_values(after)
    return {field: (old[field], new[field]) for field in EDITABLE if old[field] != new[field]}


def trash(ids: Iterable[int], user: str | None = None) -> int:
    """Move customers to the trash; they can be restored until the trash is emptied."""
    ids = list(ids)
    with db.atomic():
        count = (Customer.update(deleted_at=utcnow(), updated_at=utcnow(),
                                 version=Customer.version + 1)
                 .where(Customer.id.in_(ids) & Customer.deleted_at.is_null()).execute())
        AuditLog.create(user=user, action="trash", details=f"{count} customers: {ids[:50]}")
    return count


def restore(ids: Iterable[int], user: str | None = None) -> int:
    ids = list(ids)
    with db.atomic():
        count = (Customer.update(deleted_at=None, updated_at=utcnow(),
                                 version=Customer.version + 1)
                 .where(Customer.id.in_(ids) & Customer.deleted_at.is_null(False)).execute())
        AuditLog.create(user=user, action="restore", details=f"{count} customers: {ids[:50]}")
    return count


def purge_trash(user: str | None = None, backup_folder=None) -> int:
    """Empty the trash for good: its customers and everything of theirs (purchases, tasks…,
    by the foreign keys' ON DELETE CASCADE), in one transaction; returns how many.

    The confirmed, separate action DESIGN.md asks for. An SQLite database is backed up
    first ("before-purge", into `backup_folder`, default backup_dir()), so even this
    can be undone by a restore; on PostgreSQL the server's backups do that.
    """
    trashed = Customer.select(Customer.id).where(Customer.deleted_at.is_null(False))
    if not trashed.exists():
        return 0
    auto_backup.take_backup(backup_folder or backup.backup_dir(), "before-purge")
    with db.atomic():
        ids = [cid for (cid,) in trashed.tuples()]
        count = Customer.delete().where(Customer.deleted_at.is_null(False)).execute()
        AuditLog.create(user=user, action="purge", details=f"{count} customers: {ids[:50]}")
    return count


def referrals_of(customer_id: int) -> list[tuple[str, str]]:
    """(code, name) of the customers this one brought in (word of mouth), newest first."""
    query = (Customer.select(Customer.code, Customer.name)
             .where((Customer.referred_by == customer_id) & Customer.deleted_at.is_null())
             .order_by(Customer.created_at.desc()))
    return list(query.tuples())


def count(trashed: bool = False) -> int:
    return Customer.select().where(Customer.deleted_at.is_null(not trashed)).count()


def age_group(birthday: dt.date | None, today: dt.date | None = None) -> str | None:
    """child (<16), youth (16-35), middle_aged (36-59), elderly (60+), from the birthday."""
    if birthday is None:
        return None
    age = dates.age_on(birthday, today or dt.date.today())
    if age < 16:
        return "child"
    if age < 36:
        return "youth"
    return "middle_aged" if age < 60 else "elderly"
