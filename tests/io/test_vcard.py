"""vCard contacts (.vcf 2.1 and 3.0) read into the same table as a spreadsheet."""

from __future__ import annotations

import datetime as dt
import quopri
from pathlib import Path

import pytest

from shopcrm.core.errors import KnownError
from shopcrm.db.models import Customer
from shopcrm.io.importer import plan_import, plan_table, run_import
from shopcrm.io.readers import read_table

NAME = "Nguyễn Thị Thu Hà"


def qp(text: str) -> str:
    """Quoted-printable UTF-8 as Android writes it (every byte escaped)."""
    return "".join(f"={byte:02X}" for byte in text.encode("utf-8"))


def write(tmp_path: Path, lines: list[str], name: str = "contacts.vcf",
          newline: str = "\r\n", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def rows_of(path: Path) -> list[dict]:
    table = read_table(path)
    return [dict(zip(table.headers, row)) for row in table.rows]


ANDROID_21 = [
    "BEGIN:VCARD", "VERSION:2.1",
    f"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{qp('Nguyễn')};{qp('Hà')};{qp('Thị Thu')};;",
    # A long value cut by soft line breaks ("=" at the end of the line).
    f"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{qp('Nguyễn Thị')}=",
    f"{qp(' Thu Hà')}",
    "TEL;CELL;PREF:0912 345 678", "TEL;HOME:+84 987 654 321", "TEL;WORK:028 1234 5678",
    "TEL;CELL:0912345678",
    "EMAIL;HOME:ha@example.vn", "EMAIL;WORK:ha.work@example.vn",
    f"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:{qp('Khách quen, thích hoa hồng')}",
    f"ADR;HOME;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;{qp('12 Lê Lợi')};{qp('Quận 1')};"
    f"{qp('Hồ Chí Minh')};;{qp('Việt Nam')}",
    "PHOTO;ENCODING=BASE64;JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsL",
    " DBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgN",
    "",
    "END:VCARD",
]

IPHONE_30 = [
    "BEGIN:VCARD", "VERSION:3.0", "PRODID:-//Apple Inc.//iPhone OS 17.0//EN",
    "N:Trần;Đức;Văn;;", "FN:Trần Văn Đức",
    "ORG:Cửa hàng Điện máy Đức\\, Chi nhánh 2;",
    "item1.TEL;type=pref:090 111 2222", "TEL;TYPE=CELL,VOICE:0903 222 333",
    "EMAIL;type=INTERNET;type=HOME;type=pref:duc@example.vn",
    "BDAY;VALUE=date:1985-12-31",
    "ADR;TYPE=HOME:;Tầng 3;45 Nguyễn Huệ;Quận 1;Hồ Chí",
    "  Minh;700000;Việt Nam",
    "NOTE:Gọi buổi sáng\\nKhông gọi Chủ nhật",
    "CATEGORIES:VIP,Bạn bè",
    "END:VCARD",
]


def test_android_21_quoted_printable_names_and_several_phones(tmp_path):
    (row,) = rows_of(write(tmp_path, ANDROID_21))
    assert row["Name"] == NAME
    assert (row["Phone"], row["Phone 2"]) == ("0912 345 678", "+84 987 654 321")
    assert row["Email"] == "ha@example.vn"
    # Nothing the phone held is lost: the third number and the second email go to the notes.
    assert row["Notes"] == ("Khách quen, thích hoa hồng\nOther phones: 028 1234 5678\n"
                            "Other emails: ha.work@example.vn")
    assert (row["Address"], row["Province"]) == ("12 Lê Lợi, Quận 1", "Hồ Chí Minh")


def test_iphone_30_folded_lines_escapes_and_structured_values(tmp_path):
    (row,) = rows_of(write(tmp_path, IPHONE_30, newline="\n"))
    assert row["Name"] == "Trần Văn Đức"
    assert (row["Phone"], row["Phone 2"]) == ("090 111 2222", "0903 222 333")
    assert row["Birthday"] == "1985-12-31"
    assert row["Company"] == "Cửa hàng Điện máy Đức, Chi nhánh 2"
    assert (row["Address"], row["Province"]) == ("Tầng 3, 45 Nguyễn Huệ, Quận 1", "Hồ Chí Minh")
    assert row["Notes"] == "Gọi buổi sáng\nKhông gọi Chủ nhật"
    assert row["Groups"] == "VIP|Bạn bè"


def test_a_file_of_several_contacts_gives_one_row_each_numbered_by_its_line(tmp_path):
    path = write(tmp_path, ANDROID_21 + IPHONE_30 + [
        "BEGIN:VCARD", "VERSION:3.0", "N:;Lan;;;", "TEL:0903000003", "BDAY:--03-12", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "N:Lê;Bình;;;", "BDAY:19900312", "END:VCARD"])
    table = read_table(path)
    assert table.row_numbers == [1, len(ANDROID_21) + 1, len(ANDROID_21 + IPHONE_30) + 1,
                                 len(ANDROID_21 + IPHONE_30) + 7]
    names = [row[table.headers.index("Name")] for row in table.rows]
    assert names == [NAME, "Trần Văn Đức", "Lan", "Lê Bình"]
    rows = [dict(zip(table.headers, row)) for row in table.rows]
    # A birthday without a year (phones allow it) is kept in the notes, not a rejected row.
    assert rows[2]["Birthday"] is None and rows[2]["Notes"] == "Birthday: 12/03"
    assert rows[3]["Birthday"] == "1990-03-12"


def test_n_only_names_are_written_family_middle_given(tmp_path):
    path = write(tmp_path, ["BEGIN:VCARD", "VERSION:3.0", "N:Nguyễn;Hà;Thị Thu;;",
                            "TEL:0912345678", "END:VCARD"])
    assert rows_of(path)[0]["Name"] == NAME


def test_decomposed_utf8_and_a_bom_read_as_nfc(tmp_path):
    import unicodedata

    lines = ["BEGIN:VCARD", "VERSION:3.0", "FN:" + unicodedata.normalize("NFD", NAME),
             "TEL:0912345678", "END:VCARD"]
    path = tmp_path / "bom.vcf"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    assert rows_of(path)[0]["Name"] == NAME


def test_the_columns_map_automatically_and_the_rows_import(db, tmp_path):
    path = write(tmp_path, ANDROID_21 + IPHONE_30)
    plan = plan_import(path)
    assert set(plan.mapping.values()) >= {"name", "phone", "phone2", "email", "birthday",
                                          "address", "province", "company", "notes", "tags"}
    assert plan.error_count == 0
    result = run_import(plan)
    assert (result.created, result.rejected) == (2, 0)
    ha = Customer.get(Customer.name == NAME)
    assert (ha.phone, ha.phone2, ha.email) == ("0912345678", "0987654321", "ha@example.vn")
    duc = Customer.get(Customer.phone == "0901112222")
    assert duc.birthday == dt.date(1985, 12, 31) and duc.province == "Hồ Chí Minh"


def test_a_contact_with_a_bad_phone_is_rejected_with_the_reason(tmp_path):
    path = write(tmp_path, ["BEGIN:VCARD", "VERSION:3.0", "FN:Số lạ", "TEL:12ab", "END:VCARD",
                            "BEGIN:VCARD", "VERSION:3.0", "FN:Mai Anh", "TEL:0903000001",
                            "END:VCARD"])
    plan = plan_table(read_table(path), path)
    assert [row.row_number for row in plan.rows if row.values is None] == [1]
    assert "12ab" in str(plan.rows[0].errors[0].error)


@pytest.mark.parametrize("lines,message", [
    (["Họ tên,Điện thoại", "An,0912345678"], "is not a vCard contacts file"),
    (["BEGIN:VCARD", "VERSION:2.1", "FN:An", "TEL:0912345678", "END:VCARD", "BEGIN:VCARD",
      "VERSION:2.1", "FN:Bình"], "the contact that starts on line 6 never ends"),
    (["BEGIN:VCARD", "VERSION:3.0", "FN:An", "BEGIN:VCARD", "FN:Bình", "END:VCARD"],
     "the contact that starts on line 1 never ends"),
    (["END:VCARD"], "is not a vCard contacts file"),
    (["BEGIN:VCARD", "VERSION:3.0", "END:VCARD"], "is empty"),
    (["", "  "], "is empty"),
])
def test_broken_vcards_are_refused_with_one_sentence(tmp_path, lines, message):
    path = write(tmp_path, lines, name="broken.vcf")
    with pytest.raises(KnownError) as info:
        read_table(path)
    assert message in str(info.value) and "broken.vcf" in str(info.value)


def test_a_binary_file_named_vcf_is_refused(tmp_path):
    path = tmp_path / "photo.vcf"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(KnownError) as info:
        read_table(path)
    assert "is not a vCard contacts file" in str(info.value)


def test_quoted_printable_in_another_charset(tmp_path):
    data = quopri.encodestring("L\u00ea \u0110\u01b0\u0301c".encode("cp1258")).decode("ascii")
    path = write(tmp_path, ["BEGIN:VCARD", "VERSION:2.1",
                            f"FN;CHARSET=windows-1258;ENCODING=QUOTED-PRINTABLE:{data}",
                            "TEL:0912345678", "END:VCARD"])
    assert rows_of(path)[0]["Name"] == "Lê Đức"
