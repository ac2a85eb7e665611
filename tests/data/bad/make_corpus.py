"""Write the bad-input corpus: broken spreadsheets, CSVs and other files shops bring.

Every file is built here, in code, so the corpus can be read and regenerated:
    python tests/data/bad/make_corpus.py
The output is byte-for-byte reproducible (fixed zip timestamps and document dates);
tests/io/test_bad_input.py checks the committed files against it. Files too big to
commit (a 2 MB CSV field) are listed in GENERATED and written by the test itself.
What must happen to each file is in cases.py.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import sys
import unicodedata
import zipfile
import zlib
from pathlib import Path
from typing import Callable

import openpyxl
from openpyxl.cell.cell import TYPE_STRING

HERE = Path(__file__).parent
FIXED_TIME = (2025, 1, 1, 0, 0, 0)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HUGE_FIELD = 2_000_000  # characters in the one huge CSV field

NFD_NAME = unicodedata.normalize("NFD", "Nguyễn Thị Hà")
EMOJI_NAME = "Hà 🌸 Shop Hoa 👩\u200d👩\u200d👧"
RTL_NAME = "Lê \u202eThị Bảo"
HYPERLINK = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'
DDE = "=cmd|' /C calc'!A0"
CONTROL_NAME = "Đỗ\x01 Văn\x07 Hùng"


# -- helpers ----------------------------------------------------------------------------

def _reproducible(xlsx: bytes) -> bytes:
    """The same workbook with fixed zip timestamps and document dates."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-01-01T00:00:00Z", data)
            info = zipfile.ZipInfo(item.filename, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    return out.getvalue()


def _workbook(fill: Callable[[openpyxl.Workbook], None]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.properties.creator = "ShopCRM tests"
    fill(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _reproducible(buffer.getvalue())


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    return out.getvalue()


def _patch_sheet(xlsx: bytes, old: bytes, new: bytes) -> bytes:
    """Edit the first sheet's XML: values openpyxl itself would never write."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    entries = {}
    for item in source.infolist():
        data = source.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            assert old in data, old
            data = data.replace(old, new)
        entries[item.filename] = data
    return _zip(entries)


def _text_cell(sheet, ref: str, value: str) -> None:
    """A text cell that openpyxl would otherwise save as a formula."""
    sheet[ref] = value
    sheet[ref].data_type = TYPE_STRING


def _csv(lines: list[str], encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    return "".join(line + newline for line in lines).encode(encoding)


def _good_workbook() -> bytes:
    def fill(workbook):
        sheet = workbook.active
        sheet.append(["Họ tên", "Số điện thoại", "Ngày sinh"])
        for i in range(40):
            sheet.append([f"Khách hàng số {i}", f"09130000{i:02d}",
                          dt.datetime(1990, 1, 1 + i % 28)])
    return _workbook(fill)


def _png() -> bytes:
    """A real 16x16 grey PNG picture."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    pixels = b"".join(b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(16)) for y in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(pixels, 9)) + chunk(b"IEND", b""))


def _ole(kind: bytes) -> bytes:
    """The start of an OLE compound file, as Excel writes encrypted .xlsx and old .xls."""
    header = OLE_MAGIC + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header += bytes(512 - len(header))
    return header + kind.ljust(1024, b"\x00")


# -- broken workbooks -------------------------------------------------------------------

def text_named_xlsx() -> bytes:
    return _csv(["Họ tên,Số điện thoại", "Nguyễn Văn An,0912345678"])


def truncated_xlsx() -> bytes:
    data = _good_workbook()
    return data[: len(data) // 2]


def zip_not_workbook() -> bytes:
    return _zip({"readme.txt": "Ảnh khách hàng, không phải bảng tính.".encode(),
                 "photos/1.png": _png()})


def html_named_xlsx() -> bytes:
    """What web systems call an "Excel export": an HTML table."""
    return ("<html><head><meta charset='utf-8'></head><body><table>"
            "<tr><th>Họ tên</th><th>SĐT</th></tr><tr><td>Nguyễn Văn An</td><td>0912345678</td></tr>"
            "</table></body></html>").encode()


def encrypted_xlsx() -> bytes:
    return _ole(b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o\x00")


def old_xls() -> bytes:
    return _ole(b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k\x00")


def no_data_xlsx() -> bytes:
    def fill(workbook):
        workbook.active.title = "Khách hàng"
        workbook.create_sheet("Trống")
    return _workbook(fill)


def title_only_xlsx() -> bytes:
    def fill(workbook):
        workbook.active["A1"] = "DANH SÁCH KHÁCH HÀNG THÂN THIẾT"
        workbook.active.merge_cells("A1:E1")
    return _workbook(fill)


def headers_only_xlsx() -> bytes:
    def fill(workbook):
        workbook.active["A1"] = "DANH SÁCH KHÁCH HÀNG"
        workbook.active.append(["STT", "Họ và tên", "Số điện thoại", "Ngày sinh", "Ghi chú"])
    return _workbook(fill)


def no_known_header_xlsx() -> bytes:
    def fill(workbook):
        sheet = workbook.active
        sheet.append(["Cột A", "Cột B", "Cột C"])
        sheet.append(["Nguyễn Văn An", "0912345678", "khách quen"])
        sheet.append(["Trần Thị Bình", "0912345679", None])
    return _workbook(fill)


def duplicate_headers_xlsx() -> bytes:
    """Two name, three phone and two email columns: the first of each kind wins."""
    def fill(workbook):
        sheet = workbook.active
        sheet.append(["Họ tên", "Họ tên", "SĐT", "Điện thoại", "Di động", "Email", "E-mail"])
        sheet.append(["Nguyễn Văn An", "An Nguyễn", "0913100001", "0913100002", "0913100003",
                      "an@example.vn", "an2@example.vn"])
        sheet.append(["Trần Thị Bình", "Bình", "0913100004", None, "0913100005", None, "b@x.vn"])
    return _workbook(fill)


def huge_number_cell_xlsx() -> bytes:
    """A birthday cell holding a 400-digit integer (a program wrote it; Excel never would)."""
    def fill(workbook):
        sheet = workbook.active
        sheet.append(["Họ tên", "Ngày sinh", "Số điện thoại"])
        sheet.append(["Nguyễn Văn An", 424242, "0913200001"])
        sheet.append(["Trần Thị Bình", dt.datetime(1985, 2, 1), "0913200002"])
    return _patch_sheet(_workbook(fill), b"<v>424242</v>", b"<v>" + b"9" * 400 + b"</v>")


def bad_cells_xlsx() -> bytes:
    """One row per kind of bad cell (row numbers in cases.py), between good rows."""
    def fill(workbook):
        sheet = workbook.active
        sheet.title = "Khách hàng"
        sheet["A1"] = "DANH SÁCH KHÁCH HÀNG (có ô sai)"
        sheet.append(["STT", "Họ tên", "Số điện thoại", "Ngày sinh", "Email", "Giới tính",
                      "Ghi chú"])
        rows = [  # the row number in the sheet, for cases.py, at the end of each line
            ("Nguyễn Thị Thu Hà", "0912 345 678", dt.datetime(1990, 3, 12), "ha@example.vn", "Nữ",
             "tốt"),  # 3
            ("Trần Văn Bình", "09l2.345.679", None, None, "Nam", "chữ l trong số"),  # 4
            ("Lê Văn Cường", "12345", None, None, None, "quá ngắn"),  # 5
            ("Phạm Thị Dung", "0912345678901234567890", None, None, None, "quá dài"),  # 6
            ("Hoàng Văn Em", "0913300006", "31/02/2020", None, None, "ngày không có"),  # 7
            ("Vũ Thị Giang", "0913300007", dt.datetime(2099, 1, 1), None, None,
             "sinh ở tương lai"),  # 8
            ("Đặng Văn Hải", "0913300008", "abc", None, None, "không phải ngày"),  # 9
            ("Bùi Thị Lan", "0913300009", 99999999, None, None, "số quá lớn"),  # 10
            ("Đỗ Văn Minh", "0913300010", 3_000_000, None, None, "serial ngoài lịch"),  # 11
            ("Hồ Thị Ngọc", "0913300011", -1, None, None, "serial âm"),  # 12
            ("Ngô Văn Phúc", "0913300012", None, "phuc.example.vn", None, "email thiếu @"),  # 13
            ("Dương Thị Quỳnh", "0913300013", None, None, "Không biết", "giới tính lạ"),  # 14
            (None, "0913300014", None, None, None, "tên là công thức (chữ)"),  # 15
            ("Lý Văn Sơn", None, None, None, None, "SĐT là lệnh DDE"),  # 16
            (None, "0913300016", None, None, "Nam", "tên là công thức thật"),  # 17
            (EMOJI_NAME, "0913300017", None, None, None, "emoji"),  # 18
            (NFD_NAME, "0913300018", None, None, "nữ", "NFD"),  # 19
            (RTL_NAME, "0913300019", None, None, None, "ký tự đảo chiều"),  # 20
            ("Mai Văn Tài", "0913300020", 33000, None, None, "serial đúng"),  # 21
            ("Chu Thị Uyên", 913300021, "25/12/1990", None, None, "SĐT mất số 0"),  # 22
        ]
        for number, (name, phone, birthday, email, gender, note) in enumerate(rows, 1):
            sheet.append([number, name, phone, birthday, email, gender, note])
        sheet["D11"].number_format = "dd/mm/yyyy"  # 3,000,000 days: past year 9999
        _text_cell(sheet, "B15", HYPERLINK)
        _text_cell(sheet, "C16", DDE)
        sheet["B17"] = "=C17&D17"  # a real formula, no cached value: reads as empty
        sheet.append(["Tổng cộng", None, None, None, None, None, "20 khách"])
    return _workbook(fill)


# -- broken CSVs ------------------------------------------------------------------------

def empty() -> bytes:
    return b""


def bom_only_csv() -> bytes:
    return b"\xef\xbb\xbf"


def blank_lines_csv() -> bytes:
    return b",,,\r\n\r\n   \r\n;;\r\n"


def headers_only_csv() -> bytes:
    return _csv(["STT,Họ tên,Số điện thoại,Email"])


def utf16_no_bom_csv() -> bytes:
    """Excel's "Unicode text": UTF-16 little-endian and tabs, here without the BOM."""
    return _csv(["Họ tên\tĐiện thoại\tGhi chú", "Nguyễn Thị Thu Hà\t0913400001\tkhách quen",
                 "Trần Đức Bình\t0913400002\t", "Lê Thị Ánh Tuyết\t0913400003\tđịa chỉ cũ"],
                encoding="utf-16-le")


def nul_in_utf16_csv() -> bytes:
    return _csv(["Họ tên,Điện thoại", "Nguyễn\x00Văn An,0913500001", "Trần Thị Bình,0913500002"],
                encoding="utf-16")


def invalid_utf8_csv() -> bytes:
    """UTF-8 with a byte in the middle that is neither UTF-8 nor Windows-1258."""
    return (_csv(["Họ tên,Điện thoại", "Nguyễn Văn An,0912345678"])
            + b"Tr\x81n Th\x90 B\xecnh,0912345679\r\n" + _csv(["Lê Văn Cường,0912345670"]))


def mixed_encoding_csv() -> bytes:
    """UTF-8 with one row pasted from a Latin-1 file: valid Windows-1258, wrong text."""
    return (_csv(["Name,Phone,Notes", "Nguyễn Văn Anh,0913600001,khách quen",
                  "Lê Thị Hoa,0913600002,"])
            + b"Tr\xc3\xa2n Caf\xe9,0913600003,Caf\xe9 S\xc3\xa0i G\xc3\xb2n\r\n")


def concatenated_csv() -> bytes:
    """Two UTF-8 exports joined: the second one's BOM and header line are now data."""
    export = ["Họ tên,Điện thoại"]
    return (_csv([*export, "Nguyễn Văn An,0914100001"], encoding="utf-8-sig")
            + _csv([*export, "Trần Thị Bình,0914100002"], encoding="utf-8-sig"))


def nul_bytes_csv() -> bytes:
    return _csv(["Ho ten,Dien thoai", "Nguyen Van An,0912345678"]).replace(b"An", b"A\x00n")


def mixed_line_endings_csv() -> bytes:
    return ("Họ tên,Điện thoại\r\nNguyễn Văn An,0913700001\nTrần Thị Bình,0913700002\r"
            "Lê Văn Cường,không có\r\nPhạm Thị Dung,0913700004\n").encode()


def unbalanced_quotes_csv() -> bytes:
    return _csv(["Họ tên,Điện thoại,Ghi chú", '"Nguyễn Văn An,0913800001,quên đóng ngoặc kép',
                 "Lê Thị Bình,0913800002,", "Trần Văn Cường,0913800003,"])


def png_named_csv() -> bytes:
    return _png()


def xlsx_named_csv() -> bytes:
    return _good_workbook()


def bad_cells_csv() -> bytes:
    """Text-only bad cells: control characters, formulas as text, NFD (rows in cases.py)."""
    return _csv([
        "Họ tên,Điện thoại,Ngày sinh,Email,Giới tính,Ghi chú",
        "Phạm Văn Long,0987 111 222,25/12/1990,long@example.vn,Nam,",  # 2
        "Trịnh Văn Mạnh,0987abc222,,,,",  # 3
        "Tạ Thị Na,0987111224,31/02/2020,,,",  # 4
        "Lương Văn Ổn,0987111225,01/01/2099,,,",  # 5
        "Quách Thị Phương,0987111226,abc,,,",  # 6
        "Kiều Văn Quang,0987111227,,quang.example.vn,,",  # 7
        "Mạc Thị Rạng,0987111228,,,Không biết,",  # 8
        f"{CONTROL_NAME},0987111229,,,,\"dòng 1\x1bdòng 2\"",  # 9
        f"\"{HYPERLINK.replace(chr(34), chr(34) * 2)}\",0987111230,,,,",  # 10
        f"Âu Văn Sang,\"{DDE}\",,,,",  # 11
        f"{RTL_NAME},0987111232,,,,",  # 12
        f"{NFD_NAME},0987111233,,,Nữ,",  # 13
        f"{EMOJI_NAME},0987111234,,,,",  # 14
        "Khổng Văn Tú,0987111235,99999999,,,",  # 15
        "Ông Thị Vân,12345,,,,",  # 16
    ])


def unsafe_rejects_csv() -> bytes:
    """Rejected rows holding formulas and control characters: the rejects file must not
    turn them into live formulas, nor fail on them."""
    return _csv([
        "Họ tên,Điện thoại,Ghi chú",
        f"Lý Văn Sơn,\"{DDE}\",SĐT là lệnh DDE",  # 2
        f"\"{HYPERLINK.replace(chr(34), chr(34) * 2)}\",09,tên là công thức",  # 3
        f"{CONTROL_NAME},abc,ký tự điều khiển",  # 4
        "\"@SUM(1+1)*cmd|' /C calc'!A0\",12,bắt đầu bằng @",  # 5
        "Lê Thị Bình,0914300001,",  # 6
    ])


def superscript_digit_csv() -> bytes:
    """Names with characters Python calls digits that int() refuses (², ③)."""
    return _csv(["Tên khách hàng,Điện thoại", "Nhà hàng Mặt Trời²,0914200001",
                 "Trần Thị Bình,0914200002", "Tiệm bánh ③ Chị Em,0914200003"])


def long_values_csv() -> bytes:
    """A 10,000-character name and a 400-character address: longer than the columns."""
    return _csv(["Họ tên,Điện thoại,Địa chỉ", "Nguyễn " + "Văn " * 2_498 + "An,0913900001,Hà Nội",
                 "Trần Thị Bình,0913900002," + "số 1 ngõ 2 " * 40, "Lê Văn Cường,0913900003,Huế"])


def huge_field_csv() -> bytes:
    """One 2 MB cell on the first data line (inside the lines the delimiter guess reads)."""
    return _csv(["Họ tên,Điện thoại,Ghi chú", "Nguyễn Văn An,0914000001," + "x" * HUGE_FIELD,
                 "Trần Thị Bình,0914000002,"])


def huge_field_late_csv() -> bytes:
    """The same 2 MB cell on line 30, after the lines the delimiter guess reads."""
    lines = ["Họ tên,Điện thoại,Ghi chú"]
    lines += [f"Khách {i},09140001{i:02d}," for i in range(28)]
    lines.append("Nguyễn Văn An,0914000201," + "x" * HUGE_FIELD)
    return _csv(lines)


# -- vCard, and neither spreadsheet nor CSV --------------------------------------------------------

def vcard() -> bytes:
    return _csv(["BEGIN:VCARD", "VERSION:3.0", "FN:Nguyễn Thị Thu Hà", "N:Nguyễn;Hà;Thị Thu;;",
                 "TEL;TYPE=CELL:0912 345 678", "BDAY:1990-03-12", "END:VCARD"])


def vcard_truncated() -> bytes:
    """A phone export cut short inside its second contact (an interrupted transfer)."""
    return _csv(["BEGIN:VCARD", "VERSION:2.1", "FN:Lê Văn Cường", "TEL;CELL:0903000101",
                 "END:VCARD", "BEGIN:VCARD", "VERSION:2.1",
                 "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=54=72=E1=BA=A7=6E=20=54=68=E1=BB=8B=",
                 "=20=42=C3=AC"])


def vcard_not_vcard() -> bytes:
    """A CSV file renamed .vcf."""
    return _csv(["Họ tên,Điện thoại", "Nguyễn Văn An,0903000111"])


def vcard_bad_contacts() -> bytes:
    """Contacts with a phone that is not one and a bad birthday, between good ones."""
    return _csv(["BEGIN:VCARD", "VERSION:3.0", "FN:Phạm Thị Dung", "TEL:0903000121", "END:VCARD",
                 "BEGIN:VCARD", "VERSION:3.0", "FN:Số lạ", "TEL:12ab", "END:VCARD",
                 "BEGIN:VCARD", "VERSION:3.0", "FN:Hoàng Văn Em", "TEL:0903000122",
                 "BDAY:1990-02-31", "END:VCARD",
                 "BEGIN:VCARD", "VERSION:3.0", "N:Vũ;Giang;Thị;;", "TEL:0903000123", "END:VCARD"])


def unknown_suffix() -> bytes:
    return _csv(["Họ tên,Điện thoại", "Nguyễn Văn An,0912345678"])


FILES: dict[str, Callable[[], bytes]] = {
    "text_named.xlsx": text_named_xlsx,
    "truncated.xlsx": truncated_xlsx,
    "zip_not_workbook.xlsx": zip_not_workbook,
    "html_table.xlsx": html_named_xlsx,
    "encrypted.xlsx": encrypted_xlsx,
    "empty.xlsx": empty,
    "no_data.xlsx": no_data_xlsx,
    "title_only.xlsx": title_only_xlsx,
    "headers_only.xlsx": headers_only_xlsx,
    "no_known_header.xlsx": no_known_header_xlsx,
    "duplicate_headers.xlsx": duplicate_headers_xlsx,
    "huge_number_cell.xlsx": huge_number_cell_xlsx,
    "bad_cells.xlsx": bad_cells_xlsx,
    "old_format.xls": old_xls,
    "empty.csv": empty,
    "bom_only.csv": bom_only_csv,
    "blank_lines.csv": blank_lines_csv,
    "headers_only.csv": headers_only_csv,
    "utf16_no_bom.csv": utf16_no_bom_csv,
    "nul_in_utf16.csv": nul_in_utf16_csv,
    "invalid_utf8.csv": invalid_utf8_csv,
    "mixed_encoding.csv": mixed_encoding_csv,
    "concatenated.csv": concatenated_csv,
    "nul_bytes.csv": nul_bytes_csv,
    "mixed_line_endings.csv": mixed_line_endings_csv,
    "unbalanced_quotes.csv": unbalanced_quotes_csv,
    "png_named.csv": png_named_csv,
    "xlsx_named.csv": xlsx_named_csv,
    "bad_cells.csv": bad_cells_csv,
    "unsafe_rejects.csv": unsafe_rejects_csv,
    "superscript_digit.csv": superscript_digit_csv,
    "long_values.csv": long_values_csv,
    "huge_field.csv": huge_field_csv,
    "huge_field_late.csv": huge_field_late_csv,
    "contacts.vcf": vcard,
    "truncated.vcf": vcard_truncated,
    "csv_named.vcf": vcard_not_vcard,
    "bad_contacts.vcf": vcard_bad_contacts,
    "khach_hang.numbers": unknown_suffix,
    "khach_hang": unknown_suffix,
}
# Too big to commit: written by the test into its temporary folder.
GENERATED = ("huge_field.csv", "huge_field_late.csv")


def build(name: str, folder: Path) -> Path:
    """Write one corpus file into `folder`."""
    path = Path(folder) / name
    path.write_bytes(FILES[name]())
    return path


def main(folder: Path = HERE) -> list[Path]:
    """Write every committed corpus file; returns their paths."""
    return [build(name, folder) for name in FILES if name not in GENERATED]


if __name__ == "__main__":
    written = main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"{len(written)} files, {sum(p.stat().st_size for p in written):,} bytes")
