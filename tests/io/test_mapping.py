"""Guessing which column is which from the headers shops and other programs write."""

from __future__ import annotations

import pytest

from shopcrm.io.mapping import (
    IGNORED, TARGET_FIELDS, auto_map, field_for_header, header_key, is_known_header,
    mapping_by_header,
)


def fields_of(headers: list[str]) -> dict[str, str]:
    """{header: field} for the mapped columns, easier to read in assertions."""
    return {headers[index]: name for index, name in auto_map(headers).items()}


@pytest.mark.parametrize("header,field", [
    ("Họ tên", "name"), ("Họ và tên", "name"), ("HỌ VÀ TÊN", "name"), ("ho va ten", "name"),
    ("Tên khách hàng", "name"), ("Tên KH", "name"), ("Khách hàng", "name"), ("Name", "name"),
    ("Full name", "name"), ("Customer name", "name"),
    ("SĐT", "phone"), ("S.Đ.T", "phone"), ("Số điện thoại", "phone"), ("Điện thoại", "phone"),
    ("Di động", "phone"), ("ĐT", "phone"), ("Phone", "phone"), ("Mobile", "phone"),
    ("Mobile Phone", "phone"), ("Phone 1 - Value", "phone"),
    ("Điện thoại 2", "phone2"), ("Phone 2", "phone2"),
    ("Email", "email"), ("E-mail", "email"), ("E-mail 1 - Value", "email"),
    ("Thư điện tử", "email"),
    ("Ngày sinh", "birthday"), ("Sinh nhật", "birthday"), ("Birthday", "birthday"),
    ("Date of birth", "birthday"), ("DOB", "birthday"),
    ("Giới tính", "gender"), ("Gender", "gender"),
    ("Địa chỉ", "address"), ("Address", "address"), ("Address 1", "address"),
    ("Phường/Xã", "ward"), ("Phường - Xã", "ward"), ("Ward", "ward"),
    ("Quận/Huyện", "district"), ("District", "district"),
    ("Tỉnh/Thành phố", "province"), ("Tỉnh", "province"), ("Thành phố", "province"),
    ("City", "province"), ("Province", "province"), ("Khu vực giao hàng", "province"),
    ("Mã khách hàng", "code"), ("Mã KH", "code"), ("Code", "code"), ("Customer code", "code"),
    ("Loại khách", "kind"), ("Công ty", "company"), ("Company", "company"),
    ("Mã số thuế", "tax_code"), ("Tax code", "tax_code"),
    ("Ghi chú", "notes"), ("Notes", "notes"), ("Note", "notes"),
    ("Nhóm khách hàng", "tags"), ("Tags", "tags"), ("Groups", "tags"), ("Labels", "tags"),
    ("Facebook", "facebook"), ("Zalo", "zalo"), ("Nguồn", "source"), ("Source", "source"),
    ("First Name", "first_name"), ("Last Name", "last_name"), ("Middle Name", "middle_name"),
    ("STT", IGNORED), ("No.", IGNORED), ("Số CMND/CCCD", IGNORED),
    ("Tổng bán (Không import)", IGNORED),
])
def test_header_variants(header, field):
    assert field_for_header(header) == field
    assert is_known_header(header)


@pytest.mark.parametrize("header", ["", None, "#", "Màu yêu thích", "Column 7", "Số lượng"])
def test_unknown_headers(header):
    assert field_for_header(header) is None
    assert not is_known_header(header)


def test_header_key_folds_tones_d_case_and_punctuation():
    assert header_key("  SĐT  ") == "sdt"
    assert header_key("Phường/Xã") == header_key("phuong xa") == "phuongxa"
    assert header_key("E-mail 1 - Value") == "email1value"


def test_kiotviet_template():
    headers = ["Loại khách", "Mã khách hàng", "Tên khách hàng", "Điện thoại", "Địa chỉ",
               "Khu vực giao hàng", "Phường/Xã", "Công ty", "Mã số thuế", "Số CMND/CCCD",
               "Ngày sinh", "Giới tính", "Email", "Facebook", "Nhóm khách hàng", "Ghi chú",
               "Ngày giao dịch cuối", "Nợ cần thu hiện tại", "Tổng bán (Không import)", "Trạng thái"]
    assert fields_of(headers) == {
        "Loại khách": "kind", "Mã khách hàng": "code", "Tên khách hàng": "name",
        "Điện thoại": "phone", "Địa chỉ": "address", "Khu vực giao hàng": "province",
        "Phường/Xã": "ward", "Công ty": "company", "Mã số thuế": "tax_code",
        "Ngày sinh": "birthday", "Giới tính": "gender", "Email": "email",
        "Facebook": "facebook", "Nhóm khách hàng": "tags", "Ghi chú": "notes",
    }


def test_google_contacts_export():
    headers = ["First Name", "Middle Name", "Last Name", "Phonetic First Name", "Nickname",
               "Organization Name", "Birthday", "Notes", "Labels", "E-mail 1 - Label",
               "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label",
               "Phone 2 - Value", "Phone 3 - Value", "Address 1 - Formatted",
               "Address 1 - Street", "Address 1 - City", "Address 1 - Region"]
    assert fields_of(headers) == {
        "First Name": "first_name", "Middle Name": "middle_name", "Last Name": "last_name",
        "Organization Name": "company", "Birthday": "birthday", "Notes": "notes",
        "Labels": "tags", "E-mail 1 - Value": "email", "Phone 1 - Value": "phone",
        "Phone 2 - Value": "phone2", "Address 1 - Formatted": "address",
        "Address 1 - Region": "province",
    }


def test_sapo_headers():
    headers = ["First Name", "Last Name", "Email", "Company", "Address 1", "Address 2",
               "City", "Province", "Country", "Zip", "Phone", "Tags"]
    assert fields_of(headers) == {
        "First Name": "first_name", "Last Name": "last_name", "Email": "email",
        "Company": "company", "Address 1": "address", "Province": "province",
        "Phone": "phone", "Tags": "tags",
    }


def test_each_field_once_best_spelling_first_and_second_phone_becomes_phone2():
    headers = ["STT", "Thành phố", "Họ tên", "Di động", "SĐT", "Tỉnh/Thành phố", "Tên", "Email",
               "Mail", "Số lượng"]
    assert fields_of(headers) == {
        "Tỉnh/Thành phố": "province", "Họ tên": "name", "SĐT": "phone", "Di động": "phone2",
        "Email": "email",
    }


def test_family_and_given_name_columns():
    assert fields_of(["STT", "Họ", "Tên", "SĐT"]) == {"Họ": "last_name", "Tên": "first_name",
                                                       "SĐT": "phone"}
    assert fields_of(["Họ đệm", "Tên"]) == {"Họ đệm": "last_name", "Tên": "first_name"}
    assert fields_of(["Tên", "SĐT"]) == {"Tên": "name", "SĐT": "phone"}


def test_targets_cover_every_editable_field_and_the_extras():
    from shopcrm.core.customers import EDITABLE

    assert set(EDITABLE) < set(TARGET_FIELDS)
    assert {"code", "first_name", "middle_name", "last_name", "company", "tags"} < set(TARGET_FIELDS)


def test_mapping_by_header_for_the_batch_record():
    headers = ["Họ tên", "", "SĐT", "SĐT"]
    assert mapping_by_header(headers, {0: "name", 1: "notes", 2: "phone", 3: "phone2"}) == {
        "Họ tên": "name", "#2": "notes", "SĐT": "phone", "#4 SĐT": "phone2"}
