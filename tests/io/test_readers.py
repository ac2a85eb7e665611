"""Reading the files shops bring: hand-kept workbooks, KiotViet templates, old CSVs."""

from __future__ import annotations

import datetime as dt
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill

from shopcrm.core.errors import KnownError
from shopcrm.io.readers import read_table

KIOTVIET_HEADERS = [
    "Loại khách", "Mã khách hàng", "Tên khách hàng", "Điện thoại", "Địa chỉ", "Khu vực giao hàng",
    "Phường/Xã", "Công ty", "Mã số thuế", "Số CMND/CCCD", "Ngày sinh", "Giới tính", "Email",
    "Facebook", "Nhóm khách hàng", "Ghi chú", "Ngày giao dịch cuối", "Nợ cần thu hiện tại",
    "Tổng bán (Không import)", "Trạng thái",
]
GOOGLE_HEADERS = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Nickname", "File As",
    "Organization Name", "Birthday", "Notes", "Labels", "E-mail 1 - Label", "E-mail 1 - Value",
    "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value",
    "Address 1 - Formatted", "Address 1 - City", "Address 1 - Region",
]


def notebook_workbook(path: Path) -> Path:
    """A hand-kept sheet: banner, subtitle, STT column, total row, formatted empty rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Khách hàng"
    ws["A1"] = "DANH SÁCH KHÁCH HÀNG THÂN THIẾT"
    ws.merge_cells("A1:F1")
    ws["A1"].font = Font(bold=True, size=16)
    ws.append(["Cửa hàng: Hoa Mai", "Cập nhật: 01/03/2025"])  # two text cells, not headers
    ws.append([])
    ws.append(["STT", "Họ và tên", "Số điện thoại", "Ngày sinh", "Giới tính", "Ghi chú"])
    ws.append([1, "Nguyễn Thị Thu Hà", 912345678, dt.datetime(1990, 3, 12), "Nữ", None])
    ws.append([2, "  Trần Văn Bình ", "0987.654.321", "02/01/1985", "Nam", "khách quen"])
    ws.append([None, "   ", None])  # only spaces: an empty row
    ws.append([3, "Tống Văn Minh", 1689123456.0, None, "nam", None])
    ws.append(["Tổng cộng", None, None, None, None, None])
    grey = PatternFill("solid", fgColor="DDDDDD")
    for row in range(11, 60):  # formatted but empty, as Excel leaves them
        for col in range(1, 7):
            ws.cell(row=row, column=col).fill = grey
    wb.save(path)
    return path


def test_notebook_sheet_finds_header_below_banner_and_drops_total_and_empty_rows(tmp_path):
    table = read_table(notebook_workbook(tmp_path / "so.xlsx"))
    assert table.header_row_number == 4
    assert table.headers == ["STT", "Họ và tên", "Số điện thoại", "Ngày sinh", "Giới tính", "Ghi chú"]
    assert table.row_numbers == [5, 6, 8]
    assert [row[1] for row in table.rows] == ["Nguyễn Thị Thu Hà", "Trần Văn Bình", "Tống Văn Minh"]
    assert table.rows[0][2] == 912345678 and table.rows[0][3] == dt.datetime(1990, 3, 12)
    assert table.rows[2][2] == 1689123456.0
    assert all(len(row) == 6 for row in table.rows)
    assert table.sheet == "Khách hàng" and table.sheet_names == ["Khách hàng"]


def test_formula_cells_give_the_cached_value_or_none_without_one(tmp_path):
    """openpyxl writes formulas without a cached value; Excel stores one. Nothing is executed."""
    path = tmp_path / "f.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Họ tên", "Điện thoại", "Ghi chú"])
    ws.append(["An", "0912345678", "=1+1"])
    ws.append(["Bình", "0987654321", '=CONCAT("a","b")'])
    wb.save(path)
    assert read_table(path).rows[0][2] is None  # no cached value: an empty cell
    # Give the second formula a cached value, as Excel would have saved it.
    cached = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(cached, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<f>CONCAT("a","b")</f><v />',
                                    b'<f>CONCAT("a","b")</f><v>ab</v>')
                data = data.replace(b'<c r="C3">', b'<c r="C3" t="str">')
            dst.writestr(item, data)
    table = read_table(cached)
    assert table.rows[1][2] == "ab"
    assert table.rows[0][2] is None


def test_kiotviet_template_sheet_chosen_by_name(tmp_path):
    path = tmp_path / "MauFileKhachHang.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Hướng dẫn"
    wb.active["A1"] = "Điền thông tin khách hàng vào sheet CustomerTemplate"
    ws = wb.create_sheet("CustomerTemplate")
    ws.append(KIOTVIET_HEADERS)
    ws.append(["Cá nhân", "KH000008", "Phạm Thị Lan", "0903123456", "12 Lê Lợi",
               "Hồ Chí Minh - Quận 1", "Phường Bến Nghé", None, None, None, "05/06/1988", "Nữ",
               "lan@example.com", None, "VIP|Khách sỉ", None, None, 0, 0, 1])
    wb.save(path)
    table = read_table(path, sheet="CustomerTemplate")
    assert table.sheet_names == ["Hướng dẫn", "CustomerTemplate"]
    assert table.sheet == "CustomerTemplate"
    assert table.headers == KIOTVIET_HEADERS and table.header_row_number == 1
    assert table.rows[0][2] == "Phạm Thị Lan"
    with pytest.raises(KnownError) as info:
        read_table(path, sheet="Sheet9")
    assert info.value.params["sheet"] == "Sheet9"
    assert "CustomerTemplate" in info.value.params["sheets"]


def test_workbook_text_is_stored_nfc(tmp_path):
    path = tmp_path / "nfd.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Họ tên", "Điện thoại"])
    wb.active.append([unicodedata.normalize("NFD", "Nguyễn Đức Thắng"), "0912345678"])
    wb.save(path)
    assert read_table(path).rows[0][0] == "Nguyễn Đức Thắng"


def cp1258_bytes(text: str) -> bytes:
    """Text as Windows-1258 stores it: base letters precomposed, tone marks combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        shape = "".join(c for c in decomposed if c not in tones)
        out.append(unicodedata.normalize("NFC", shape) + "".join(c for c in decomposed if c in tones))
    return "".join(out).encode("cp1258")


