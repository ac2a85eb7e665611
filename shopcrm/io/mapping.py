"""Which spreadsheet column holds which customer field, guessed from the headers.

Shops bring files from KiotViet, Sapo, Google Contacts, Outlook and hand-kept
notebooks, so one field has many header spellings in two languages. Headers are
compared folded (no tones, đ -> d, lower case) with every non-alphanumeric
character removed, so "Phường/Xã", "phuong xa" and "PHƯỜNG - XÃ" are one key.

Targets are the customer fields of `core.customers.EDITABLE` plus:
- "code": the customer code (KH000008), kept when free, generated when blank;
- "first_name" / "middle_name" / "last_name": split name columns (Google, Sapo,
  Outlook). For Vietnamese people the *last* name is the family name, so the
  importer joins them as "last middle first" ("Nguyễn" "Thị" "Hà" -> "Nguyễn Thị Hà");
- "company": KiotViet's "Công ty" and the exports' "Company". There is no company
  field: an organisation row without a name takes it as its name, otherwise it is
  kept in the notes as "<header>: <company>" (nothing the shop typed is lost);
- "tags": groups and labels, split on | , ; (and Google's ":::").

Headers that are known but deliberately not imported (STT, KiotViet's debt and
sales totals, ID-card numbers: personal data the shop does not need here) map to
IGNORED: they still help to recognise the header row.
"""

from __future__ import annotations

import re

from shopcrm.core.customers import EDITABLE
from shopcrm.core.text import fold

IGNORED = ""
EXTRA_FIELDS = ("code", "first_name", "middle_name", "last_name", "company", "tags")
# Every field a column may be mapped to, for the wizard's choice lists.
TARGET_FIELDS: tuple[str, ...] = ("code", *EDITABLE, *EXTRA_FIELDS[1:])

_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# field -> header spellings; the earlier spellings win when two columns compete.
_VARIANTS: dict[str, tuple[str, ...]] = {
    "name": ("Họ tên", "Họ và tên", "Tên khách hàng", "Tên KH", "Khách hàng", "Họ tên khách hàng",
             "Tên khách", "Name", "Full name", "Customer name", "Customer", "Tên"),
    "last_name": ("Họ", "Họ đệm", "Họ lót", "Last Name", "Family Name", "Surname"),
    "middle_name": ("Tên đệm", "Middle Name", "Additional Name"),
    "first_name": ("First Name", "Given Name"),
    "phone": ("Số điện thoại", "SĐT", "SĐT 1", "Điện thoại", "Điện thoại 1", "Di động", "ĐT",
              "Số ĐT", "ĐTDĐ", "Phone", "Mobile", "Mobile Phone", "Phone number", "Telephone",
              "Tel", "Phone 1 - Value", "Primary Phone"),
    "phone2": ("Điện thoại 2", "SĐT 2", "Số điện thoại 2", "Điện thoại bàn", "Phone 2",
               "Phone 2 - Value", "Home Phone", "Business Phone", "Other Phone"),
    "email": ("Email", "E-mail", "E-mail 1 - Value", "Thư điện tử", "Mail", "E-mail Address",
              "Email address"),
    "birthday": ("Ngày sinh", "Sinh nhật", "Birthday", "Date of birth", "DOB", "Birth date"),
    "gender": ("Giới tính", "Gender", "Sex", "Phái"),
    "address": ("Địa chỉ", "Address", "Address 1", "Địa chỉ giao hàng", "Address 1 - Formatted",
                "Address 1 - Street", "Home Street", "Street"),
    "ward": ("Phường/Xã", "Phường", "Xã", "Ward"),
    "district": ("Quận/Huyện", "Quận", "Huyện", "District"),
    "province": ("Tỉnh/Thành phố", "Tỉnh/TP", "Tỉnh", "Province", "Khu vực giao hàng", "Khu vực",
                 "Thành phố", "Province/City", "City", "Address 1 - Region", "Address 1 - City", "Home City"),
    "code": ("Mã khách hàng", "Mã KH", "Mã", "Code", "Customer code", "Customer ID"),
    "kind": ("Loại khách", "Loại khách hàng", "Loại KH", "Customer type", "Kind"),
    "org_type": ("Loại hình tổ chức", "Loại hình doanh nghiệp", "Loại hình", "Organisation type",
                 "Organization type"),
    "relation": ("Quan hệ", "Relation", "Relationship"),
    "role_buyer": ("Người mua", "Buyer"),
    "role_user": ("Người sử dụng", "Người dùng", "User"),
    "role_beneficiary": ("Người thụ hưởng", "Người hưởng lợi", "Beneficiary"),
    "income": ("Thu nhập", "Mức thu nhập", "Income"),
    "area": ("Địa bàn", "Địa bàn sống", "Area"),
    "company": ("Công ty", "Tên công ty", "Company", "Organization 1 - Name", "Organization Name",
                "Organisation"),
    "tax_code": ("Mã số thuế", "MST", "Tax code", "Tax ID", "VAT number"),
    "notes": ("Ghi chú", "Notes", "Note", "Lưu ý"),
    "tags": ("Nhóm khách hàng", "Nhóm KH", "Nhóm", "Nhãn", "Tags", "Tag", "Groups", "Group",
             "Labels", "Customer groups", "Group Membership", "Categories", "Sở thích"),
    "facebook": ("Facebook", "FB", "Link Facebook"),
    "zalo": ("Zalo", "Số Zalo"),
    "source": ("Nguồn", "Nguồn khách", "Nguồn khách hàng", "Kênh", "Source"),
    "honorific": ("Xưng hô", "Danh xưng", "Honorific"),
    "referred_by": ("Người giới thiệu", "Mã người giới thiệu", "Referred by"),
    IGNORED: ("STT", "TT", "Số TT", "Số thứ tự", "No.", "Số CMND/CCCD", "CMND", "CCCD",
              "Ngày giao dịch cuối", "Nợ cần thu hiện tại", "Tổng bán", "Tổng bán (Không import)",
              "Tổng bán trừ trả hàng", "Trạng thái", "Chi nhánh tạo", "Người tạo", "Ngày tạo",
              "Điểm hiện tại", "Tổng điểm", "Số ngày nợ", "Lỗi", "Error", "Phone 1 - Type",
              "Phone 1 - Label", "E-mail 1 - Type", "E-mail 1 - Label", "Country",
              # the derived, read-only columns of ShopCRM's own export (io.export)
              "Created on", "Nhóm tuổi", "Age group", "Phân khúc", "Funnel segment",
              "Hạng giá trị", "Value tier", "Số lần mua", "Purchase count", "Tổng chi tiêu",
              "Total spent", "Lần mua cuối", "Last purchase", "Đánh giá trung bình",
              "Average rating"),
}


