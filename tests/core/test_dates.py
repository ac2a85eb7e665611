"""Dates read back from the database, as each kind of database gives them."""

from __future__ import annotations

import datetime as dt

from shopcrm.core.dates import as_date


def test_dates_come_back_as_dates_from_text_dates_and_datetimes():
    day = dt.date(2026, 5, 1)
    assert as_date("2026-05-01") == day  # SQLite: a date column
    assert as_date("2026-05-01 08:00:00.123456") == day  # SQLite: MAX() of a datetime column
    assert as_date(day) == day  # PostgreSQL
    assert as_date(dt.datetime(2026, 5, 1, 23, 59)) == day
    assert as_date(None) is None
