"""Interests as free tags: edited with the customer, shared across customers, searchable."""

from __future__ import annotations

import pytest

from shopcrm.core import customers, filters, listing
from shopcrm.core.customers import FormErrors
from shopcrm.db.models import CustomerTag, Tag


def test_tags_are_cleaned_from_text_or_a_list(db):
    assert customers.clean({"tags": " VIP, áo dài ;vip,, Mỹ  phẩm "})["tags"] == (
        "áo dài", "Mỹ phẩm", "VIP")
    assert customers.clean({"tags": ["du lịch", "ẩm thực"]})["tags"] == ("ẩm thực", "du lịch")
    assert customers.clean({"tags": ""})["tags"] == ()
    with pytest.raises(FormErrors) as caught:
        customers.clean({"tags": "x" * 61})
    assert "tags" in caught.value.errors


def test_tags_are_saved_with_the_customer_and_changed_by_an_edit(db):
    ha = customers.create({"name": "Nguyễn Thị Hà", "tags": "VIP, áo dài"})
    assert customers.tags_of(ha.id) == ("áo dài", "VIP")
    assert customers.as_values(ha)["tags"] == ("áo dài", "VIP")
    ha = customers.update(ha.id, {"tags": "áo dài, du lịch"}, ha.version)
    assert customers.tags_of(ha.id) == ("áo dài", "du lịch")
    assert ha.version == 2  # other counters see the change
    customers.update(ha.id, {"name": "Nguyễn Thu Hà"}, ha.version)  # tags not given: kept
    assert customers.tags_of(ha.id) == ("áo dài", "du lịch")


def test_a_tag_written_in_another_case_is_the_same_tag(db):
    customers.create({"name": "A", "tags": "VIP"})
    customers.create({"name": "B", "tags": "vip"})
    assert [t.name for t in Tag.select()] == ["VIP"]
    assert CustomerTag.select().count() == 2
    assert filters.count({"tag": ["VIP"]}) == 2


def test_search_finds_customers_by_their_tags_without_tones(db):
    ha = customers.create({"name": "Nguyễn Thị Hà", "tags": "áo dài, VIP"}).id
    lan = customers.create({"name": "Lê Lan", "notes": "hỏi về áo dài cưới"}).id
    customers.create({"name": "Trần Đức", "tags": "du lịch"})
    assert listing.find_ids("ao dai") == [ha, lan]
    assert listing.find_ids("vip") == [ha]
    assert listing.find_ids("vip ha") == [ha]  # a tag word and a name word together
    assert listing.find_ids("vip lan") == []
    assert listing.find_ids("di") == []  # two letters: the start of a word only
    assert listing.find_ids("du") != []


def test_undo_of_an_edit_puts_the_tags_back(db):
    ha = customers.create({"name": "Hà", "tags": "VIP"})
    before = customers.as_values(ha)
    ha = customers.update(ha.id, {"tags": ""}, ha.version)
    customers.update(ha.id, before, ha.version)
    assert customers.tags_of(ha.id) == ("VIP",)
