"""Interactions: validation, the newest-first timeline, and special offers."""

from __future__ import annotations

import datetime as dt

import pytest

from shopcrm.core import customers, interactions
from shopcrm.core.errors import ValidationError
from shopcrm.core.purchases import NotFoundError
from shopcrm.db.models import utcnow


def test_add_interaction_cleans_the_text_and_defaults_to_now(db):
    cid = customers.create({"name": "Võ Thị Sáu"}).id
    before = utcnow().replace(microsecond=0)
    logged = interactions.add_interaction(cid, "call", "  Hỏi về  size áo \r\n", staff=" Lan ")
    assert (logged.kind, logged.summary, logged.staff) == ("call", "Hỏi về  size áo", "Lan")
    assert logged.at >= before


def test_kind_must_be_a_choice_and_the_summary_not_empty(db):
    cid = customers.create({"name": "An"}).id
    with pytest.raises(ValidationError, match="not one of the choices"):
        interactions.add_interaction(cid, "fax", "xin chào")
    with pytest.raises(ValidationError, match="Write what"):
        interactions.add_interaction(cid, "note", "  \n ")
    with pytest.raises(ValidationError, match="future"):
        interactions.add_interaction(cid, "visit", "ghé", at=utcnow() + dt.timedelta(days=1))
    assert interactions.timeline_of(cid) == []


def test_an_aware_time_is_stored_as_naive_utc(db):
    cid = customers.create({"name": "An"}).id
    hanoi = dt.timezone(dt.timedelta(hours=7))
    logged = interactions.add_interaction(cid, "visit", "ghé",
                                          at=dt.datetime(2026, 1, 2, 9, 30, tzinfo=hanoi))
    assert logged.at == dt.datetime(2026, 1, 2, 2, 30)


def test_timeline_is_newest_first_and_follows_edits_and_deletes(db):
    cid = customers.create({"name": "An"}).id
    old = interactions.add_interaction(cid, "sms", "cũ", at=dt.datetime(2025, 1, 1, 8))
    new = interactions.add_interaction(cid, "zalo", "mới", at=dt.datetime(2026, 1, 1, 8))
    assert [i.id for i in interactions.timeline_of(cid)] == [new.id, old.id]
    interactions.update_interaction(old.id, at=dt.datetime(2026, 2, 1, 8), summary="sửa")
    assert [i.summary for i in interactions.timeline_of(cid)] == ["sửa", "mới"]
    interactions.delete_interaction(new.id)
    assert [i.id for i in interactions.timeline_of(cid)] == [old.id]
    with pytest.raises(NotFoundError):
        interactions.update_interaction(new.id, summary="x")


def test_no_interaction_for_a_customer_in_the_trash(db):
    cid = customers.create({"name": "An"}).id
    customers.trash([cid])
    with pytest.raises(NotFoundError):
        interactions.add_interaction(cid, "call", "alo")


def test_special_offers_are_recorded_and_listed_apart(db):
    cid = customers.create({"name": "An"}).id
    interactions.add_interaction(cid, "call", "hỏi thăm", at=dt.datetime(2026, 1, 1))
    offer = interactions.record_offer(cid, "Giảm 10% đơn sau", staff="Chị Hoa")
    assert (offer.kind, offer.summary, offer.staff) == ("offer", "Giảm 10% đơn sau", "Chị Hoa")
    assert [o.id for o in interactions.offers_of(cid)] == [offer.id]
    assert len(interactions.timeline_of(cid)) == 2
    with pytest.raises(ValidationError):
        interactions.record_offer(cid, "")
