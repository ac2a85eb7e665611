"""The suggested honorific follows age and gender; the shop's choice wins."""

from __future__ import annotations

import datetime as dt

import pytest

from shopcrm.core import customers, honorifics

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize("gender, born, expected", [
    ("female", dt.date(1995, 5, 1), "chị"),
    ("male", dt.date(1990, 1, 1), "anh"),
    ("female", dt.date(1975, 1, 1), "cô"),
    ("male", dt.date(1970, 1, 1), "chú"),
    ("female", dt.date(1950, 1, 1), "bà"),
    ("male", dt.date(1940, 1, 1), "ông"),
    ("male", dt.date(2012, 1, 1), "em"),
    ("unknown", dt.date(1990, 1, 1), "quý khách"),
    ("female", None, "quý khách"),
])
def test_suggestion_from_age_and_gender(gender, born, expected):
    assert honorifics.suggest("individual", gender, born, TODAY) == expected


def test_organisations_are_quy_khach():
    assert honorifics.suggest("organisation", "male", dt.date(1990, 1, 1), TODAY) == "quý khách"


def test_the_shop_choice_wins(db):
    dung = customers.create({"name": "Trần Thị Dung", "gender": "female", "birthday": "01/01/1995"})
    assert honorifics.honorific_of(dung, TODAY) == "chị"
    dung = customers.update(dung.id, {"honorific": "em"}, dung.version)
    assert honorifics.honorific_of(dung, TODAY) == "em"
