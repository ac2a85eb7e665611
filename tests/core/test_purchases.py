"""Purchases: validation, newest-first history, and the segment following every write."""

from __future__ import annotations

import datetime as dt

import pytest

from shopcrm.core import customers, purchases
from shopcrm.core.errors import ValidationError
from shopcrm.core.purchases import NotFoundError
from shopcrm.db.models import Customer

TODAY = dt.date.today()


def segment(cid: int) -> tuple[str | None, str | None]:
    row = Customer.get_by_id(cid)
    return row.funnel_segment, row.value_tier


def test_add_purchase_stores_clean_values_and_sets_the_segment(db):
    cid = customers.create({"name": "Lê Thị Mai"}).id
    bought = purchases.add_purchase(cid, TODAY.strftime("%d/%m/%Y"), "1.250.000 ₫",
                                    description="  Áo dài  lụa ", channel="zalo",
                                    note="giao\r\nbuổi chiều  ")
    assert (bought.date, bought.amount, bought.description, bought.channel, bought.note) == (
        TODAY, 1_250_000, "Áo dài lụa", "zalo", "giao\nbuổi chiều")
    assert segment(cid) == ("new", "high")  # the only buyer is the top of the shop


def test_big_first_purchase_then_edit_and_delete_move_the_segment(db):
    cid = customers.create({"name": "Phạm Văn Hùng"}).id
    bought = purchases.add_purchase(cid, TODAY, 5_000_000)
    assert segment(cid)[0] == "first_big"
    purchases.update_purchase(bought.id, amount=4_999_999)
    assert segment(cid)[0] == "new"
    purchases.delete_purchase(bought.id)
    assert segment(cid) == ("potential", None)


@pytest.mark.parametrize("amount", [0, -5, 12.5, "12,5 nghìn", True, None, 10**13, "abc"])
def test_amount_must_be_a_positive_whole_number_of_vnd_below_the_limit(db, amount):
    cid = customers.create({"name": "An"}).id
    with pytest.raises(ValidationError):
        purchases.add_purchase(cid, TODAY, amount)
    assert purchases.purchases_of(cid) == []


def test_amounts_as_shops_type_them_are_accepted():
    assert purchases.clean_amount("1,250,000") == 1_250_000
    assert purchases.clean_amount("349.000đ") == 349_000
    assert purchases.clean_amount(2_000_000.0) == 2_000_000
    assert purchases.clean_amount(10**13 - 1) == 10**13 - 1


def test_date_is_required_and_not_after_today(db):
    cid = customers.create({"name": "An"}).id
    with pytest.raises(ValidationError, match="after today"):
        purchases.add_purchase(cid, TODAY + dt.timedelta(days=1), 1000)
    with pytest.raises(ValidationError, match="needs a date"):
        purchases.add_purchase(cid, "", 1000)
    with pytest.raises(ValidationError, match="not a date"):
        purchases.add_purchase(cid, "hôm qua", 1000)


def test_channel_must_be_one_of_the_choices_and_blank_is_the_store(db):
    cid = customers.create({"name": "An"}).id
    with pytest.raises(ValidationError, match="not one of the choices"):
        purchases.add_purchase(cid, TODAY, 1000, channel="shopee")
    assert purchases.add_purchase(cid, TODAY, 1000, channel="").channel == "store"


def test_description_longer_than_the_column_is_refused(db):
    cid = customers.create({"name": "An"}).id
    with pytest.raises(ValidationError, match="at most 500"):
        purchases.add_purchase(cid, TODAY, 1000, description="x" * 501)


def test_no_purchase_for_a_customer_in_the_trash_or_a_deleted_purchase(db):
    cid = customers.create({"name": "An"}).id
    bought = purchases.add_purchase(cid, TODAY, 1000)
    purchases.delete_purchase(bought.id)
    with pytest.raises(NotFoundError):
        purchases.update_purchase(bought.id, amount=2000)
    with pytest.raises(NotFoundError):
        purchases.delete_purchase(bought.id)
    customers.trash([cid])
    with pytest.raises(NotFoundError):
        purchases.add_purchase(cid, TODAY, 1000)


def test_update_refuses_unknown_fields_and_bad_values_without_writing(db):
    cid = customers.create({"name": "An"}).id
    bought = purchases.add_purchase(cid, TODAY, 1000)
    with pytest.raises(KeyError):
        purchases.update_purchase(bought.id, customer=cid)
    with pytest.raises(ValidationError):
        purchases.update_purchase(bought.id, amount=-1)
    assert purchases.purchases_of(cid)[0].amount == 1000


def test_purchases_of_lists_newest_first(db):
    cid = customers.create({"name": "An"}).id
    days = [TODAY - dt.timedelta(days=n) for n in (30, 1, 400)]
    for day in days:
        purchases.add_purchase(cid, day, 1000)
    same_day = purchases.add_purchase(cid, days[1], 2000)
    listed = purchases.purchases_of(cid)
    assert [p.date for p in listed] == [days[1], days[1], days[0], days[2]]
    assert listed[0].id == same_day.id
