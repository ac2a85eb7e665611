"""Import: cell conversion, the preview, the duplicate policies, and all-or-nothing writes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from shopcrm.core import customers
from shopcrm.core.errors import KnownError, ValidationError
from shopcrm.db import bulk, connection
from shopcrm.db.models import (
    ALL_MODELS, AuditLog, Customer, ImportBatch, Tag,
)
from shopcrm.db.session import open_database
from shopcrm.io import import_writer, normalize
from shopcrm.io.importer import ImportCancelled, plan_import, run_import, write_rejects
from shopcrm.io.readers import read_table


@pytest.fixture
def shop_db(tmp_path):
    open_database("sqlite:///" + str(tmp_path / "shop.db"))
    yield
    connection.close()


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def table_counts() -> dict[str, int]:
    return {model.__name__: model.select().count() for model in ALL_MODELS}


# -- cell conversion --------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("Nam", "male"), ("nam", "male"), ("M", "male"), ("Male", "male"), ("Anh", "male"),
    ("Nữ", "female"), ("Nu", "female"), ("NỮ", "female"), ("F", "female"), ("Female", "female"),
    ("Chị", "female"), ("Khác", "other"), ("Other", "other"), ("", None), (None, None),
])
def test_genders(value, expected):
    assert normalize.parse_gender(value) == expected


def test_unknown_gender_is_an_error_not_a_guess():
    with pytest.raises(ValidationError) as info:
        normalize.parse_gender("Bê đê")
    assert info.value.params == {"value": "Bê đê"}


@pytest.mark.parametrize("value,expected", [
    ("Cá nhân", "individual"), ("Individual", "individual"), ("Công ty", "organisation"),
    ("Tổ chức", "organisation"), ("Doanh nghiệp", "organisation"), ("Company", "organisation"),
    ("Organisation", "organisation"), (None, None),
])
def test_kinds(value, expected):
    assert normalize.parse_kind(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("Đến trực tiếp", "walk_in"), ("Tại cửa hàng", "walk_in"), ("walk-in", "walk_in"),
    ("Facebook", "social"), ("Zalo", "social"), ("Mạng xã hội", "social"),
    ("Website", "website"), ("Giới thiệu", "referral"), ("Được giới thiệu", "referral"),
    ("Referral", "referral"), ("Quảng cáo", "advertising"), ("Quảng cáo Facebook", "advertising"),
    ("Ads", "advertising"), ("Báo", "media"), ("Đài", "media"), ("TV", "media"),
    ("Hội chợ", "other"), ("", None),
])
def test_sources(value, expected):
    assert normalize.parse_source(value) == expected


@pytest.mark.parametrize("value,expected", [
    (dt.datetime(1990, 3, 12, 0, 0), dt.date(1990, 3, 12)),
    (dt.date(1990, 3, 12), dt.date(1990, 3, 12)),
    (32944, dt.date(1990, 3, 12)),  # Excel serial number
    (32944.0, dt.date(1990, 3, 12)),
    (59, dt.date(1900, 2, 28)),
    (61, dt.date(1900, 3, 1)),  # after Excel's phantom 29/02/1900
    ("12/03/1990", dt.date(1990, 3, 12)),
    ("12/03/1990 00:00:00", dt.date(1990, 3, 12)),
    ("1990-03-12", dt.date(1990, 3, 12)),
    (19900312, dt.date(1990, 3, 12)),
    ("", None), (None, None),
])
def test_dates(value, expected):
    assert normalize.parse_date_cell(value) == expected


@pytest.mark.parametrize("value", ["--03-12", "hôm qua", 5_000_000, -3, "31/02/1990"])
def test_bad_dates(value):
    with pytest.raises(ValidationError):
        normalize.parse_date_cell(value)


@pytest.mark.parametrize("value,expected", [
    (912345678, "912345678"), (912345678.0, "912345678"), ("0912 345 678", "0912 345 678"),
    (None, None), ("  ", None),
])
def test_phone_cells_become_text(value, expected):
    assert normalize.phone_text(value) == expected


def test_phone_cells_become_canonical_through_clean():
    for value in (912345678, 912345678.0, "0912.345.678", "+84 912 345 678", 1689123456.0):
        form = normalize.row_input([value], {0: "phone"}, ["SĐT"]).form
        assert customers.clean({"phone": form["phone"]})["phone"] in ("0912345678", "0389123456")


@pytest.mark.parametrize("value,expected", [
    ("1.250.000 đ", 1250000), ("1,250,000", 1250000), ("1250000₫", 1250000),
    ("1.250.000 VNĐ", 1250000), ("1.250.000VND", 1250000), ("-50.000 đ", -50000),
    ("1.250", 1250), (1250000, 1250000), (1250000.0, 1250000), ("1,250,000.00", 1250000),
    ("1.250.000,00", 1250000), ("", None), (None, None),
])
def test_money(value, expected):
    assert normalize.parse_money(value) == expected


@pytest.mark.parametrize("value", ["một triệu", "1.25.0", "12,34,5"])
def test_bad_money(value):
    with pytest.raises(ValidationError):
        normalize.parse_money(value)


def test_tags_areas_and_split_phones():
    assert normalize.split_tags("VIP | Khách sỉ;vip, Mua online") == ["VIP", "Khách sỉ", "Mua online"]
    assert normalize.split_tags("* myContacts ::: Bạn bè ::: * starred") == ["Bạn bè"]
    assert normalize.split_area("Hồ Chí Minh - Quận 1") == ("Hồ Chí Minh", "Quận 1")
    assert normalize.split_area("Bà Rịa - Vũng Tàu") == ("Bà Rịa - Vũng Tàu", None)
    assert normalize.split_area("Bà Rịa - Vũng Tàu - Thành phố Vũng Tàu") == (
        "Bà Rịa - Vũng Tàu", "Thành phố Vũng Tàu")
    form = normalize.row_input(["0912345678 / 0987.654.321"], {0: "phone"}, ["SĐT"]).form
    assert (form["phone"], form["phone2"]) == ("0912345678", "0987.654.321")


def test_split_name_columns_join_family_name_first():
    row = normalize.row_input(["Hà", "Thu", "Nguyễn"], {0: "first_name", 1: "middle_name",
                                                        2: "last_name"}, ["F", "M", "L"])
    assert row.form == {"name": "Nguyễn Thu Hà"}


def test_company_is_the_name_of_a_nameless_organisation_else_a_note():
    headers = ["Tên", "Công ty", "Ghi chú"]
    mapping = {0: "name", 1: "company", 2: "notes"}
    row = normalize.row_input([None, "Công ty TNHH Hoa Mai", None], mapping, headers)
    assert row.form == {"name": "Công ty TNHH Hoa Mai", "kind": "organisation"}
    row = normalize.row_input(["Lan", "Hoa Mai", "khách quen"], mapping, headers)
    assert row.form == {"name": "Lan", "notes": "khách quen\nCông ty: Hoa Mai"}


# -- preview ----------------------------------------------------------------------------

def test_preview_reports_errors_per_cell_and_writes_nothing(tmp_path, shop_db):
    path = write_csv(tmp_path / "kh.csv", [
        "STT,Họ và tên,SĐT,Email,Ngày sinh,Giới tính",
        "1,Nguyễn Thị Hà,912345678,HA@Example.com,12/03/1990,Nữ",
        "2,,0912,not-an-email,31/02/1990,Bê",
        "3,Lê Văn Cường,,,,",
    ])
    before = table_counts()
    plan = plan_import(path)
    assert table_counts() == before
    assert plan.mapping == {1: "name", 2: "phone", 3: "email", 4: "birthday", 5: "gender"}
    first, second, third = plan.rows
    assert first.values == {"name": "Nguyễn Thị Hà", "phone": "0912345678",
                            "email": "ha@example.com", "birthday": dt.date(1990, 3, 12),
                            "gender": "female"}
    assert (first.row_number, second.row_number, third.row_number) == (2, 3, 4)
    assert second.values is None
    assert [(e.header, e.column) for e in second.errors] == [
        ("Họ và tên", 1), ("SĐT", 2), ("Email", 3), ("Ngày sinh", 4), ("Giới tính", 5)]
    assert all(isinstance(e.error, KnownError) for e in second.errors)
    assert second.errors[0].error.message == "A customer needs a name."
    assert third.values == {"name": "Lê Văn Cường"}
    assert (plan.valid_count, plan.error_count) == (2, 1)


def test_mapping_problems_are_known_errors(tmp_path, shop_db):
    path = write_csv(tmp_path / "kh.csv", ["Họ tên,SĐT,Ghi chú", "An,0912345678,x"])
    with pytest.raises(KnownError, match="names"):
        plan_import(path, mapping={1: "phone"})
    with pytest.raises(KnownError, match="Two columns"):
        plan_import(path, mapping={0: "name", 1: "notes", 2: "notes"})
    plan = plan_import(path, mapping={0: "name", 2: "phone2"})  # a chosen mapping wins
    assert plan.rows[0].errors[0].header == "Ghi chú"


# -- writing ----------------------------------------------------------------------------

SHOP_ROWS = [
    "Mã KH,Họ tên,SĐT,Email,Nhóm khách hàng,Địa chỉ",
    ",Nguyễn Thị Hà,0912345678,ha@example.com,VIP|Sỉ,",
    ",Trần Văn Bình,0987654321,,,12 Lê Lợi",
    ",Hà Nguyễn,+84 912 345 678,,vip,Số 5 Hàng Bạc",  # same phone as row 2
    ",Sai Số,123,,,",
    "KH000100,Phạm Lan,0903123456,,,",
    ",Lan Phạm,,LAN@example.com,,",  # no phone; same email as nobody
    "KH000100,Phạm Thị Lan,,,Khách mới,",  # same code as row 6
]


def test_import_creates_customers_with_codes_tags_batch_and_audit(tmp_path, shop_db):
    existing = customers.create({"name": "Khách Cũ", "phone": "0911111111"})  # KH000001
    customers.trash([customers.create({"name": "Đã xoá"}).id])  # KH000002, in the trash
    Tag.create(name="VIP")
    path = write_csv(tmp_path / "kh.csv", SHOP_ROWS)
    progress = []
    result = run_import(plan_import(path), "skip", progress=lambda d, t: progress.append((d, t)),
                        user="chủ shop")
    assert (result.created, result.updated, result.skipped, result.rejected) == (4, 0, 2, 1)
    assert result.skipped_rows == [4, 8]
    assert [(r.row_number, r.errors[0].header) for r in result.rejected_rows] == [(5, "SĐT")]
    codes = {c.name: c.code for c in Customer.select().where(Customer.id != existing.id)}
    # New codes continue after the highest one in the database or the file.
    assert codes == {"Đã xoá": "KH000002", "Nguyễn Thị Hà": "KH000101",
                     "Trần Văn Bình": "KH000102", "Phạm Lan": "KH000100", "Lan Phạm": "KH000103"}
    ha = Customer.get(Customer.code == "KH000101")
    assert ha.import_batch_id == result.batch_id and ha.version == 1
    assert ha.search_key == customers.derived({"name": ha.name, "code": ha.code,
                                               "phone": ha.phone, "email": ha.email})["search_key"]
    assert ha.kind == "individual" and ha.gender == "unknown" and ha.role_buyer is True
    assert sorted(t.tag.name for t in ha.customer_tags) == ["Sỉ", "VIP"]
    assert Tag.select().count() == 2  # "VIP" reused, "vip" never created
    batch = ImportBatch.get_by_id(result.batch_id)
    assert (batch.rows_total, batch.rows_created, batch.rows_updated, batch.rows_skipped,
            batch.rows_rejected) == (7, 4, 0, 2, 1)
    assert batch.finished_at is not None and batch.file_name == "kh.csv"
    assert json.loads(batch.mapping)["SĐT"] == "phone"
    audit = AuditLog.get(AuditLog.action == "import")
    assert audit.user == "chủ shop" and json.loads(audit.details)["created"] == 4
    assert progress[0] == (0, 4) and progress[-1] == (4, 4)


def test_update_policy_merges_into_existing_and_earlier_rows(tmp_path, shop_db):
    old = customers.create({"name": "Nguyễn Hà", "phone": "0912345678", "address": "Cũ",
                            "notes": "giữ nguyên"})
    customers.update(old.id, {"notes": "giữ nguyên"}, expected_version=1)  # version 2
    path = write_csv(tmp_path / "kh.csv", SHOP_ROWS)
    result = run_import(plan_import(path), "update")
    assert (result.created, result.updated, result.skipped, result.rejected) == (3, 3, 0, 1)
    old = Customer.get_by_id(old.id)
    # Row 4 (same phone) came after row 2: its non-empty fields win, blank ones keep the value.
    assert (old.name, old.address, old.email, old.notes) == (
        "Hà Nguyễn", "Số 5 Hàng Bạc", "ha@example.com", "giữ nguyên")
    assert old.version == 3 and old.code == "KH000001"
    assert "ha nguyen" in old.search_key and "ha@example.com" in old.search_key
    assert old.sort_key == customers.derived({"name": "Hà Nguyễn"})["sort_key"]
    assert sorted(t.tag.name for t in old.customer_tags) == ["Sỉ", "VIP"]
    lan = Customer.get(Customer.code == "KH000100")
    assert lan.name == "Phạm Thị Lan" and [t.tag.name for t in lan.customer_tags] == ["Khách mới"]
    assert ImportBatch.get_by_id(result.batch_id).rows_updated == 3


def test_create_policy_makes_duplicates_but_never_reuses_a_code(tmp_path, shop_db):
    customers.create({"name": "Nguyễn Hà", "phone": "0912345678"})
    path = write_csv(tmp_path / "kh.csv", SHOP_ROWS)
    result = run_import(plan_import(path), "create")
    assert (result.created, result.updated, result.skipped, result.rejected) == (5, 0, 0, 2)
    assert Customer.select().where(Customer.phone == "0912345678").count() == 3
    assert [r.row_number for r in result.rejected_rows] == [5, 8]
    assert result.rejected_rows[1].errors[0].header == "Mã KH"
    assert "KH000100" in str(result.rejected_rows[1].errors[0].error)


def test_trashed_customers_are_not_duplicates_but_keep_their_codes(tmp_path, shop_db):
    gone = customers.create({"name": "Đã xoá", "phone": "0912345678"})
    customers.trash([gone.id])
    path = write_csv(tmp_path / "kh.csv", ["Mã KH,Họ tên,SĐT", ",Mới,0912345678",
                                           "KH000001,Trùng mã,0987654321"])
    result = run_import(plan_import(path), "skip")
    assert (result.created, result.skipped, result.rejected) == (1, 0, 1)
    assert Customer.get(Customer.name == "Mới").code == "KH000002"
    assert result.rejected_rows[0].row_number == 3


def test_generated_codes_continue_after_the_database_and_the_file(tmp_path, shop_db):
    customers.create({"name": "Cũ"})  # KH000001
    path = write_csv(tmp_path / "kh.csv", ["Mã KH,Họ tên", ",An", ",Bình", "KH000007,Cường",
                                           "SHOP-9,Dũng", ","])
    run_import(plan_import(path))
    assert {c.name: c.code for c in Customer.select()} == {
        "Cũ": "KH000001", "An": "KH000008", "Bình": "KH000009", "Cường": "KH000007",
        "Dũng": "SHOP-9"}
    path = write_csv(tmp_path / "more.csv", ["Họ tên", "Em"])
    run_import(plan_import(path))
    assert Customer.get(Customer.name == "Em").code == "KH000010"


def test_cancel_rolls_everything_back(tmp_path, shop_db, monkeypatch):
    customers.create({"name": "Khách Cũ", "phone": "0912345678"})
    Tag.create(name="VIP")
    monkeypatch.setattr(import_writer, "INSERT_BATCH", 3)  # several batches
    path = write_csv(tmp_path / "kh.csv", ["Họ tên,SĐT,Nhóm"] + [
        f"Khách {i},09{i:08d},VIP|Nhóm {i % 3}" for i in range(1, 40)] + ["Khách Cũ Mới,0912345678,"])
    plan = plan_import(path)
    before = table_counts()
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3  # after some batches were written

    with pytest.raises(ImportCancelled):
        run_import(plan, "update", cancel=cancel)
    assert len(calls) == 4
    assert table_counts() == before
    assert Customer.get(Customer.phone == "0912345678").version == 1
    # The same plan imports fine afterwards: cancelling did not spoil it.
    result = run_import(plan, "update")
    assert (result.created, result.updated) == (39, 1)


def test_unexpected_error_rolls_everything_back(tmp_path, shop_db, monkeypatch):
    path = write_csv(tmp_path / "kh.csv", ["Họ tên,Nhóm", "An,VIP", "Bình,"])
    plan = plan_import(path)
    before = table_counts()

    def boom(self, new_ids):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_writer._Run, "_link_tags", boom)
    with pytest.raises(RuntimeError):
        run_import(plan)
    assert table_counts() == before


def test_kiotviet_workbook_end_to_end(tmp_path, shop_db):
    path = tmp_path / "MauFileKhachHang.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "CustomerTemplate"
    ws.append(["Loại khách", "Mã khách hàng", "Tên khách hàng", "Điện thoại", "Địa chỉ",
               "Khu vực giao hàng", "Phường/Xã", "Công ty", "Mã số thuế", "Số CMND/CCCD",
               "Ngày sinh", "Giới tính", "Email", "Facebook", "Nhóm khách hàng", "Ghi chú",
               "Ngày giao dịch cuối", "Nợ cần thu hiện tại", "Tổng bán (Không import)",
               "Trạng thái"])
    ws.append(["Cá nhân", "KH000008", "Phạm Thị Lan", 903123456, "12 Lê Lợi",
               "Hồ Chí Minh - Quận 1", "Phường Bến Nghé", None, None, "079190000001",
               dt.datetime(1988, 6, 5), "Nữ", "lan@example.com", "fb.com/lan", "VIP|Khách sỉ",
               None, None, 0, 0, 1])
    ws.append(["Công ty", None, None, "02838251234", "1 Nguyễn Huệ", "Hồ Chí Minh - Quận 1",
               None, "Công ty TNHH Hoa Mai", "0312345678", None, None, None, None, None, None,
               "xuất hoá đơn", None, None, None, 1])
    ws.append(["Tổng cộng", None, None, None, None, None])
    wb.save(path)
    result = run_import(plan_import(path, sheet="CustomerTemplate"))
    assert (result.created, result.rejected) == (2, 0)
    lan = Customer.get(Customer.code == "KH000008")
    assert (lan.phone, lan.birthday, lan.gender, lan.province, lan.district, lan.ward) == (
        "0903123456", dt.date(1988, 6, 5), "female", "Hồ Chí Minh", "Quận 1", "Phường Bến Nghé")
    assert sorted(t.tag.name for t in lan.customer_tags) == ["Khách sỉ", "VIP"]
    org = Customer.get(Customer.kind == "organisation")
    assert (org.name, org.tax_code, org.code, org.phone) == (
        "Công ty TNHH Hoa Mai", "0312345678", "KH000009", "02838251234")
    assert ImportBatch.get_by_id(result.batch_id).sheet == "CustomerTemplate"


def test_google_contacts_names_are_family_name_first(tmp_path, shop_db):
    path = write_csv(tmp_path / "contacts.csv", [
        "First Name,Middle Name,Last Name,Birthday,Labels,E-mail 1 - Value,Phone 1 - Value",
        "Hà,Thu,Nguyễn,1990-03-12,* myContacts ::: Bạn bè,ha@example.com,+84 912 345 678",
    ])
    run_import(plan_import(path))
    ha = Customer.get()
    assert (ha.name, ha.phone, ha.birthday) == ("Nguyễn Thu Hà", "0912345678", dt.date(1990, 3, 12))
    assert [t.tag.name for t in ha.customer_tags] == ["Bạn bè"]


def test_rejects_are_written_for_fixing_and_import_again(tmp_path, shop_db):
    path = tmp_path / "kh.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["STT", "Họ tên", "SĐT", "Ngày sinh"])
    wb.active.append([1, "An", "0912345678", dt.datetime(1990, 1, 2)])
    wb.active.append([2, "Bình", "0912", dt.datetime(1991, 2, 3)])
    wb.save(path)
    result = run_import(plan_import(path))
    rejects = write_rejects(result, tmp_path / "loi.xlsx")
    table = read_table(rejects)
    assert table.headers == ["STT", "Họ tên", "SĐT", "Ngày sinh", "Lỗi"]
    assert table.rows[0][:4] == [2, "Bình", "0912", dt.datetime(1991, 2, 3)]
    assert table.rows[0][4].startswith("SĐT: 0912 is too short")
    # The shop fixes the phone and imports the file again: the error column is ignored.
    fixed = openpyxl.load_workbook(rejects)
    fixed.active["C2"] = "0987654321"
    fixed.save(rejects)
    again = run_import(plan_import(rejects))
    assert (again.created, again.rejected) == (1, 0)
    assert Customer.get(Customer.name == "Bình").birthday == dt.date(1991, 2, 3)


def test_policy_must_be_known(tmp_path, shop_db):
    plan = plan_import(write_csv(tmp_path / "kh.csv", ["Họ tên", "An"]))
    with pytest.raises(ValueError):
        run_import(plan, "merge")


def test_a_customer_changed_meanwhile_stops_the_update_and_rolls_back(tmp_path, shop_db,
                                                                      monkeypatch):
    customers.create({"name": "An", "phone": "0912345678"})
    plan = plan_import(write_csv(tmp_path / "kh.csv", ["Họ tên,SĐT", "An Mới,0912345678",
                                                       "Bình,0987654321"]))
    before = table_counts()
    real_update = bulk.update_rows

    def saved_meanwhile(model, set_fields, key_fields, rows):  # another counter, between
        Customer.update(version=Customer.version + 1).execute()  # our read and our write
        return real_update(model, set_fields, key_fields, rows)

    monkeypatch.setattr(bulk, "update_rows", saved_meanwhile)
    with pytest.raises(KnownError, match="another counter"):
        run_import(plan, "update")
    assert table_counts() == before
    assert Customer.get().name == "An"


def test_the_fast_phone_check_agrees_with_phonenumbers():
    """phones._is_valid_vietnamese (phonenumbers' patterns, compiled once: the import's
    fast path) accepts exactly the numbers phonenumbers itself accepts, unchanged."""
    import random

    import phonenumbers

    from shopcrm.core import phones

    rng = random.Random(7)
    for length in (9, 10, 11, 12):
        for start in range(10, 1000):
            head = f"0{start}"
            national = head + "".join(rng.choice("0123456789") for _ in range(length - len(head)))
            number = phones._parsed(national)
            slow = bool(number and phonenumbers.is_valid_number(number)
                        and phonenumbers.number_type(number) in phones._VN_TYPES
                        and "0" + phonenumbers.national_significant_number(number) == national)
            assert phones._is_valid_vietnamese(national) == (slow and length in (10, 11)), national


# -- referrers made by the same file ----------------------------------------------------

def referrer_of(code: str) -> str | None:
    customer = Customer.get(Customer.code == code)
    return customer.referred_by.code if customer.referred_by_id else None


def test_a_referrer_later_in_the_file_is_resolved_in_the_same_import(tmp_path, shop_db):
    customers.create({"name": "Đã có", "phone": "0911111111"})  # KH000001
    path = write_csv(tmp_path / "kh.csv", [
        "Mã KH,Họ tên,SĐT,Người giới thiệu",
        "KH000010,An,0912000001,kh000011",  # the next row, spelt in lower case
        "KH000011,Bình,0912000002,KH000001",  # a stored customer
        "KH000012,Cường,0912000003,KH000010",  # an earlier row
        ",Dũng,0912000004,KH000012"])
    plan = plan_import(path)
    assert plan.error_count == 0, [row.errors for row in plan.rows]
    dry = run_import(plan, "skip", dry_run=True)
    assert (dry.created, dry.rejected) == (4, 0) and Customer.select().count() == 1
    result = run_import(plan, "skip")
    assert (result.created, result.rejected) == (4, 0)
    assert {c.name: referrer_of(c.code) for c in Customer.select()} == {
        "Đã có": None, "An": "KH000011", "Bình": "KH000001", "Cường": "KH000010",
        "Dũng": "KH000012"}
    assert Customer.get(Customer.code == "KH000010").version == 1


def test_an_unknown_referrer_keeps_its_message(tmp_path, shop_db):
    path = write_csv(tmp_path / "kh.csv", ["Mã KH,Họ tên,Người giới thiệu",
                                           "KH000010,An,KH000099", "KH000011,Bình,KH000010"])
    plan = plan_import(path)
    assert [row.row_number for row in plan.rows if row.errors] == [2, 3]
    error = plan.rows[0].errors[0]
    assert error.header == "Người giới thiệu"
    assert str(error.error) == "No customer has the code KH000099."
    assert "KH000010" in str(plan.rows[1].errors[0].error)  # its referrer is rejected
    assert "row 2" in str(plan.rows[1].errors[0].error)


def test_a_referrer_in_a_rejected_row_rejects_the_referring_rows(tmp_path, shop_db):
    """The choice: the referring row is rejected too, its reason naming the referrer's row
    (and so on down a chain), so no referral is silently lost."""
    path = write_csv(tmp_path / "kh.csv", [
        "Mã KH,Họ tên,SĐT,Người giới thiệu",
        "KH000010,An,0912000001,KH000011",
        "KH000011,Bình,12345,",  # a bad phone: rejected
        "KH000012,Cường,0912000003,KH000010",  # refers to a row that refers to it
        "KH000013,Dũng,0912000004,"])
    plan = plan_import(path)
    assert [row.row_number for row in plan.rows if row.errors] == [2, 3, 4]
    first = plan.rows[0].errors[0]
    assert first.header == "Người giới thiệu"
    assert "KH000011" in str(first.error) and "row 3" in str(first.error)
    assert "KH000010" in str(plan.rows[2].errors[0].error)
    result = run_import(plan, "skip")
    assert (result.created, result.rejected) == (1, 3)
    fixed = tmp_path / "fixed.xlsx"
    write_rejects(result, fixed)
    assert len(list(openpyxl.load_workbook(fixed).active.iter_rows())) == 4


def test_a_referrer_row_refused_while_writing_rejects_the_referring_row(tmp_path, shop_db):
    gone = customers.create({"name": "Đã xoá"})
    Customer.update(code="KH000011").where(Customer.id == gone.id).execute()
    customers.trash([gone.id])
    path = write_csv(tmp_path / "kh.csv", [
        "Mã KH,Họ tên,Người giới thiệu", "KH000010,An,KH000011", "KH000011,Bình,",
        "KH000012,Cường,"])
    plan = plan_import(path)
    assert plan.error_count == 0  # KH000011 is a code of the file
    result = run_import(plan, "skip")
    assert (result.created, result.rejected) == (1, 2)
    assert [row.row_number for row in result.rejected_rows] == [2, 3]
    assert result.rejected_rows[0].errors[0].header == "Người giới thiệu"
    assert "KH000011" in str(result.rejected_rows[0].errors[0].error)
    assert [c.name for c in Customer.select().where(Customer.deleted_at.is_null())] == ["Cường"]


def test_an_updated_customer_gets_a_new_referrer_and_undo_restores_the_old(tmp_path, shop_db):
    from shopcrm.io import import_history

    old_referrer = customers.create({"name": "Người cũ"})  # KH000001
    old = customers.create({"name": "Cũ", "phone": "0912000001", "referred_by": old_referrer.id})
    path = write_csv(tmp_path / "kh.csv", [
        "Họ tên,SĐT,Người giới thiệu,Mã KH", "Cũ,0912000001,KH000020,",
        "Mới,0912000002,,KH000020", "Khác,0912000003,KH000002,KH000021"])
    result = run_import(plan_import(path), "update")
    assert (result.created, result.updated, result.rejected) == (2, 1, 0)
    assert referrer_of(old.code) == "KH000020"
    assert referrer_of("KH000021") == old.code
    import_history.undo_import(result.batch_id, backup_folder=tmp_path)
    assert Customer.get_by_id(old.id).referred_by_id == old_referrer.id
    assert Customer.select().count() == 2


def test_a_referrer_row_skipped_as_a_duplicate_is_the_matched_customer(tmp_path, shop_db):
    stored = customers.create({"name": "Hà", "phone": "0912000001"})  # KH000001
    path = write_csv(tmp_path / "kh.csv", [
        "Mã KH,Họ tên,SĐT,Người giới thiệu", "KH000050,Hà (sổ cũ),0912000001,",
        "KH000051,Lan,0912000002,KH000050"])
    result = run_import(plan_import(path), "skip")
    assert (result.created, result.skipped, result.rejected) == (1, 1, 0)
    assert Customer.get(Customer.code == "KH000051").referred_by_id == stored.id