def header_key(header: object) -> str:
    """The comparison key of a header: folded, letters and digits only ("SĐT 2" -> "sdt2")."""
    return _NON_ALNUM.sub("", fold(str(header))) if header is not None else ""


# key -> (field, rank); a key listed under two fields keeps the first.
_TABLE: dict[str, tuple[str, int]] = {}
for _field, _spellings in _VARIANTS.items():
    for _rank, _spelling in enumerate(_spellings):
        if header_key(_spelling):
            _TABLE.setdefault(header_key(_spelling), (_field, _rank))


def field_for_header(header: object) -> str | None:
    """The field a header names, IGNORED ("") for a known column not imported, else None."""
    found = _TABLE.get(header_key(header))
    return found[0] if found else None


def is_known_header(header: object) -> bool:
    """True when the header is one of the spellings above (used to find the header row)."""
    return header_key(header) in _TABLE


def auto_map(headers: list[str]) -> dict[int, str]:
    """Column index -> field for the recognised columns; each field is used at most once.

    When several columns name one field, the better-ranked spelling wins ("Tỉnh/Thành
    phố" beats "City"), then the leftmost column. A second phone column that only says
    "phone" becomes phone2. A lone "Tên" next to a "Họ" column is the given name.
    """
    candidates = []
    for index, header in enumerate(headers):
        found = _TABLE.get(header_key(header))
        if found and found[0] != IGNORED:
            candidates.append((found[1], index, found[0]))
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for _rank, index, field in sorted(candidates):
        if field == "phone" and "phone" in used:
            field = "phone2"
        if field in used:
            continue
        mapping[index] = field
        used.add(field)
    if "last_name" in used and "first_name" not in used:
        for index, field in mapping.items():
            if field == "name" and header_key(headers[index]) == "ten":
                mapping[index] = "first_name"
    return dict(sorted(mapping.items()))


def mapping_by_header(headers: list[str], mapping: dict[int, str]) -> dict[str, str]:
    """{header: field} for storing with an import batch; unnamed or repeated headers get "#n"."""
    out: dict[str, str] = {}
    for index, field in sorted(mapping.items()):
        header = headers[index] if index < len(headers) else ""
        key = header if header and header not in out else f"#{index + 1} {header}".strip()
        out[key] = field
    return out
