"""Feedback (phản hồi, đánh giá): ratings and comments; a complaint is also a ticket.

A complaint (kind "complaint") starts "open"; praise and suggestions have no status.

    open --start(handler)--> in_progress --resolve(resolution)--> resolved
    open --resolve(resolution)--> resolved            resolved --reopen()--> open

Any other move raises TransitionError. Reopening clears resolved_at and keeps the
resolution written so far; resolving again appends the new resolution below it
(after a line "---"), so the ticket keeps its whole history.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from peewee import fn

from shopcrm.core.errors import QT_TRANSLATE_NOOP, ValidationError
from shopcrm.core.interactions import clean_at, clean_staff, clean_text
from shopcrm.core.purchases import NotFoundError
from shopcrm.db.connection import db
from shopcrm.db.models import FEEDBACK_CHOICES, Customer, Feedback, utcnow

UNRESOLVED = ("open", "in_progress")
RESOLUTION_SEPARATOR = "\n---\n"
# transition -> the statuses it may start from
TRANSITIONS = {"start": ("open",), "resolve": ("open", "in_progress"), "reopen": ("resolved",)}


class TransitionError(ValidationError):
    """A complaint ticket cannot make this move from its present status."""


def clean_rating(value) -> int | None:
    if value in (None, "", 0):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "A rating is 1 to 5 stars."))
    return value


def _clean_kind(value) -> str:
    if value not in FEEDBACK_CHOICES:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "\"{value}\" is not one of the choices."),
                              value=str(value))
    return value


def _feedback(feedback_id: int) -> Feedback:
    found = Feedback.get_or_none(Feedback.id == feedback_id)
    if found is None:
        raise NotFoundError(QT_TRANSLATE_NOOP(
            "errors", "This feedback no longer exists (deleted at another counter?)."))
    return found


def add_feedback(customer_id: int, kind: str, rating: int | None = None,
                 comment: str | None = None, handler: str | None = None,
                 at: dt.datetime | None = None) -> Feedback:
    """Record a rating or comment; a complaint (which needs a comment) opens a ticket."""
    kind, rating, comment = _clean_kind(kind), clean_rating(rating), clean_text(comment)
    handler, at = clean_staff(handler), clean_at(at)
    if kind == "complaint" and not comment:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "Write what the customer complains about."))
    if rating is None and not comment:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "Give a rating or write a comment."))
    with db.atomic():
        if not Customer.select().where((Customer.id == customer_id)
                                       & Customer.deleted_at.is_null()).exists():
            raise NotFoundError(QT_TRANSLATE_NOOP(
                "errors", "This customer no longer exists or is in the trash."))
        return Feedback.create(customer=customer_id, kind=kind, rating=rating, comment=comment,
                               handler=handler, at=at,
                               status="open" if kind == "complaint" else None)


def update_feedback(feedback_id: int, kind: str, rating: int | None = None,
                    comment: str | None = None, handler: str | None = None) -> Feedback:
    """Correct a rating or comment. A feedback that becomes a complaint opens a ticket;
    a complaint that becomes praise or a suggestion is no ticket any more."""
    kind, rating, comment = _clean_kind(kind), clean_rating(rating), clean_text(comment)
    handler = clean_staff(handler)
    if kind == "complaint" and not comment:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "Write what the customer complains about."))
    if rating is None and not comment:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "Give a rating or write a comment."))
    with db.atomic():
        current = _feedback(feedback_id)
        changes = {"kind": kind, "rating": rating, "comment": comment, "handler": handler}
        if kind == "complaint" and current.kind != "complaint":
            changes.update(status="open", resolved_at=None)
        elif kind != "complaint":
            changes.update(status=None, resolved_at=None)
        Feedback.update(changes).where(Feedback.id == feedback_id).execute()
        return Feedback.get_by_id(feedback_id)


def delete_feedback(feedback_id: int) -> None:
    from shopcrm.core import care_rules  # it reads complaints: imported late, no cycle

    with db.atomic():
        _feedback(feedback_id).delete_instance()
        care_rules.complaint_deleted(feedback_id)  # its follow-up, if not done yet


def _move(feedback_id: int, transition: str, **changes) -> Feedback:
    """Apply a ticket transition if the status allows it (checked in the UPDATE itself,
    so two counters moving one ticket at once cannot both succeed)."""
    with db.atomic():
        ticket = _feedback(feedback_id)
        if ticket.kind != "complaint":
            raise TransitionError(QT_TRANSLATE_NOOP("errors", "Only a complaint has a status."))
        allowed = TRANSITIONS[transition]
        moved = (Feedback.update(changes)
                 .where((Feedback.id == feedback_id) & Feedback.status.in_(allowed)).execute())
        if not moved:
            raise TransitionError(_REFUSED[transition])
    return Feedback.get_by_id(feedback_id)


_REFUSED = {
    "start": QT_TRANSLATE_NOOP("errors", "Only an open complaint can be taken in hand."),
    "resolve": QT_TRANSLATE_NOOP("errors", "This complaint is already resolved."),
    "reopen": QT_TRANSLATE_NOOP("errors", "Only a resolved complaint can be reopened."),
}


def start(feedback_id: int, handler: str) -> Feedback:
    """open -> in_progress: someone takes the complaint in hand."""
    handler = clean_staff(handler)
    if not handler:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "Say who handles the complaint."))
    return _move(feedback_id, "start", status="in_progress", handler=handler)


def resolve(feedback_id: int, resolution: str, handler: str | None = None) -> Feedback:
    """open or in_progress -> resolved, with how it was resolved (required)."""
    text, handler = clean_text(resolution), clean_staff(handler)
    if not text:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "Write how the complaint was resolved."))
    earlier = _feedback(feedback_id).resolution
    changes = {"status": "resolved", "resolved_at": utcnow(),
               "resolution": f"{earlier}{RESOLUTION_SEPARATOR}{text}" if earlier else text}
    if handler:
        changes["handler"] = handler
    return _move(feedback_id, "resolve", **changes)


def reopen(feedback_id: int) -> Feedback:
    """resolved -> open: the customer is not satisfied after all (the resolution is kept)."""
    return _move(feedback_id, "reopen", status="open", resolved_at=None)


class ComplaintRow(NamedTuple):
    id: int
    customer_id: int
    customer_code: str
    customer_name: str
    opened_at: dt.datetime
    status: str
    handler: str | None
    comment: str | None
    age_days: int


def open_complaints(now: dt.datetime | None = None) -> list[ComplaintRow]:
    """Unresolved complaints (open or in progress) of customers not in the trash, oldest
    first, with their age in whole days at `now` (naive UTC, default now)."""
    now = now or utcnow()
    query = (Feedback.select(Feedback.id, Feedback.customer, Customer.code, Customer.name,
                             Feedback.at, Feedback.status, Feedback.handler, Feedback.comment)
             .join(Customer)
             .where((Feedback.kind == "complaint") & Feedback.status.in_(UNRESOLVED)
                    & Customer.deleted_at.is_null())
             .order_by(Feedback.at, Feedback.id))
    return [ComplaintRow(*row, max(0, (now - row[4]).days)) for row in query.tuples()]


def open_complaint_ids():
    """A subquery of the ids of customers with an unresolved complaint."""
    return (Feedback.select(Feedback.customer)
            .where((Feedback.kind == "complaint") & Feedback.status.in_(UNRESOLVED)))


def has_open_complaint():
    """A condition on Customer: has an unresolved complaint (for the list's filter)."""
    return Customer.id.in_(open_complaint_ids())


class Satisfaction(NamedTuple):
    average: float | None  # of every rating given, None if none
    last: int | None  # the latest rating
    open_complaints: int


def satisfaction_of(customer_id: int) -> Satisfaction:
    mine = Feedback.customer == customer_id
    average = (Feedback.select(fn.AVG(Feedback.rating))
               .where(mine & Feedback.rating.is_null(False)).scalar())
    last = (Feedback.select(Feedback.rating).where(mine & Feedback.rating.is_null(False))
            .order_by(Feedback.at.desc(), Feedback.id.desc()).limit(1).scalar())
    unresolved = (Feedback.select().where(mine & (Feedback.kind == "complaint")
                                          & Feedback.status.in_(UNRESOLVED)).count())
    return Satisfaction(None if average is None else float(average), last, unresolved)


def feedback_of(customer_id: int) -> list[Feedback]:
    """A customer's feedback, newest first."""
    return list(Feedback.select().where(Feedback.customer == customer_id)
                .order_by(Feedback.at.desc(), Feedback.id.desc()))
