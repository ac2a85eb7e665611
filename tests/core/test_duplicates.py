"""Finding customers entered twice, warning about them, and merging them (no Qt)."""

from __future__ import annotations

import json

import pytest

from shopcrm.core import customers, duplicates
from shopcrm.core.errors import ValidationError
from shopcrm.db.models import (
    ALL_MODELS, AuditLog, CareTask, Consent, Customer, CustomerTag, Feedback, Interaction,
    Purchase, Tag,
)


def add(name, **fields):
    return customers.create({"name": name, **fields})


def groups_by_reason():
    found = {}
    for group in duplicates.find_duplicates():
        found.setdefault(group.reason, []).append(set(group.ids))
    return found


def test_groups_for_each_reason(db):
    a = add("Nguyễn Văn An", phone="0912345678")
    b = add("Nguyen Van An", phone2="0912 345 678")  # phone2 against phone
    c = add("Trần Bình", email="binh@example.vn")
    d = add("Trần Văn Bình", email="BINH@example.vn")
    e = add("Lê Thị Hà", phone="0987111222")
    f = add("LÊ THỊ HÀ", phone="0387111222")  # same name, same last 6 digits
    g = add("Phạm Minh Đức", address="12 Đường Láng")
    h = add("Pham Minh Duc", address="12 duong lang")  # folded name and address
    add("Phạm Minh Đức", address="14 Đường Láng")  # another house: no group
    add("Võ Văn Tám", phone="0911000111", phone2="0911000111")  # alone, however it is typed
    found = groups_by_reason()
    assert found["phone"] == [{a.id, b.id}]
    assert found["email"] == [{c.id, d.id}]
    assert found["name_phone"] == [{e.id, f.id}]  # a and b are not listed twice
    assert found["name_address"] == [{g.id, h.id}]
    assert len(duplicates.find_duplicates(limit=2)) == 2


def test_no_group_with_a_trashed_customer(db):
    a = add("Nguyễn An", phone="0912345678", email="an@example.vn")
    b = add("Nguyễn An", phone="0912345678", email="an@example.vn")
    assert duplicates.find_duplicates()
    customers.trash([b.id])
    assert duplicates.find_duplicates() == []
    assert duplicates.same_contact({"phone": "0912 345 678"}) == [a.id]


def test_same_contact_for_the_save_warning(db):
    a = add("Nguyễn An", phone="0912345678")
    b = add("Trần Bình", phone2="0987654321", email="binh@example.vn")
    assert duplicates.same_contact({"phone": "+84 912 345 678"}) == [a.id]
    assert duplicates.same_contact({"phone": "0987654321"}) == [b.id]
    assert duplicates.same_contact({"email": "Binh@Example.vn", "phone": "0912345678"}) == [a.id, b.id]
    assert duplicates.same_contact({"phone": "0912345678"}, exclude_id=a.id) == []
    assert duplicates.same_contact({"phone": "12ab", "email": "nope", "name": "X"}) == []


def _family(db):
    """A survivor and two duplicates with something in every table."""
    keep = add("Nguyễn Văn An", phone="0912345678", notes="khách cũ")
    dup1 = add("Nguyen Van An", phone="0912345678", email="an@example.vn")
    dup2 = add("Nguyễn An", phone2="0912345678", address="12 Láng")
    friend = add("Trần Bình", referred_by=dup1.code)
    vip, late = Tag.create(name="VIP"), Tag.create(name="hay trễ")
    CustomerTag.create(customer=keep, tag=vip)
    CustomerTag.create(customer=dup2, tag=late)
    for customer in (keep, dup1, dup2):
        Purchase.create(customer=customer, date="2026-11-01", amount=100_000)
        Interaction.create(customer=customer, summary="gọi điện")
        Feedback.create(customer=customer, kind="praise", rating=5)
        CareTask.create(customer=customer, due_date="2026-12-01")
    Consent.create(customer=dup1, purpose="marketing")
    return keep, dup1, dup2, friend


def _counts():
    return {model.__name__: model.select().count() for model in ALL_MODELS}


def test_merge_moves_everything_and_chosen_values_win(db):
    keep, dup1, dup2, friend = _family(db)
    before = _counts()
    merged = duplicates.merge(keep.id, [dup1.id, dup2.id],
                              {"name": "Nguyễn Văn An", "email": "an@example.vn",
                               "address": "12 Láng", "notes": "khách cũ"}, user="lan")
    after = _counts()
    assert after.pop("Customer") == before.pop("Customer") - 2
    assert after.pop("AuditLog") == before.pop("AuditLog") + 1
    assert after == before  # nothing attached was lost
    assert [c.id for c in Customer.select()] == [keep.id, friend.id]
    for model in (Purchase, Interaction, Feedback, CareTask):
        assert model.select().where(model.customer == keep.id).count() == 3
    assert {t.tag.name for t in keep.customer_tags} == {"VIP", "hay trễ"}
    assert Consent.get().customer_id == keep.id
    assert Customer.get_by_id(friend.id).referred_by_id == keep.id
    assert (merged.email, merged.address, merged.phone) == ("an@example.vn", "12 Láng", "0912345678")
    assert merged.version == keep.version + 1 and "an@example.vn" in merged.search_key
    log = AuditLog.get(AuditLog.action == "merge")
    details = json.loads(log.details)
    assert log.user == "lan" and {m["code"] for m in details["merged"]} == {dup1.code, dup2.code}
    assert duplicates.find_duplicates() == []


def test_merge_keeps_each_tag_and_consent_once(db):
    keep, dup1, dup2, _friend = _family(db)
    CustomerTag.create(customer=dup1, tag=Tag.get(Tag.name == "VIP"))
    CustomerTag.create(customer=dup2, tag=Tag.get(Tag.name == "VIP"))
    Consent.create(customer=keep, purpose="marketing")
    duplicates.merge(keep.id, [dup1.id, dup2.id], {})
    assert sorted(t.tag.name for t in keep.customer_tags) == ["VIP", "hay trễ"]
    assert Consent.select().count() == 2  # both records kept, one in force
    active = Consent.select().where(Consent.withdrawn_at.is_null())
    assert [c.purpose for c in active] == ["marketing"]


def test_a_failure_midway_rolls_everything_back(db, monkeypatch):
    keep, dup1, dup2, friend = _family(db)
    before = _counts()

    def broken(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(duplicates, "_move_referrals", broken)
    with pytest.raises(RuntimeError):
        duplicates.merge(keep.id, [dup1.id, dup2.id], {"name": "Ai Khác"})
    assert _counts() == before
    assert Customer.get_by_id(keep.id).name == "Nguyễn Văn An"
    assert Purchase.select().where(Purchase.customer == dup1.id).count() == 1
    assert Customer.get_by_id(friend.id).referred_by_id == dup1.id


def test_merge_refuses_bad_input(db):
    keep, dup1, _dup2, _friend = _family(db)
    with pytest.raises(ValidationError):
        duplicates.merge(keep.id, [keep.id], {})
    with pytest.raises(ValidationError):
        duplicates.merge(keep.id, [999_999], {})
    with pytest.raises(customers.FormErrors):
        duplicates.merge(keep.id, [dup1.id], {"email": "not an email"})
    assert Customer.select().count() == 4