CSV_TEXT = (
    "Họ và tên,Số điện thoại,Địa chỉ\n"
    "Nguyễn Thị Thu Hà,0912345678,\"12 Lê Lợi, Quận 1\"\n"
    "Đặng Văn Lâm,0987654321,Hà Nội\n"
)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "utf-16", "utf-16-le", "cp1258"])
def test_csv_encodings(tmp_path, encoding):
    path = tmp_path / "kh.csv"
    data = cp1258_bytes(CSV_TEXT) if encoding == "cp1258" else CSV_TEXT.encode(encoding)
    path.write_bytes(data)
    table = read_table(path)
    assert table.headers == ["Họ và tên", "Số điện thoại", "Địa chỉ"]
    assert table.rows == [["Nguyễn Thị Thu Hà", "0912345678", "12 Lê Lợi, Quận 1"],
                          ["Đặng Văn Lâm", "0987654321", "Hà Nội"]]
    assert table.sheet is None and table.sheet_names == []


def test_cp1258_is_really_decomposed_and_comes_back_nfc(tmp_path):
    data = cp1258_bytes("Nguyễn")
    assert len(data) > len("Nguyễn")  # the tone is a separate combining byte
    path = tmp_path / "old.csv"
    path.write_bytes(cp1258_bytes("Họ tên;Điện thoại\nNguyễn Thị Hà;0912345678\n"))
    table = read_table(path)
    assert table.rows[0][0] == "Nguyễn Thị Hà"
    assert unicodedata.is_normalized("NFC", table.rows[0][0])


