"""Purchases (lịch sử giao dịch): validating and storing what a customer bought.

Every write recomputes that customer's segments in the same transaction
(core.segments.recompute_customer), so the list's badge follows at once.
"""

from __future__ import annotations

import datetime as dt
import re

from shopcrm.core import care_rules, dates, segments
from shopcrm.core.errors import QT_TRANSLATE_NOOP, KnownError, ValidationError
from shopcrm.core.text import blank_to_none, multiline
from shopcrm.db.connection import db
from shopcrm.db.models import CHANNEL_CHOICES, Customer, Purchase

MAX_AMOUNT = 10**13  # 10,000 billion ₫: more is a typing slip
EARLIEST = dt.date(1900, 1, 1)
FIELDS = ("date", "amount", "description", "channel", "note")
_SEPARATORS = re.compile(r"[\s.,_]|₫|đ|vnd|vnđ", re.IGNORECASE)


class NotFoundError(KnownError):
    """The record is gone (deleted at another counter, or the customer is in the trash)."""


def clean(raw: dict, today: dt.date | None = None) -> dict:
    """Stored values for the purchase fields in `raw`; ValidationError on the first bad one."""
    unknown = set(raw) - set(FIELDS)
    if unknown:
        raise KeyError(sorted(unknown)[0])
    cleaners = {"date": lambda v: clean_date(v, today), "amount": clean_amount,
                "description": _clean_description, "channel": _clean_channel,
                "note": multiline}
    return {field: cleaners[field](value) for field, value in raw.items()}


def clean_date(value, today: dt.date | None = None) -> dt.date:
    day = dates.parse_date(value)
    if day is None:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "A purchase needs a date."))
    today = today or dt.date.today()
    if day > today:
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "A purchase cannot be dated after today ({today})."),
            today=today.strftime("%d/%m/%Y"))
    if day < EARLIEST:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "{date} is too long ago."),
                              date=day.strftime("%d/%m/%Y"))
    return day


def clean_amount(value) -> int:
    """A positive whole number of VND: 1250000, "1.250.000", "1,250,000 ₫"."""
    amount = value
    if isinstance(value, str):
        digits = _SEPARATORS.sub("", value)
        amount = int(digits) if digits.isdigit() else None
    elif isinstance(value, float) and value.is_integer():
        amount = int(value)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "\"{value}\" is not an amount: write a whole number of đồng."),
            value=str(value))
    if not 0 < amount < MAX_AMOUNT:
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "An amount must be more than 0 ₫ and less than {limit} ₫."),
            limit=f"{MAX_AMOUNT:,}".replace(",", "."))
    return amount


def _clean_description(value) -> str | None:
    text = blank_to_none(value)
    limit = Purchase.description.max_length
    if text is not None and len(text) > limit:
        raise ValidationError(QT_TRANSLATE_NOOP(
            "errors", "This is too long: at most {limit} characters."), limit=limit)
    return text


def _clean_channel(value) -> str:
    channel = blank_to_none(value) or "store"
    if channel not in CHANNEL_CHOICES:
        raise ValidationError(QT_TRANSLATE_NOOP("errors", "\"{value}\" is not one of the choices."),
                              value=channel)
    return channel


def _customer(customer_id: int) -> Customer:
    customer = Customer.get_or_none((Customer.id == customer_id) & Customer.deleted_at.is_null())
    if customer is None:
        raise NotFoundError(QT_TRANSLATE_NOOP(
            "errors", "This customer no longer exists or is in the trash."))
    return customer


def _purchase(purchase_id: int) -> Purchase:
    purchase = Purchase.get_or_none(Purchase.id == purchase_id)
    if purchase is None:
        raise NotFoundError(QT_TRANSLATE_NOOP(
            "errors", "This purchase no longer exists (deleted at another counter?)."))
    return purchase


def add_purchase(customer_id: int, date, amount, description: str | None = None,
                 channel: str = "store", note: str | None = None) -> Purchase:
    """Store a purchase and update the customer's segments; the stored Purchase."""
    values = clean({"date": date, "amount": amount, "description": description,
                    "channel": channel, "note": note})
    with db.atomic():
        _customer(customer_id)
        purchase = Purchase.create(customer=customer_id, **values)
        segments.recompute_customer(customer_id)
        care_rules.purchase_changed(purchase.id)  # its thank-you and feedback request
    return purchase


def update_purchase(purchase_id: int, **fields) -> Purchase:
    """Change some of date, amount, description, channel, note; the stored Purchase."""
    values = clean(fields)
    with db.atomic():
        purchase = _purchase(purchase_id)
        if values:
            Purchase.update(values).where(Purchase.id == purchase_id).execute()
            segments.recompute_customer(purchase.customer_id)
            care_rules.purchase_changed(purchase_id)  # planned tasks follow its new date
    return Purchase.get_by_id(purchase_id)


def delete_purchase(purchase_id: int) -> None:
    with db.atomic():
        purchase = _purchase(purchase_id)
        purchase.delete_instance()
        segments.recompute_customer(purchase.customer_id)
        care_rules.purchase_deleted(purchase_id)  # a thank-you for nothing is not sent


def purchases_of(customer_id: int) -> list[Purchase]:
    """A customer's purchases, newest first (same day: the last entered first)."""
    return list(Purchase.select().where(Purchase.customer == customer_id)
                .order_by(Purchase.date.desc(), Purchase.id.desc()))
