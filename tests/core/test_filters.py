"""Filters that combine, smart lists, ranking of name matches, sorting by referrals."""

from __future__ import annotations

import datetime as dt

import pytest

from shopcrm.core import customers, filters, listing
from shopcrm.core.errors import ValidationError
from shopcrm.db.models import Customer, CustomerTag, Feedback, Tag

TODAY = dt.date(2026, 11, 23)


def add(name, **fields):
    return customers.create({"name": name, **fields}).id


def tag(customer_id, *names):
    for name in names:
        tag_row, _ = Tag.get_or_create(name=name)
        CustomerTag.create(customer=customer_id, tag=tag_row)


def complain(customer_id, status):
    Feedback.create(customer=customer_id, kind="complaint", status=status, comment="x")


def segment(customer_id, funnel, tier=None):
    Customer.update(funnel_segment=funnel, value_tier=tier).where(
        Customer.id == customer_id).execute()


@pytest.fixture
def shop(db):
    ids = {
        "ha": add("Nguyễn Thị Hà", province="Hà Nội", gender="female", source="social",
                  birthday=dt.date(1990, 11, 2), area="city"),
        "duc": add("Trần Văn Đức", province="Đà Nẵng", gender="male", source="walk_in",
                   birthday=dt.date(1960, 3, 15)),
        "lan": add("Lê Thị Lan", province="Hà Nội", gender="female", source="walk_in",
                   birthday=dt.date(2012, 11, 30)),
        "org": add("Công ty Minh Phát", kind="organisation", province="Hà Nội"),
    }
    segment(ids["ha"], "loyal", "high")
    segment(ids["duc"], "lapsed", "average")
    segment(ids["lan"], "new", "low")
    tag(ids["ha"], "VIP", "áo dài")
    tag(ids["duc"], "áo dài")
    complain(ids["ha"], "resolved")
    complain(ids["duc"], "in_progress")
    return ids


def kept(spec, shop, today=TODAY):
    found = set(listing.find_ids(filter=filters.clean(spec)))
    assert filters.count(filters.clean(spec), today) == len(found)
    return {name for name, cid in shop.items() if cid in found}


def test_values_of_one_axis_are_alternatives_and_axes_combine(shop):
    assert kept({"province": ["Hà Nội"]}, shop) == {"ha", "lan", "org"}
    assert kept({"segment": ["loyal", "new"]}, shop) == {"ha", "lan"}
    assert kept({"province": ["Hà Nội"], "gender": ["female"], "source": ["walk_in"]},
                shop) == {"lan"}
    assert kept({"kind": ["organisation"]}, shop) == {"org"}
    assert kept({"value_tier": ["high", "average"], "area": ["city"]}, shop) == {"ha"}


def test_tags_match_any_of_the_chosen(shop):
    assert kept({"tag": ["VIP"]}, shop) == {"ha"}
    assert kept({"tag": ["áo dài"]}, shop) == {"ha", "duc"}
    assert kept({"tag": ["VIP", "áo dài"], "gender": ["male"]}, shop) == {"duc"}


def test_open_complaint_means_open_or_in_progress(shop):
    assert kept({"open_complaint": True}, shop) == {"duc"}
    complain(shop["lan"], "open")
    assert kept({"open_complaint": True}, shop) == {"duc", "lan"}


def test_birthday_this_month(shop, monkeypatch):
    assert {name for name, cid in shop.items()
            if cid in listing.find_ids()} == set(shop)  # no filter: everyone
    spec = filters.clean({"birthday_this_month": True})
    assert filters.count(spec, TODAY) == 2  # Hà (2 Nov) and Lan (30 Nov)
    assert filters.count(spec, dt.date(2026, 3, 1)) == 1  # Đức


@pytest.mark.parametrize(("today", "group", "born_in", "born_out"), [
    (TODAY, "child", dt.date(2010, 11, 24), dt.date(2010, 11, 23)),  # 16 on the day
    (TODAY, "youth", dt.date(2010, 11, 23), dt.date(1990, 11, 23)),  # 36 on the day
    (TODAY, "middle_aged", dt.date(1990, 11, 23), dt.date(1966, 11, 23)),
    (TODAY, "elderly", dt.date(1966, 11, 23), dt.date(1966, 11, 24)),
    # On 29 February, someone born on 1 March of 16 years before is not 16 yet.
    (dt.date(2028, 2, 29), "youth", dt.date(2012, 2, 29), dt.date(2012, 3, 1)),
    (dt.date(2028, 2, 29), "youth", dt.date(2011, 3, 1), dt.date(1992, 2, 29)),
])
def test_age_groups_at_their_boundaries(db, today, group, born_in, born_out):
    inside, outside = add("A", birthday=born_in), add("B", birthday=born_out)
    assert customers.age_group(born_in, today) == group
    assert customers.age_group(born_out, today) != group
    spec = filters.clean({"age_group": [group]})
    found = set(listing.find_ids()) & {
        c.id for c in Customer.select().where(*filters.conditions(spec, today))}
    assert found == {inside}
    assert outside not in found


