"""Import history and undo: created customers removed, updated ones put back as they were."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from shopcrm.core import customers
from shopcrm.core.errors import KnownError
from shopcrm.db.models import (
    AuditLog, Customer, CustomerTag, ImportBatch, ImportChange, ImportTagLink, Purchase, Tag,
)
from shopcrm.io.import_history import list_imports, undo_import
from shopcrm.io.importer import plan_import, run_import

HEADERS = "Họ tên,Điện thoại,Email,Ngày sinh,Ghi chú,Nhóm khách hàng"


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADERS, *lines]) + "\n", encoding="utf-8")
    return path


def tags_of(customer_id: int) -> set[str]:
    return {name for (name,) in Tag.select(Tag.name).join(CustomerTag)
            .where(CustomerTag.customer == customer_id).tuples()}


def state(customer_id: int) -> tuple:
    c = Customer.get_by_id(customer_id)
    return (c.name, c.phone, c.email, c.birthday, c.notes, c.search_key, c.sort_key,
            tags_of(customer_id))


@pytest.fixture
def shop(db):
    an = customers.create({"name": "Nguyễn Văn An", "phone": "0912345678", "notes": "Khách cũ",
                           "birthday": dt.date(1980, 1, 2)})
    tag = Tag.create(name="Khách sỉ")
    CustomerTag.create(customer=an.id, tag=tag.id)
    binh = customers.create({"name": "Trần Thị Bình", "phone": "0987654321"})
    return an, binh


def import_file(path: Path, policy: str = "update"):
    return run_import(plan_import(path), duplicate_policy=policy)


def test_undo_removes_created_customers_and_restores_updated_ones(shop, tmp_path):
    an, binh = shop
    before_an, before_binh = state(an.id), state(binh.id)
    path = write_csv(tmp_path / "khach.csv", [
        "Nguyễn Văn An Mới,0912 345 678,an@example.vn,15/06/1985,Đã đổi,VIP|Khách sỉ",
        "Lê Văn Cường,0903000001,,,,VIP",
        "Phạm Thị Dung,0903000002,,,,",
        "Sai Số,12ab,,,,",
    ])
    result = import_file(path)
    assert (result.created, result.updated, result.rejected) == (2, 1, 1)
    changed = Customer.get_by_id(an.id)
    assert (changed.name, changed.email, changed.notes) == ("Nguyễn Văn An Mới", "an@example.vn",
                                                            "Đã đổi")
    assert tags_of(an.id) == {"VIP", "Khách sỉ"}
    created = [c.id for c in Customer.select().where(Customer.import_batch == result.batch_id)]
    Purchase.create(customer=created[0], date=dt.date(2025, 1, 1), amount=100_000)

    undone = undo_import(result.batch_id, user="thu ngân")
    assert (undone.customers_removed, undone.customers_restored) == (2, 1)
    assert state(an.id) == before_an and state(binh.id) == before_binh
    assert Customer.get_by_id(an.id).version == changed.version + 1  # an edit like any other
    assert Customer.select().count() == 2 and Purchase.select().count() == 0
    assert {t.name for t in Tag.select()} == {"Khách sỉ"}  # the tag it created is gone
    batch = ImportBatch.get_by_id(result.batch_id)
    assert batch.undone_at is not None
    assert AuditLog.get(AuditLog.action == "import_undo").user == "thu ngân"
    (summary,) = list_imports()
    assert (summary.id, summary.kind, summary.undone) == (result.batch_id, "customers", True)
    assert (summary.created, summary.updated, summary.rejected, summary.total) == (2, 1, 1, 4)


def test_an_import_cannot_be_undone_twice(shop, tmp_path):
    result = import_file(write_csv(tmp_path / "a.csv", ["Lê Văn Cường,0903000001,,,,"]))
    undo_import(result.batch_id)
    with pytest.raises(KnownError, match="a.csv was already undone on"):
        undo_import(result.batch_id)
    with pytest.raises(KnownError, match="There is no import number 999"):
        undo_import(999)


def test_a_later_import_of_the_same_customers_must_be_undone_first(shop, tmp_path):
    an, _ = shop
    first = import_file(write_csv(tmp_path / "dau.csv", ["Lê Văn Cường,0903000001,,,,"]))
    second = import_file(write_csv(tmp_path / "sau.csv", ["Lê Văn Cường,0903000001,c@x.vn,,,",
                                                          "Nguyễn Văn An,0912345678,,,,VIP"]))
    unrelated = import_file(write_csv(tmp_path / "khac.csv", ["Hồ Thị Em,0903000005,,,,"]))
    assert second.updated == 2
    with pytest.raises(KnownError, match="later import of sau.csv .* undo that import first"):
        undo_import(first.batch_id)
    assert ImportBatch.get_by_id(first.batch_id).undone_at is None
    undo_import(second.batch_id)
    assert Customer.get(Customer.phone == "0903000001").email is None
    assert tags_of(an.id) == {"Khách sỉ"}
    undo_import(first.batch_id)
    assert not Customer.select().where(Customer.phone == "0903000001").exists()
    assert Customer.select().where(Customer.import_batch == unrelated.batch_id).count() == 1
    assert [s.undone for s in list_imports()] == [False, True, True]


def test_customers_edited_since_stop_the_undo_unless_forced(shop, tmp_path):
    an, _ = shop
    result = import_file(write_csv(tmp_path / "a.csv", ["Lê Văn Cường,0903000001,,,,",
                                                        "Nguyễn Văn An,0912345678,an@x.vn,,,"]))
    cuong = Customer.get(Customer.phone == "0903000001")
    customers.update(cuong.id, {"notes": "gọi lại"}, expected_version=cuong.version)
    with pytest.raises(KnownError) as info:
        undo_import(result.batch_id)
    assert str(info.value).startswith(f"1 customers of this import were changed after it "
                                      f"(for example {cuong.code} Lê Văn Cường)")
    assert Customer.select().count() == 3 and ImportBatch.get_by_id(result.batch_id).undone_at is None
    undone = undo_import(result.batch_id, force=True)
    assert (undone.customers_removed, undone.customers_restored) == (1, 1)
    assert Customer.get_by_id(an.id).email is None


def test_skipped_rows_leave_nothing_to_restore(shop, tmp_path):
    an, _ = shop
    before = state(an.id)
    result = import_file(write_csv(tmp_path / "a.csv", ["An khác,0912345678,x@y.vn,,,"]),
                         policy="skip")
    assert result.skipped == 1
    assert not ImportChange.select().exists()
    assert undo_import(result.batch_id).customers_restored == 0
    assert state(an.id) == before


def test_history_lists_newest_first_with_counts(shop, tmp_path):
    for number in range(3):
        import_file(write_csv(tmp_path / f"f{number}.csv", [f"Khách {number},090300001{number},,,,"]))
    history = list_imports(limit=2)
    assert [s.file_name for s in history] == ["f2.csv", "f1.csv"]
    assert all(s.created == 1 and not s.undone and s.finished_at for s in history)


def test_an_erased_customer_never_gets_its_personal_data_back(shop, tmp_path):
    from shopcrm.core import privacy

    an, _ = shop
    result = import_file(write_csv(tmp_path / "a.csv", [
        "Nguyễn Văn An,0912345678,an@x.vn,,Ghi chú mới,VIP", "Lê Văn Cường,0903000001,,,,"]))
    assert ImportChange.get(ImportChange.customer == an.id).batch_id == result.batch_id
    assert ImportTagLink.select().where(ImportTagLink.customer == an.id).count() == 1
    privacy.erase_personal_data(an.id)
    # The values An had before the import are personal data: erased with the rest.
    assert not ImportChange.select().where(ImportChange.customer == an.id).exists()
    assert not ImportTagLink.select().where(ImportTagLink.customer == an.id).exists()
    assert not any("Khách cũ" in old for (old,) in
                   ImportChange.select(ImportChange.old_values).tuples())
    undone = undo_import(result.batch_id)  # nothing of An is restored, nor waited for
    assert (undone.customers_removed, undone.customers_restored) == (1, 0)
    erased = Customer.get_by_id(an.id)
    assert (erased.name, erased.phone, erased.email, erased.notes) == (an.code, None, None, None)
    assert not Tag.select().where(Tag.name == "VIP").exists()  # created by it, unused now


def test_an_erased_customer_the_import_created_is_still_removed_when_forced(shop, tmp_path):
    from shopcrm.core import privacy

    result = import_file(write_csv(tmp_path / "a.csv", ["Lê Văn Cường,0903000001,,,,"]))
    cuong = Customer.get(Customer.import_batch == result.batch_id)
    privacy.erase_personal_data(cuong.id)
    with pytest.raises(KnownError, match="changed after it"):
        undo_import(result.batch_id)
    assert undo_import(result.batch_id, force=True).customers_removed == 1


def test_what_undo_needs_is_kept_in_its_own_tables(shop, tmp_path):
    an, binh = shop
    result = import_file(write_csv(tmp_path / "a.csv", [
        "Nguyễn Văn An,0912345678,an@x.vn,15/06/1985,,VIP|Khách sỉ",
        "Trần Thị Bình,0987654321,,,,",  # nothing changes: still a row, with no old value
        "Lê Văn Cường,0903000001,,,,Mới"]))
    assert (result.created, result.updated) == (1, 2)
    changes = {c.customer_id: c for c in ImportChange.select()}
    assert set(changes) == {an.id, binh.id}
    assert changes[an.id].version_after == Customer.get_by_id(an.id).version
    assert json.loads(changes[an.id].old_values) == {"email": None, "birthday": "1980-01-02"}
    assert json.loads(changes[binh.id].old_values) == {}
    vip, new = Tag.get(Tag.name == "VIP"), Tag.get(Tag.name == "Mới")
    links = {(link.customer_id, link.tag_id, link.tag_created) for link in ImportTagLink.select()}
    # An's new VIP link (not Khách sỉ, which An had); the tags the import created.
    assert links == {(an.id, vip.id, False), (None, vip.id, True), (None, new.id, True)}
    assert ImportBatch.get_by_id(result.batch_id).kind == "customers"
    assert not AuditLog.select().where(AuditLog.action == "import_before").exists()
    undo_import(result.batch_id)
    assert tags_of(an.id) == {"Khách sỉ"} and Customer.get_by_id(an.id).email is None
    assert {t.name for t in Tag.select()} == {"Khách sỉ"}


def test_a_later_purchases_import_must_be_undone_first(shop, tmp_path):
    from shopcrm.io.purchases import plan_purchases, run_purchase_import

    first = import_file(write_csv(tmp_path / "a.csv", ["Lê Văn Cường,0903000001,,,,"]))
    sales = tmp_path / "mua.csv"
    sales.write_text("SĐT,Ngày,Số tiền\n0903000001,12/03/2025,500000\n", encoding="utf-8")
    bought = run_purchase_import(plan_purchases(sales))
    with pytest.raises(KnownError, match="later import of mua.csv"):
        undo_import(first.batch_id)
    assert undo_import(bought.batch_id).purchases_removed == 1
    assert undo_import(first.batch_id).customers_removed == 1
