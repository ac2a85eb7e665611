"""Feedback and complaint tickets: ratings, the ticket's transitions, open complaints."""

from __future__ import annotations

import datetime as dt

import pytest

from shopcrm.core import customers, feedback
from shopcrm.core.errors import ValidationError
from shopcrm.core.feedback import TransitionError
from shopcrm.db.models import Customer

NOW = dt.datetime(2026, 6, 30, 12, 0)


def complaint(cid: int, days_old: int = 0, text: str = "Giao hàng trễ"):
    return feedback.add_feedback(cid, "complaint", rating=2, comment=text,
                                 at=NOW - dt.timedelta(days=days_old))


def test_a_complaint_opens_a_ticket_and_praise_has_no_status(db):
    cid = customers.create({"name": "An"}).id
    assert complaint(cid).status == "open"
    praise = feedback.add_feedback(cid, "praise", rating="5", comment=" Tuyệt vời ")
    assert (praise.status, praise.rating, praise.comment) == (None, 5, "Tuyệt vời")
    assert feedback.add_feedback(cid, "suggestion", comment="Thêm màu").status is None


@pytest.mark.parametrize("rating", [6, -1, 2.5, "năm", True])
def test_rating_is_one_to_five_stars(db, rating):
    cid = customers.create({"name": "An"}).id
    with pytest.raises(ValidationError, match="1 to 5"):
        feedback.add_feedback(cid, "praise", rating=rating)


def test_feedback_needs_a_known_kind_and_something_said(db):
    cid = customers.create({"name": "An"}).id
    with pytest.raises(ValidationError, match="not one of the choices"):
        feedback.add_feedback(cid, "question", rating=3)
    with pytest.raises(ValidationError, match="rating or write"):
        feedback.add_feedback(cid, "praise")
    with pytest.raises(ValidationError, match="complains about"):
        feedback.add_feedback(cid, "complaint", rating=1)


def test_ticket_goes_open_in_progress_resolved_and_back_to_open(db):
    cid = customers.create({"name": "An"}).id
    ticket = complaint(cid)
    ticket = feedback.start(ticket.id, " Lan ")
    assert (ticket.status, ticket.handler) == ("in_progress", "Lan")
    ticket = feedback.resolve(ticket.id, "Đổi hàng mới")
    assert (ticket.status, ticket.handler, ticket.resolution) == ("resolved", "Lan", "Đổi hàng mới")
    assert ticket.resolved_at is not None
    ticket = feedback.reopen(ticket.id)
    assert (ticket.status, ticket.resolved_at, ticket.resolution) == ("open", None, "Đổi hàng mới")
    ticket = feedback.resolve(ticket.id, "Hoàn tiền", handler="Hoa")
    assert ticket.resolution == "Đổi hàng mới\n---\nHoàn tiền"
    assert (ticket.status, ticket.handler) == ("resolved", "Hoa")


def test_illegal_transitions_are_refused_with_a_clear_message(db):
    cid = customers.create({"name": "An"}).id
    ticket = complaint(cid)
    with pytest.raises(TransitionError, match="Only a resolved complaint can be reopened"):
        feedback.reopen(ticket.id)
    feedback.start(ticket.id, "Lan")
    with pytest.raises(TransitionError, match="Only an open complaint"):
        feedback.start(ticket.id, "Hoa")
    feedback.resolve(ticket.id, "Xong")
    with pytest.raises(TransitionError, match="already resolved"):
        feedback.resolve(ticket.id, "Lần nữa")
    with pytest.raises(TransitionError, match="Only an open complaint"):
        feedback.start(ticket.id, "Hoa")
    praise = feedback.add_feedback(cid, "praise", rating=5)
    with pytest.raises(TransitionError, match="Only a complaint"):
        feedback.resolve(praise.id, "?")
    assert feedback.feedback_of(cid)[1].resolution == "Xong"


def test_start_needs_a_handler_and_resolve_a_resolution(db):
    cid = customers.create({"name": "An"}).id
    ticket = complaint(cid)
    with pytest.raises(ValidationError, match="who handles"):
        feedback.start(ticket.id, "  ")
    with pytest.raises(ValidationError, match="how the complaint was resolved"):
        feedback.resolve(ticket.id, "")
    assert feedback.feedback_of(cid)[0].status == "open"


def test_open_complaints_oldest_first_with_age_without_trash_or_resolved(db):
    an = customers.create({"name": "An"})
    binh = customers.create({"name": "Bình"})
    gone = customers.create({"name": "Cường"})
    young = complaint(an.id, days_old=1)
    old = complaint(binh.id, days_old=10)
    feedback.start(old.id, "Lan")
    feedback.resolve(complaint(an.id, days_old=20).id, "Xong")
    complaint(gone.id, days_old=30)
    customers.trash([gone.id])
    rows = feedback.open_complaints(NOW)
    assert [(r.id, r.customer_code, r.customer_name, r.status, r.age_days) for r in rows] == [
        (old.id, binh.code, "Bình", "in_progress", 10), (young.id, an.code, "An", "open", 1)]


def test_satisfaction_averages_ratings_and_counts_open_complaints(db):
    cid = customers.create({"name": "An"}).id
    assert feedback.satisfaction_of(cid) == (None, None, 0)
    feedback.add_feedback(cid, "praise", rating=5, at=NOW - dt.timedelta(days=3))
    ticket = complaint(cid, days_old=1)  # rated 2
    feedback.add_feedback(cid, "suggestion", comment="Thêm size", at=NOW)  # no rating
    assert feedback.satisfaction_of(cid) == (3.5, 2, 1)
    feedback.resolve(ticket.id, "Xin lỗi, tặng phiếu")
    assert feedback.satisfaction_of(cid).open_complaints == 0


def test_has_open_complaint_filters_customers(db):
    an = customers.create({"name": "An"})
    binh = customers.create({"name": "Bình"})
    complaint(an.id)
    feedback.resolve(complaint(binh.id).id, "Xong")
    found = Customer.select(Customer.id).where(feedback.has_open_complaint())
    assert [c.id for c in found] == [an.id]


def test_a_feedback_is_corrected_and_its_ticket_follows_its_kind(db):
    cid = customers.create({"name": "Lê Thị Lan"}).id
    praise = feedback.add_feedback(cid, "praise", rating=5, comment="Đẹp")
    fixed = feedback.update_feedback(praise.id, "praise", rating=4, comment="Đẹp, hơi chật")
    assert (fixed.rating, fixed.comment, fixed.status) == (4, "Đẹp, hơi chật", None)
    ticket = feedback.update_feedback(praise.id, "complaint", rating=2, comment="Áo chật")
    assert ticket.status == "open"
    feedback.resolve(ticket.id, "Đổi size")
    kept = feedback.update_feedback(ticket.id, "complaint", rating=3, comment="Áo chật")
    assert kept.status == "resolved"  # correcting a complaint keeps its ticket's state
    back = feedback.update_feedback(ticket.id, "suggestion", comment="Nên có size L")
    assert (back.status, back.resolved_at) == (None, None)
    with pytest.raises(ValidationError):
        feedback.update_feedback(ticket.id, "complaint", rating=1, comment=" ")