def test_filter_and_search_together(shop):
    spec = filters.clean({"province": ["Hà Nội"]})
    assert listing.find_ids("thi", filter=spec) == [shop["ha"], shop["lan"]]
    assert listing.find_ids("duc", filter=spec) == []


def test_trashed_customers_are_not_counted(shop):
    customers.trash([shop["lan"]])
    assert kept({"province": ["Hà Nội"]}, shop) == {"ha", "org"}


def test_clean_drops_empty_parts_and_refuses_unknown_values(db):
    assert filters.clean({"segment": [], "province": [" Hà Nội ", ""], "open_complaint": False}
                         ) == {"province": ["Hà Nội"]}
    with pytest.raises(ValidationError):
        filters.clean({"segment": ["golden"]})
    with pytest.raises(ValidationError):
        filters.clean({"colour": ["red"]})


def test_smart_lists_are_saved_renamed_and_deleted(db):
    filters.save_smart_list("Khách VIP Hà Nội", {"province": ["Hà Nội"], "tag": ["VIP"]})
    filters.save_smart_list("Sinh nhật", {"birthday_this_month": True})
    assert [entry["name"] for entry in filters.smart_lists()] == ["Khách VIP Hà Nội", "Sinh nhật"]
    with pytest.raises(ValidationError):
        filters.save_smart_list("Sinh nhật", {"segment": ["loyal"]})  # the name is taken
    with pytest.raises(ValidationError):
        filters.save_smart_list("  ", {"segment": ["loyal"]})
    with pytest.raises(ValidationError):
        filters.save_smart_list("Trống", {"segment": []})  # nothing to filter by
    filters.save_smart_list("Sinh nhật tháng này", {"birthday_this_month": True},
                            replace="Sinh nhật")
    assert filters.smart_lists()[1] == {"name": "Sinh nhật tháng này",
                                        "filter": {"birthday_this_month": True}}
    filters.delete_smart_list("Khách VIP Hà Nội")
    assert [entry["name"] for entry in filters.smart_lists()] == ["Sinh nhật tháng này"]


def test_choices_for_the_filter_in_vietnamese_order(shop):
    add("X", province="Bắc Ninh")
    assert filters.provinces() == ["Bắc Ninh", "Đà Nẵng", "Hà Nội"]
    assert filters.tags() == ["áo dài", "VIP"]


def test_name_matches_come_before_note_matches(db):
    by_note = add("Anh Bảo", notes="em gái tên Hoa")  # sorts first by given name
    by_name = add("Trần Thị Hoa")
    by_email = add("Lê Cúc", email="hoa.le@example.vn")
    assert listing.find_ids("hoa") == [by_name, by_note, by_email]
    assert listing.find_ids("hoa", limit=1) == [by_name]
    assert listing.find_ids("hoa", descending=True) == [by_name, by_email, by_note]


def test_sort_by_referral_count(db):
    ha, duc, lan = add("Hà"), add("Đức"), add("Lan")
    for name in ("A", "B"):
        add(name, referred_by=duc)
    add("C", referred_by=lan)
    gone = add("D", referred_by=lan)
    add("E", referred_by=lan)
    add("F", referred_by=lan)
    customers.trash([gone])  # the trash does not count
    assert listing.find_ids(sort="referrals", descending=True)[:3] == [lan, duc, ha]
    assert listing.find_ids(sort="referrals")[-2:] == [duc, lan]
    rows = listing.fetch_rows([ha, duc, lan])
    assert (rows[ha].referrals, rows[duc].referrals, rows[lan].referrals) == (0, 2, 3)


def test_the_list_knows_and_sorts_open_complaints(shop):
    rows = listing.fetch_rows(list(shop.values()))
    assert {name for name, cid in shop.items() if rows[cid].open_complaint} == {"duc"}
    assert listing.find_ids(sort="complaint", descending=True)[0] == shop["duc"]
