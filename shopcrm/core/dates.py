"""Dates as shops write them: dd/mm/yyyy first (Vietnamese order), ISO too."""

from __future__ import annotations

import datetime as dt
import re

from shopcrm.core.errors import QT_TRANSLATE_NOOP, ValidationError

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(value: str | dt.date | dt.datetime | None) -> dt.date | None:
    """A date from a date, "25/12/1990", "25-12-1990", "25.12.90" or "1990-12-25"; None if blank."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if match := _YMD.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
        year = _full_year(year) if len(match.group(3)) == 2 else year
    else:
        raise ValidationError(
            QT_TRANSLATE_NOOP("errors", "\"{text}\" is not a date: write it as dd/mm/yyyy."), text=text
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValidationError(
            QT_TRANSLATE_NOOP("errors", "{text} is not a day of the calendar."), text=text
        ) from None


def _full_year(two_digits: int) -> int:
    """'90' -> 1990, '05' -> 2005: a two-digit year is in the last hundred years."""
    this_year = dt.date.today().year
    year = 2000 + two_digits
    return year if year <= this_year else year - 100


def parse_birthday(value, today: dt.date | None = None) -> dt.date | None:
    """A birthday: a date that is not in the future nor more than 130 years ago."""
    date = parse_date(value)
    today = today or dt.date.today()
    if date is not None and (date > today or date.year < today.year - 130):
        raise ValidationError(
            QT_TRANSLATE_NOOP("errors", "A birthday of {date} is not possible."),
            date=date.strftime("%d/%m/%Y"),
        )
    return date


def age_on(birthday: dt.date, today: dt.date) -> int:
    """Whole years of age on `today`."""
    before_birthday = (today.month, today.day) < (birthday.month, birthday.day)
    return today.year - birthday.year - before_birthday


def as_date(value) -> dt.date | None:
    """A date read back from the database: SQLite gives dates (and MIN/MAX of them) as
    text, PostgreSQL as dates; None stays None."""
    if isinstance(value, str):  # "2026-05-01" or, from a datetime column, "2026-05-01 08:00:00"
        return dt.date.fromisoformat(value[:10])
    return parse_date(value)
