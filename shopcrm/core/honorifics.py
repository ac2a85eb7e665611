"""How a message addresses a customer: "chị Dung", "anh Tuấn", "quý khách".

A suggestion from age and gender (DOMAIN.md); the shop owner can override it
per customer, because a wrong guess offends.
"""

from __future__ import annotations

import datetime as dt

from shopcrm.core.dates import age_on

FALLBACK = "quý khách"  # organisations, or when unsure


def suggest(kind: str, gender: str | None, birthday: dt.date | None,
            today: dt.date | None = None) -> str:
    """em (under 18), anh/chị (up to 40), chú/cô (up to 60), ông/bà (older)."""
    if kind == "organisation" or gender not in ("male", "female") or birthday is None:
        return FALLBACK
    age = age_on(birthday, today or dt.date.today())
    if age < 18:
        return "em"
    male = gender == "male"
    if age <= 40:
        return "anh" if male else "chị"
    if age <= 60:
        return "chú" if male else "cô"
    return "ông" if male else "bà"


def honorific_of(customer, today: dt.date | None = None) -> str:
    """The customer's own honorific if the shop set one, else the suggestion."""
    return customer.honorific or suggest(customer.kind, customer.gender, customer.birthday, today)