def test_utf8_nfd_text_becomes_nfc(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_text(unicodedata.normalize("NFD", CSV_TEXT), encoding="utf-8")
    assert read_table(path).rows[1][0] == "Đặng Văn Lâm"


@pytest.mark.parametrize("delimiter,suffix", [(";", ".csv"), ("\t", ".txt"), ("\t", ".csv")])
def test_delimiters(tmp_path, delimiter, suffix):
    path = tmp_path / f"kh{suffix}"
    lines = ["Danh sách khách hàng", "STT|Họ tên|Điện thoại|Số tiền", "1|An|0912345678|1,5",
             "2|Bình|0987654321|2,25", "Tổng|||3,75"]
    path.write_text("\n".join(line.replace("|", delimiter) for line in lines), encoding="utf-8")
    table = read_table(path)
    assert table.headers == ["STT", "Họ tên", "Điện thoại", "Số tiền"]
    assert table.header_row_number == 2
    assert table.rows == [["1", "An", "0912345678", "1,5"], ["2", "Bình", "0987654321", "2,25"]]


def test_csv_row_numbers_count_lines_of_multiline_cells(tmp_path):
    path = tmp_path / "kh.csv"
    path.write_text('Họ tên,Ghi chú\nAn,"dòng 1\ndòng 2"\n\nBình,x\n', encoding="utf-8")
    table = read_table(path)
    assert table.row_numbers == [2, 5]
    assert table.rows[0][1] == "dòng 1\ndòng 2"


def test_csv_drops_the_apostrophe_the_export_puts_before_formula_like_text(tmp_path):
    from shopcrm.io import export, readers

    assert readers._FORMULA_TRIGGERS == export.FORMULA_TRIGGERS  # kept in step
    path = tmp_path / "kh.csv"
    path.write_text("Họ tên,Ghi chú,Địa chỉ\n"
                    "'=1+2 Hà,'-giảm 5%,'@shop\n"
                    "'+84 là mã nước,''=x,'Mai\n"
                    "An,\"'\t tab\",it's\n", encoding="utf-8")
    assert read_table(path).rows == [["=1+2 Hà", "-giảm 5%", "@shop"],
                                     ["+84 là mã nước", "'=x", "'Mai"],
                                     ["An", "tab", "it's"]]


def test_google_contacts_csv(tmp_path):
    path = tmp_path / "contacts.csv"
    row = ["Hà", "Thu", "Nguyễn", "", "", "", "", "1990-03-12", "", "* myContacts ::: VIP",
           "* Home", "ha@example.com", "Mobile", "+84 912 345 678", "", "", "", "", ""]
    path.write_text(",".join(GOOGLE_HEADERS) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    table = read_table(path)
    assert table.headers == GOOGLE_HEADERS
    assert table.rows[0][13] == "+84 912 345 678"


def test_total_row_is_dropped_but_a_family_name_tong_is_kept(tmp_path):
    path = tmp_path / "kh.csv"
    path.write_text("Họ tên,Điện thoại\nTống Văn Minh,0912345678\nTổng: 2,\nTOTAL,\n"
                    "Tổng cộng 2 khách,\n", encoding="utf-8")
    assert [row[0] for row in read_table(path).rows] == ["Tống Văn Minh"]


def test_header_row_without_known_names_is_the_first_with_two_texts(tmp_path):
    path = tmp_path / "kh.csv"
    path.write_text("Bảng kê\nCột một,Cột hai\nx,y\n", encoding="utf-8")
    table = read_table(path)
    assert table.header_row_number == 2 and table.rows == [["x", "y"]]


def _message_of(path: Path) -> KnownError:
    with pytest.raises(KnownError) as info:
        read_table(path)
    return info.value


def test_text_file_named_xlsx(tmp_path):
    path = tmp_path / "kh.xlsx"
    path.write_text("Họ tên,Điện thoại\nAn,0912345678\n", encoding="utf-8")
    error = _message_of(path)
    assert error.message == "{name} is not an Excel workbook or is damaged."
    assert error.params == {"name": "kh.xlsx"}


def test_zip_without_workbook_and_truncated_workbook(tmp_path):
    path = tmp_path / "kh.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert "not an Excel workbook" in str(_message_of(path))
    good = notebook_workbook(tmp_path / "good.xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "not an Excel workbook" in str(_message_of(broken))


def test_damaged_sheet_xml(tmp_path):
    good = notebook_workbook(tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    assert "not an Excel workbook" in str(_message_of(bad))


def test_password_protected_workbook(tmp_path):
    """Excel saves an encrypted .xlsx as an OLE2 compound file, not a zip."""
    path = tmp_path / "secret.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert "password" in _message_of(path).message


@pytest.mark.parametrize("name", ["empty.xlsx", "empty.csv"])
def test_empty_files(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    error = _message_of(path)
    assert error.message == "{name} is empty: there are no customers to import."
    assert error.params["name"] == name


def test_csv_with_only_blank_lines_or_bom(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n,,\r\n")
    assert "empty" in str(_message_of(path))


def test_binary_named_csv(tmp_path):
    path = tmp_path / "kh.csv"
    path.write_bytes(notebook_workbook(tmp_path / "x.xlsx").read_bytes())
    assert _message_of(path).message == "{name} is not a CSV text file or is damaged."


def test_unknown_suffix_names_the_supported_kinds(tmp_path):
    path = tmp_path / "kh.pdf"
    path.write_bytes(b"%PDF-1.4")
    error = _message_of(path)
    assert ".xlsx" in error.params["kinds"] and ".csv" in error.params["kinds"]
    assert error.params["name"] == "kh.pdf"


def test_missing_file(tmp_path):
    assert _message_of(tmp_path / "nowhere.csv").params["name"] == "nowhere.csv"


# -- python-calamine reads workbooks; openpyxl what calamine cannot ---------------------

def _both_readers(path: Path, sheet: str | None = None):
    from shopcrm.io import readers

    return readers._read_with_calamine(path, sheet), readers._read_with_openpyxl(path, sheet)


def test_calamine_reads_a_workbook_as_openpyxl_does(tmp_path):
    """Row numbers, ints, datetimes, None for empty and formula cells, NFC text alike."""
    path = notebook_workbook(tmp_path / "so.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws["H5"], ws["I5"], ws["J5"] = dt.date(2001, 2, 3), 1.5, "=1+1"  # J5: no cached value
    ws["K5"], ws["L5"] = dt.time(10, 30), True
    ws["B6"] = unicodedata.normalize("NFD", "  Trần Văn Bình ")
    wb.save(path)
    by_calamine, by_openpyxl = _both_readers(path)
    assert by_calamine is not None  # read by calamine, not handed over to openpyxl
    assert by_calamine == by_openpyxl
    rows = dict(by_calamine[0])
    assert rows[5][2] == 912345678 and type(rows[5][2]) is int
    assert rows[5][3] == dt.datetime(1990, 3, 12) and rows[5][7] == dt.datetime(2001, 2, 3)
    assert rows[5][8] == 1.5 and rows[5][9] is None and rows[5][10] == dt.time(10, 30)
    assert rows[6][1] == "Trần Văn Bình"


def test_calamine_picks_the_sheet_openpyxl_picks(tmp_path):
    path = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Họ tên", "Điện thoại"])
    wb.active.append(["An", "0912345678"])
    second = wb.create_sheet("Khách")
    second.append(["Họ tên", "Điện thoại"])
    second.append(["Bình", "0987654321"])
    wb.active = 1  # saved with the second sheet open
    wb.save(path)
    assert read_table(path).rows == [["Bình", "0987654321"]]
    for sheet in (None, "Sheet", "Khách"):
        by_calamine, by_openpyxl = _both_readers(path, sheet)
        assert by_calamine is not None and by_calamine == by_openpyxl


def test_a_sheet_too_big_for_calamine_or_without_dimension_is_still_read(tmp_path, monkeypatch):
    """calamine holds rows x columns cells (and aborts when that cannot be allocated), so
    a sheet whose size is not bounded under CALAMINE_MAX_CELLS goes to openpyxl."""
    from shopcrm.io import readers

    path = notebook_workbook(tmp_path / "so.xlsx")
    expected = read_table(path)
    monkeypatch.setattr(readers, "CALAMINE_MAX_CELLS", 10)
    assert readers._read_with_calamine(path, None) is None
    assert read_table(path) == expected
    monkeypatch.undo()
    bare = tmp_path / "bare.xlsx"  # no <dimension>: the sheet is scanned for its size
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bare, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b"<dimension")
                data = data[:start] + data[data.index(b">", start) + 1:]
            dst.writestr(item, data)
    with zipfile.ZipFile(bare) as archive:
        assert readers._cells_bound(archive, "xl/worksheets/sheet1.xml") == 60 * 702
    assert readers._read_with_calamine(bare, None) is not None
    assert read_table(bare).rows == expected.rows
