"""Importing a sales history: purchases attached to known customers, one transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from shopcrm.core import customers
from shopcrm.core.errors import KnownError
from shopcrm.db.models import AuditLog, Customer, ImportBatch, Purchase
from shopcrm.io import import_history, purchases
from shopcrm.io.importer import ImportCancelled
from shopcrm.io.purchases import plan_purchases, run_purchase_import


@pytest.fixture
def shop(db):
    an = customers.create({"name": "Nguyễn Văn An", "phone": "0912345678"})
    binh = customers.create({"name": "Trần Thị Bình", "phone": "0987654321",
                             "phone2": "02838123456"})
    return an, binh


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_vietnamese_and_english_headers_map(db):
    assert purchases.auto_map(["STT", "Mã KH", "SĐT", "Ngày mua", "Số tiền", "Mô tả", "Kênh",
                               "Ghi chú"]) == {
        1: "customer_code", 2: "customer_phone", 3: "date", 4: "amount", 5: "description",
        6: "channel", 7: "note"}
    assert purchases.auto_map(["Customer code", "Phone", "Date", "Amount", "Description"]) == {
        0: "customer_code", 1: "customer_phone", 2: "date", 3: "amount", 4: "description"}
    # KiotViet's invoices: the amount the customer pays, not the total before discount.
    kiotviet = ["Mã hóa đơn", "Thời gian", "Mã khách hàng", "Khách hàng", "Điện thoại",
                "Tổng tiền hàng", "Giảm giá", "Khách cần trả", "Khách đã trả", "Ghi chú"]
    assert purchases.auto_map(kiotviet) == {1: "date", 2: "customer_code", 4: "customer_phone",
                                            7: "amount", 9: "note"}


@pytest.mark.parametrize("value,expected", [
    ("Tại cửa hàng", "store"), ("Zalo", "zalo"), ("Facebook", "facebook"),
    ("Gọi điện thoại", "phone"), ("Shopee", "online"), ("Hội chợ", "other"), ("", None),
])
def test_channels(value, expected):
    assert purchases.parse_channel(value) == expected


def test_purchases_are_attached_by_code_or_phone_and_unknown_customers_rejected(shop, tmp_path):
    an, binh = shop
    path = write_csv(tmp_path / "mua_hang.csv", [
        "Lịch sử mua hàng 2025",
        "Mã KH,Số điện thoại,Ngày,Số tiền,Mô tả,Kênh",
        f"{an.code},,12/03/2025,\"1.250.000 đ\",Áo dài lụa,Tại cửa hàng",
        ",028 3812 3456,2025-04-01,350000,Khăn,Zalo",        # Bình's second number
        "KH999999,,01/05/2025,100000,Nón lá,",                 # unknown code
        ",0909 000 000,02/05/2025,200000,Túi,",                # unknown phone
        f"KH999999,{binh.phone},03/05/2025,\"2,000,000\",Giày,",  # unknown code, known phone
        f"{an.code},,31/02/2025,100000,,",                     # not a date
        f"{an.code},,03/05/2025,mười nghìn,,",                 # not money
        ",,03/05/2025,100000,Không rõ ai,",                    # nobody named
        f"{an.code},,03/05/2025,-50000,Trả hàng,",             # negative
        f"{an.code},,,100000,,",                               # no date
    ])
    plan = plan_purchases(path)
    rejected = {row.row_number: str(row.errors[0].error) for row in plan.rows if row.values is None}
    assert sorted(rejected) == [5, 6, 8, 9, 10, 11, 12]
    assert rejected[5] == "No customer has the code KH999999."
    assert rejected[6] == "No customer has the phone number 0909 000 000."
    assert "31/02/2025" in rejected[8]
    assert "is not an amount of money" in rejected[9]
    assert "give the customer code or phone" in rejected[10]
    assert "below zero" in rejected[11]
    assert rejected[12] == "The date of the purchase is missing."
    result = run_purchase_import(plan)
    assert (result.created, result.skipped, result.rejected) == (3, 0, 7)
    stored = {(p.customer_id, p.date, p.amount, p.description, p.channel)
              for p in Purchase.select()}
    assert stored == {
        (an.id, dt.date(2025, 3, 12), 1_250_000, "Áo dài lụa", "store"),
        (binh.id, dt.date(2025, 4, 1), 350_000, "Khăn", "zalo"),
        (binh.id, dt.date(2025, 5, 3), 2_000_000, "Giày", "store"),
    }
    batch = ImportBatch.get_by_id(result.batch_id)
    assert (batch.file_name, batch.rows_total, batch.rows_created, batch.rows_rejected) == (
        "mua_hang.csv", 10, 3, 7)
    assert batch.finished_at is not None
    # The segments, which purchases feed, are recomputed in the same transaction.
    assert Customer.get_by_id(an.id).funnel_segment is not None
    (summary,) = import_history.list_imports()
    assert summary.kind == "purchases" and summary.created == 3
    assert batch.kind == "purchases"
    assert {p.import_batch_id for p in Purchase.select()} == {result.batch_id}


def test_importing_the_same_file_twice_skips_what_is_stored(shop, tmp_path):
    an, _ = shop
    path = write_csv(tmp_path / "p.csv", ["Mã KH,Ngày,Số tiền,Mô tả",
                                          f"{an.code},12/03/2025,500000,Áo"])
    assert run_purchase_import(plan_purchases(path)).created == 1
    again = run_purchase_import(plan_purchases(path))
    assert (again.created, again.skipped) == (0, 1)
    anyway = run_purchase_import(plan_purchases(path), duplicate_policy="create")
    assert anyway.created == 1 and Purchase.select().count() == 2


def test_a_shared_phone_asks_for_the_code(shop, tmp_path):
    customers.create({"name": "Nguyễn Văn An (vợ)", "phone": "0912345678"})
    path = write_csv(tmp_path / "p.csv", ["SĐT,Ngày,Số tiền", "0912345678,12/03/2025,500000"])
    (row,) = plan_purchases(path).rows
    assert str(row.errors[0].error) == (
        "2 customers have the phone number 0912 345 678: give the customer code.")


def test_missing_columns_are_refused_before_anything(shop, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["Ngày,Số tiền,Mô tả", "12/03/2025,500000,Áo"])
    with pytest.raises(KnownError, match="customer code or phone"):
        plan_purchases(path)
    path = write_csv(tmp_path / "q.csv", ["Mã KH,Ngày,Mô tả", "KH000001,12/03/2025,Áo"])
    with pytest.raises(KnownError, match="amount of the purchases"):
        plan_purchases(path)


def test_a_workbook_with_real_dates_and_numbers(shop, tmp_path):
    an, binh = shop
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Customer code", "Phone", "Date", "Amount", "Description"])
    sheet.append([an.code, None, dt.datetime(2025, 3, 12, 15, 30), 1250000, "Dress"])
    sheet.append([None, 987654321, dt.date(2025, 3, 13), 99000.0, None])  # the 0 was lost
    workbook.save(tmp_path / "sales.xlsx")
    result = run_purchase_import(plan_purchases(tmp_path / "sales.xlsx"))
    assert (result.created, result.rejected) == (2, 0)
    assert Purchase.get(Purchase.customer == binh.id).amount == 99_000


def test_cancel_and_dry_run_write_nothing(shop, tmp_path):
    an, _ = shop
    path = write_csv(tmp_path / "p.csv", ["Mã KH,Ngày,Số tiền", f"{an.code},12/03/2025,500000"])
    plan = plan_purchases(path)
    audit = AuditLog.select().count()
    with pytest.raises(ImportCancelled):
        run_purchase_import(plan, cancel=lambda: True)
    test = run_purchase_import(plan, dry_run=True)
    assert (test.created, test.batch_id) == (1, 0)
    assert (Purchase.select().count(), ImportBatch.select().count()) == (0, 0)
    assert AuditLog.select().count() == audit


def test_undo_removes_the_imported_purchases_only(shop, tmp_path):
    an, _ = shop
    from shopcrm.db.models import Purchase as P

    P.create(customer=an.id, date=dt.date(2024, 1, 1), amount=10_000)  # typed at the counter
    path = write_csv(tmp_path / "p.csv", ["Mã KH,Ngày,Số tiền",
                                          f"{an.code},12/03/2025,500000",
                                          f"{an.code},13/03/2025,600000"])
    result = run_purchase_import(plan_purchases(path))
    typed = P.get(P.amount == 10_000)
    assert typed.import_batch_id is None
    undone = import_history.undo_import(result.batch_id)
    assert (undone.purchases_removed, undone.customers_removed) == (2, 0)
    assert [p.amount for p in P.select()] == [10_000]
    assert not AuditLog.select().where(AuditLog.action == "import_before").exists()
    assert Customer.select().count() == 2


def test_undoing_a_purchases_import_removes_their_care_tasks_not_done(shop, tmp_path):
    from shopcrm.core import care_rules
    from shopcrm.db.models import CareTask
    from shopcrm.io import import_history, purchases

    care_rules.ensure_default_rules()
    path = tmp_path / "ban.csv"
    today = dt.date.today()
    path.write_text("Mã KH,Ngày,Số tiền\n" + "".join(
        f"{code},{(today - dt.timedelta(days=1)).strftime('%d/%m/%Y')},100000\n"
        for code in ("KH000001", "KH000002")), encoding="utf-8")
    result = purchases.run_purchase_import(purchases.plan_purchases(path))
    care_rules.generate(today)
    assert CareTask.select().where(CareTask.source_key.contains(":purchase:")).count() == 4
    import_history.undo_import(result.batch_id)
    assert CareTask.select().where(CareTask.source_key.contains(":purchase:")).count() == 0
