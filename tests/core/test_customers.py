"""Creating, validating, editing, trashing and finding customers (no Qt)."""

from __future__ import annotations

import datetime as dt

import pytest

from shopcrm.core import customers, listing
from shopcrm.core.errors import ConflictError
from shopcrm.db.models import AuditLog, Customer


def add(name, **fields):
    return customers.create({"name": name, **fields})


def test_create_gives_sequential_codes_and_derived_keys(db):
    ha = add("Nguyễn Thị Thu Hà", phone="0912 345 678", email="Ha@Example.VN")
    duc = add("Trần Đức")
    assert (ha.code, duc.code) == ("KH000001", "KH000002")
    assert ha.phone == "0912345678" and ha.email == "ha@example.vn"
    assert "nguyen thi thu ha" in ha.search_key and "0912345678" in ha.search_key
    assert ha.version == 1 and ha.deleted_at is None


def test_codes_continue_after_imported_ones(db):
    Customer.create(code="KH000041", name="A")
    assert customers.next_code() == "KH000042"


def test_clean_names_every_bad_field(db):
    with pytest.raises(customers.FormErrors) as caught:
        customers.create({"name": " ", "email": "ha@", "phone": "12ab", "birthday": "31/02/1990"})
    assert set(caught.value.errors) == {"name", "email", "phone", "birthday"}
    assert Customer.select().count() == 0


def test_birthday_in_the_future_is_refused(db):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    with pytest.raises(customers.FormErrors) as caught:
        add("Lan", birthday=tomorrow)
    assert "birthday" in caught.value.errors


def test_organisation_fields_are_dropped_for_individuals(db):
    person = add("Lê Văn Tám", kind="individual", org_type="trading", tax_code="0312345678")
    company = add("Công ty Minh Phát", kind="organisation", org_type="trading", tax_code="0312345678")
    assert (person.org_type, person.tax_code) == (None, None)
    assert (company.org_type, company.tax_code) == ("trading", "0312345678")


def test_referrer_by_code(db):
    ha = add("Nguyễn Thị Hà")
    duc = add("Trần Đức", referred_by="kh000001")
    assert duc.referred_by_id == ha.id
    with pytest.raises(customers.FormErrors):
        add("Ai đó", referred_by="KH999999")


def test_update_bumps_version_and_refuses_a_stale_save(db):
    ha = add("Nguyễn Thị Hà")
    customers.update(ha.id, {"notes": "Counter 1"}, expected_version=1)
    with pytest.raises(ConflictError) as caught:
        customers.update(ha.id, {"notes": "Counter 2"}, expected_version=1)
    assert caught.value.current.notes == "Counter 1"
    forced = customers.update(ha.id, {"notes": "Counter 2"}, expected_version=1, force=True)
    assert (forced.notes, forced.version) == ("Counter 2", 3)


def test_update_recomputes_search_key(db):
    ha = add("Nguyễn Thị Hà")
    customers.update(ha.id, {"name": "Phạm Thị Hà", "phone": "0987654321"}, 1)
    assert listing.find_ids("pham ha 654321") == [ha.id]
    assert listing.find_ids("nguyen") == []


def test_trash_and_restore(db):
    ha, duc = add("Nguyễn Thị Hà"), add("Trần Đức")
    assert customers.trash([ha.id]) == 1
    assert listing.find_ids() == [duc.id]
    assert listing.find_ids(trashed=True) == [ha.id]
    assert customers.count() == 1 and customers.count(trashed=True) == 1
    assert customers.restore([ha.id]) == 1
    assert set(listing.find_ids()) == {ha.id, duc.id}
    assert [a.action for a in AuditLog.select().order_by(AuditLog.id)] == ["trash", "restore"]


def test_search_without_tones_by_phone_fragment_email_and_code(db):
    ha = add("Nguyễn Thị Thu Hà", phone="0912345678", email="thuha@gmail.com")
    duc = add("Đặng Văn Đức", phone="0987 111 222", notes="Khách quen, thích trà")
    assert listing.find_ids("nguyen ha") == [ha.id]
    assert listing.find_ids("NGUYỄN thu") == [ha.id]
    assert listing.find_ids("dang duc") == [duc.id]
    assert listing.find_ids("345 678") == [ha.id]
    assert listing.find_ids("+84912345678") == [ha.id]
    assert listing.find_ids("111222") == [duc.id]
    assert listing.find_ids("thuha@") == [ha.id]
    assert listing.find_ids("kh000002") == [duc.id]
    assert listing.find_ids("thich tra") == [duc.id]
    assert listing.find_ids("100%") == []


def test_list_sorts_by_given_name_in_vietnamese_order(db):
    ids = {name: add(name).id for name in ("Trần Văn Bình", "Lê Thị Ánh", "Nguyễn Đức", "Phạm Dũng")}
    names = [Customer.get_by_id(i).name for i in listing.find_ids(sort="name")]
    assert names == ["Lê Thị Ánh", "Trần Văn Bình", "Phạm Dũng", "Nguyễn Đức"]
    assert listing.find_ids(sort="name", descending=True)[0] == ids["Nguyễn Đức"]
    rows = listing.fetch_rows(list(ids.values()))
    assert rows[ids["Phạm Dũng"]].name == "Phạm Dũng"


def test_age_group():
    today = dt.date(2026, 11, 23)
    assert customers.age_group(dt.date(2015, 1, 1), today) == "child"
    assert customers.age_group(dt.date(1995, 1, 1), today) == "youth"
    assert customers.age_group(dt.date(1975, 1, 1), today) == "middle_aged"
    assert customers.age_group(dt.date(1950, 1, 1), today) == "elderly"
    assert customers.age_group(None, today) is None


def test_codes_keep_counting_past_six_digits(db):
    Customer.create(code="KH999999", name="A")
    Customer.create(code="KHVIP", name="B")
    assert customers.next_code() == "KH1000000"
    Customer.create(code="KH1000000", name="C")
    assert customers.next_code() == "KH1000001"


def test_notes_keep_their_lines(db):
    ha = add("Nguyễn Thị Hà", notes="Thích màu xanh  \r\nGọi sau 18h\n\n")
    assert ha.notes == "Thích màu xanh\nGọi sau 18h"


def test_an_update_without_kind_keeps_organisation_fields(db):
    company = add("Công ty Minh Phát", kind="organisation", tax_code="0312345678")
    updated = customers.update(company.id, {"tax_code": "0399999999"}, 1)
    assert updated.tax_code == "0399999999"


def test_referrals_of_a_customer(db):
    ha = add("Nguyễn Thị Hà")
    add("Trần Đức", referred_by=ha.code)
    gone = add("Lê Lan", referred_by=ha.code)
    customers.trash([gone.id])
    assert customers.referrals_of(ha.id) == [("KH000002", "Trần Đức")]
