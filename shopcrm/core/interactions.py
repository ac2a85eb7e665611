"""Interactions (lịch sử trao đổi): calls, visits, messages and notes, newest first.

A special offer given to a loyal or high-value customer (DOMAIN.md, after the sale,
step 3) is an interaction too, of kind "offer": `record_offer()` / `offers_of()`.
"""

from __future__ import annotations

import datetime as dt

from shopcrm.core.errors import QT_TRANSLATE_NOOP, ValidationError
from shopcrm.core.purchases import NotFoundError
from shopcrm.core.text import blank_to_none, multiline
from shopcrm.db.connection import db
from shopcrm.db.models import INTERACTION_CHOICES, Customer, Interaction, utcnow

FIELDS = ("kind", "summary", "at", "staff")
CLOCK_SLACK = dt.timedelta(hours=1)  # counters' clocks differ a little


def clean(raw: dict) -> dict:
    """Stored values for the interaction fields in `raw`; ValidationError on a bad one."""
    unknown = set(raw) - set(FIELDS)
    if unknown:
        raise KeyError(sorted(unknown)[0])
    cleaners = {"kind": _clean_kind, "summary": _clean_summary, "at": clean_at,
                "staff": clean_staff}
    return {field: cleaners[field](value) for field, value in raw.items()}


def _clean_kind(value) -> str:
    kind = blank_to_none(value) or "note"
    if kind not in INTERACTION_CHOICES:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "\"{value}\" is not one of the choices."),
                              value=kind)
    return kind


def clean_text(value) -> str | None:
    """Notes-like text: NFC, line breaks kept, blank ends trimmed; None if nothing is left."""
    return (multiline(value) or "").strip() or None


def _clean_summary(value) -> str:
    summary = clean_text(value)
    if not summary:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "Write what was said or done."))
    return summary


def clean_at(value) -> dt.datetime:
    """A naive UTC datetime: None is now; an aware datetime is converted; a date is 00:00 UTC."""
    if value is None:
        return utcnow()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    elif isinstance(value, dt.date):
        value = dt.datetime.combine(value, dt.time())
    else:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "\"{text}\" is not a date and time."),
                              text=str(value))
    if value > utcnow() + CLOCK_SLACK:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "This cannot be in the future."))
    return value


def clean_staff(value) -> str | None:
    staff = blank_to_none(value)
    if staff is not None and len(staff) > 100:
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "This is too long: at most {limit} characters."), limit=100)
    return staff


def _check_customer(customer_id: int) -> None:
    if not Customer.select().where((Customer.id == customer_id)
                                   & Customer.deleted_at.is_null()).exists():
        raise NotFoundError(QT_TRANSLATE_NOOP(
            "errors", "This customer no longer exists or is in the trash."))


def _interaction(interaction_id: int) -> Interaction:
    found = Interaction.get_or_none(Interaction.id == interaction_id)
    if found is None:
        raise NotFoundError(QT_TRANSLATE_NOOP(
            "errors", "This entry no longer exists (deleted at another counter?)."))
    return found


def add_interaction(customer_id: int, kind: str, summary: str, at: dt.datetime | None = None,
                    staff: str | None = None) -> Interaction:
    """Log a call, visit, message or note (at: naive UTC, default now)."""
    values = clean({"kind": kind, "summary": summary, "at": at, "staff": staff})
    with db.atomic():
        _check_customer(customer_id)
        return Interaction.create(customer=customer_id, **values)


def update_interaction(interaction_id: int, **fields) -> Interaction:
    """Change some of kind, summary, at, staff."""
    values = clean(fields)
    with db.atomic():
        _interaction(interaction_id)
        if values:
            Interaction.update(values).where(Interaction.id == interaction_id).execute()
    return Interaction.get_by_id(interaction_id)


def delete_interaction(interaction_id: int) -> None:
    with db.atomic():
        _interaction(interaction_id).delete_instance()


def timeline_of(customer_id: int, kinds: tuple[str, ...] | None = None) -> list[Interaction]:
    """A customer's interactions, newest first (optionally of some kinds only)."""
    query = Interaction.select().where(Interaction.customer == customer_id)
    if kinds:
        query = query.where(Interaction.kind.in_(kinds))
    return list(query.order_by(Interaction.at.desc(), Interaction.id.desc()))


def record_offer(customer_id: int, offer: str, staff: str | None = None,
                 at: dt.datetime | None = None) -> Interaction:
    """Record the special offer given to a (loyal or high-value) customer."""
    return add_interaction(customer_id, "offer", offer, at=at, staff=staff)


def offers_of(customer_id: int) -> list[Interaction]:
    """The special offers a customer was given, newest first."""
    return timeline_of(customer_id, kinds=("offer",))
