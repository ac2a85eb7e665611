"""Fuzzing validation: whatever the form or a file gives, the answer is a value or a clear error.

Properties (hypothesis):
- customers.clean() returns stored values or FormErrors of KnownErrors, never another
  exception; the values it returns are of the shapes the columns store;
- customers.create() stores exactly one customer, or raises FormErrors and stores nothing
  (on SQLite and PostgreSQL);
- the phone, date and cell parsers raise nothing but ValidationError;
- importing rows of arbitrary cells gives valid rows or rows rejected with reasons;
- read_table() on arbitrary or damaged bytes returns a table or raises KnownError.
The inputs that broke these properties once (NUL, text longer than its column, "²" in a
name, ids beyond 64 bits, numbers beyond float range, infinite amounts, a byte order mark
inside a text) also have tests of their own.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import string
import tempfile
import unicodedata
from functools import partial
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from shopcrm.core import customers, dates, names, phones
from shopcrm.core.errors import KnownError, ValidationError
from shopcrm.core.text import multiline, nfc
from shopcrm.db.models import AuditLog, Customer
from shopcrm.io import importer, mapping, normalize
from shopcrm.io.readers import Table, read_table

NO_DB = settings(max_examples=120, deadline=None)
WITH_DB = settings(max_examples=60, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])
FILES = settings(max_examples=100, deadline=None)

OFFLINE_FIELDS = tuple(name for name in customers.EDITABLE if name != "referred_by")
TODAY = dt.date.today()
CANONICAL_PHONE = re.compile(r"^(0\d{9,10}|\+[1-9]\d{6,16})$")

# -- strategies -------------------------------------------------------------------------

VIETNAMESE = [
    "Nguyễn Thị Thu Hà", unicodedata.normalize("NFD", "Trần Đức Bình"), "Lê Văn Cường",
    "Công ty TNHH Minh Phát", "Hà 🌸 Shop", "Lê \u202eThị Bảo", '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0", "Nam", "Nữ", "nữ", "Khác", "Chị", "male", "female", "individual",
    "organisation", "anh", "CHỊ", "quý khách", "0912 345 678", "+84 912 345 678",
    "01689123456", "912345678", "912345678.0", "0084912345678", "+14155552671", "024 3825 1234",
    "25/12/1990", "31/02/2020", "1990-12-25", "29/02/1900", "01/01/2099", "12/12/90",
    "ha@example.vn", "HA@EXAMPLE.VN", "khong-co-a-cong", "a@b", "x", "   ", "", "\t\n",
    "1.250.000 đ", "1,250,000", "-5", "1e5", "không", "x", "có", "Tổng cộng",
]


def cells(text: st.SearchStrategy[str]) -> st.SearchStrategy:
    """Whatever a form or a spreadsheet cell may hold."""
    def decoded(encoding: str) -> st.SearchStrategy[str]:
        return st.binary(max_size=30).map(lambda b: b.decode(encoding, "replace"))
    return st.one_of(
        st.none(), text, decoded("utf-8"), decoded("cp1258"), st.sampled_from(VIETNAMESE),
        st.integers(), st.integers(min_value=-2**70, max_value=2**70), st.floats(),
        st.booleans(), st.dates(), st.datetimes(), st.times(),
        st.timedeltas(min_value=dt.timedelta(days=-10**5), max_value=dt.timedelta(days=10**5)),
    )


ANY_CELL = cells(st.text(max_size=40))
# Longer text now and then: over the limits of the shorter columns (tax code 20, zalo 100).
DB_CELL = cells(st.text(max_size=20) | st.text(min_size=15, max_size=120))


def plausible(field: str) -> st.SearchStrategy:
    """Values close to valid for `field`, so that valid customers are drawn too."""
    choices = {
        "name": ["Nguyễn Thị Thu Hà", "Trần Đức Bình", unicodedata.normalize("NFD", "Lê Thị Ánh")],
        "phone": ["0912 345 678", "+84 987 654 321", "01689123456", 912345678.0, "024 3825 1234"],
        "phone2": ["0987.654.321", "+14155552671", "0283 822 4567"],
        "email": ["ha@example.vn", "Binh@Shop.VN"],
        "birthday": [dt.date(1990, 3, 12), "25/12/1985", "1975-04-30", dt.datetime(2001, 1, 1, 8)],
        "honorific": [*customers.HONORIFICS, "CHỊ", "Anh"],
        **{name: [*options, ""] for name, options in customers.CHOICE_FIELDS.items()},
    }
    return st.sampled_from(choices[field]) if field in choices else st.nothing()


def form(cell: st.SearchStrategy, with_name: bool = False) -> st.SearchStrategy[dict]:
    """A form's raw input: some editable fields, each plausible (3 in 4) or arbitrary."""
    def value(name: str) -> st.SearchStrategy:
        if plausible(name).is_empty:
            return cell
        return st.integers(0, 3).flatmap(lambda n: cell if n == 0 else plausible(name))
    values = {name: value(name) for name in OFFLINE_FIELDS}
    if with_name:
        name = values.pop("name")
        return st.fixed_dictionaries({"name": name}, optional=values)
    return st.fixed_dictionaries({}, optional=values)


# -- checks -----------------------------------------------------------------------------

def assert_known(error: BaseException) -> None:
    """A KnownError with a template whose params format, giving its own text."""
    assert isinstance(error, KnownError), f"{type(error).__name__}: {error}"
    assert isinstance(error.message, str) and error.message
    assert str(error) == (error.message.format(**error.params) if error.params else error.message)
    placeholders = {field for _, field, _, _ in string.Formatter().parse(error.message) if field}
    assert placeholders <= set(error.params), error.message


def assert_form_errors(error: customers.FormErrors, raw: dict) -> None:
    assert error.errors and set(error.errors) <= set(raw)
    assert_known(error)
    for field_error in error.errors.values():
        assert_known(field_error)


def assert_storable(values: dict) -> None:
    """Clean values have the shapes of the stored columns."""
    for field, value in values.items():
        if field == "name":
            assert value and value == value.strip() and unicodedata.is_normalized("NFC", value)
        elif field in ("phone", "phone2"):
            assert value is None or CANONICAL_PHONE.match(value), value
        elif field == "email":
            assert value is None or ("@" in value and value == value.lower())
        elif field == "birthday":
            assert value is None or (type(value) is dt.date
                                     and TODAY.year - 130 <= value.year and value <= TODAY)
        elif field in customers.CHOICE_FIELDS:
            assert value is None or value in customers.CHOICE_FIELDS[field]
        elif field in customers.BOOL_FIELDS:
            assert type(value) is bool
        elif field == "honorific":
            assert value is None or value in customers.HONORIFICS
        elif field == "referred_by":
            assert value is None or type(value) is int
        else:  # text
            assert value is None or (value and unicodedata.is_normalized("NFC", value))
    if values.get("kind", "organisation") != "organisation":
        assert values.get("org_type") is None and values.get("tax_code") is None


def fits_columns(values: dict) -> bool:
    """Every text value fits its column (PostgreSQL would refuse it, SQLite not)."""
    fields = Customer._meta.fields
    return all(not isinstance(value, str) or getattr(fields[name], "max_length", None) is None
               or len(value) <= fields[name].max_length
               for name, value in values.items())


# -- customers.clean and create ---------------------------------------------------------

@NO_DB
@given(raw=st.dictionaries(st.sampled_from(OFFLINE_FIELDS), ANY_CELL) | form(ANY_CELL))
def test_clean_gives_storable_values_or_form_errors(raw):
    try:
        values = customers.clean(raw)
    except customers.FormErrors as exc:
        assert_form_errors(exc, raw)
        return
    assert set(values) == set(raw)
    assert_storable(values)


@WITH_DB
@given(value=st.one_of(DB_CELL, st.sampled_from(["KH000001", " kh000001 ", "KH000002", "KH9"]),
                       st.integers(min_value=-2**70, max_value=2**70)))
def test_clean_referrer_gives_an_existing_customer_or_form_errors(db, value):
    if not Customer.select().exists():
        customers.create({"name": "Người Giới Thiệu"})
    try:
        values = customers.clean({"referred_by": value})
    except customers.FormErrors as exc:
        assert_form_errors(exc, {"referred_by": value})
        return
    found = values["referred_by"]
    assert not isinstance(value, bool)
    assert found is None or Customer.select().where(Customer.id == found).exists()


@WITH_DB
@given(raw=form(DB_CELL, with_name=True))
def test_create_stores_exactly_one_customer_or_nothing(db, raw):
    try:
        expected = customers.clean({"name": "", "kind": None, **raw})
    except customers.FormErrors:
        expected = None
    assert expected is None or fits_columns(expected)
    before = (Customer.select().count(), AuditLog.select().count())
    try:
        customer = customers.create(raw)
    except customers.FormErrors as exc:
        event("refused")
        assert expected is None
        assert_form_errors(exc, {"name": "", "kind": None, **raw})
        assert (Customer.select().count(), AuditLog.select().count()) == before
        return
    event("stored")
    assert expected is not None
    assert (Customer.select().count(), AuditLog.select().count()) == (before[0] + 1, before[1])
    stored = Customer.get_by_id(customer.id)
    for field, value in expected.items():
        assert getattr(stored, field) == value, field
    assert re.fullmatch(r"KH\d{6,}", stored.code)


def test_nul_is_refused_or_removed(db):
    for raw in ({"name": "Nguyễn\x00Văn An"}, {"name": "An", "notes": "a\x00b"},
                {"name": "An", "email": "a\x00@b.vn"}):
        before = Customer.select().count()
        try:
            customer = customers.create(raw)
        except customers.FormErrors:
            assert Customer.select().count() == before
            continue
        stored = Customer.get_by_id(customer.id)
        assert not any("\x00" in (getattr(stored, field) or "") for field in raw), raw


BOM = "\ufeff"  # U+FEFF: left inside a text when files are joined or cells pasted


@example(text=BOM + "Nguyễn Văn An")
@example(text="Ghi chú\n" + BOM + "dòng 2" + BOM)
@example(text="Nguye\u0302" + BOM + "\u0303n")  # NFD, the BOM between a letter and its tone
@NO_DB
@given(text=st.text(max_size=40) | st.sampled_from(VIETNAMESE).map(lambda name: BOM + name))
def test_stored_text_keeps_no_byte_order_mark(text):
    for stored in (nfc(text), multiline(text) or ""):
        assert BOM not in stored
        assert unicodedata.is_normalized("NFC", stored)
    assert nfc(text) == nfc(text.replace(BOM, ""))


def test_a_byte_order_mark_is_removed_before_storing(db):
    customer = customers.create({"name": BOM + "Nguyễn Văn\ufeff An", "notes": BOM + "dòng 1\n"
                                 + BOM + "dòng 2", "address": "12 Lê Lợi" + BOM})
    stored = Customer.get_by_id(customer.id)
    assert (stored.name, stored.notes, stored.address) == ("Nguyễn Văn An", "dòng 1\ndòng 2",
                                                           "12 Lê Lợi")


def test_text_longer_than_its_column_is_refused(db):
    for raw in ({"name": "A" * 201}, {"name": "An", "zalo": "z" * 101},
                {"name": "Cty", "kind": "organisation", "tax_code": "0" * 21}):
        before = Customer.select().count()
        with pytest.raises(customers.FormErrors) as info:
            customers.create(raw)
        assert_form_errors(info.value, raw)
        assert Customer.select().count() == before


@example(name="Nhà hàng Mặt Trời²")
@NO_DB
@given(name=st.text(max_size=40))
def test_sort_key_takes_any_name(name):
    for organisation in (False, True):
        key = names.sort_key(name, organisation)
        assert isinstance(key, str) and len(key) <= 600


def test_an_id_no_database_can_hold_is_not_a_referrer(db):
    customers.create({"name": "Khách Đầu Tiên"})  # id 1: True must not be taken for it
    for value in (2**63, 2**64, -1, 0, True, False):
        with pytest.raises(customers.FormErrors) as info:
            customers.clean({"referred_by": value})
        assert_form_errors(info.value, {"referred_by": value})


# -- the parsers ------------------------------------------------------------------------

PARSERS = {
    "normalize_phone": phones.normalize_phone, "parse_date": dates.parse_date,
    "parse_birthday": dates.parse_birthday, "parse_gender": normalize.parse_gender,
    "parse_kind": normalize.parse_kind, "parse_source": normalize.parse_source,
    "parse_bool": normalize.parse_bool, "parse_date_cell": normalize.parse_date_cell,
    "parse_money": normalize.parse_money, "parse_code": normalize.parse_code,
    "phone_text": normalize.phone_text, "text_value": normalize.text_value,
    "split_tags": normalize.split_tags,
    **{f"parse_choice[{name}]": partial(normalize.parse_choice, name)
       for name in ("relation", "income", "area", "org_type")},
}


@pytest.mark.parametrize("name", PARSERS)
@NO_DB
@given(data=st.data())
def test_parsers_raise_nothing_but_validation_errors(name, data):
    value = data.draw(ANY_CELL, label="value")
    try:
        PARSERS[name](value)
    except ValidationError as exc:
        assert_known(exc)


@NO_DB
@given(text=st.text(max_size=80) | st.sampled_from(VIETNAMESE))
def test_split_phones_gives_parts_of_the_text(text):
    parts = normalize.split_phones(text)
    assert all(part and part in text for part in parts)


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "9" * 5000],
                         ids=["inf", "-inf", "nan", "5000 digits"])
def test_parse_money_refuses_impossible_amounts(value):
    with pytest.raises(ValidationError):
        normalize.parse_money(value)


def test_parse_date_cell_refuses_a_number_beyond_float_range():
    with pytest.raises(ValidationError):
        normalize.parse_date_cell(10**400)


# -- rows of arbitrary cells through the import ----------------------------------------

ROW_FIELDS = tuple(name for name in mapping.TARGET_FIELDS if name != "referred_by")
ROW_PLAUSIBLE = {  # what a shop's sheet holds in each column
    "code": ["KH000123", "kh 12", None], "name": ["Nguyễn Thị Thu Hà", "  Trần  Văn Bình "],
    "kind": ["Cá nhân", "Công ty", "individual"], "org_type": ["Thương mại", "Sản xuất"],
    "tax_code": ["0312345678"], "phone": ["0912 345 678", 912345678.0, "0912345678 / 0987654321"],
    "phone2": ["+84 987 654 321", 1689123456], "email": ["Ha@Example.VN"],
    "birthday": [dt.datetime(1990, 3, 12), 33000, "25/12/1985", 19901225, "--12-25"],
    "gender": ["Nữ", "Nam", "chị", "F"], "honorific": ["Chị", "anh"],
    "relation": ["Nội bộ", "external"], "role_buyer": ["x", "có", 1, True],
    "role_user": ["không", 0, False], "role_beneficiary": ["x", None],
    "income": ["Cao", "medium"], "area": ["Nông thôn", "city"],
    "province": ["Hồ Chí Minh - Quận 1", "Bà Rịa - Vũng Tàu"], "source": ["Facebook", "Hội chợ"],
    "tags": ["VIP|Sỉ", "* myContacts ::: Bạn bè"], "company": ["Cty ABC"],
    "first_name": ["Hà"], "middle_name": ["Thị Thu"], "last_name": ["Nguyễn"],
}


@st.composite
def sheet_rows(draw) -> list:
    """A row of plausible or empty cells, a few of them replaced by arbitrary ones."""
    cells = [draw(st.sampled_from([None, *ROW_PLAUSIBLE.get(name, ["Hà Nội", "ghi chú"])]))
             for name in ROW_FIELDS]
    for _ in range(draw(st.integers(0, 3))):
        cells[draw(st.integers(0, len(cells) - 1))] = draw(ANY_CELL)
    return cells


@NO_DB
@given(cells=sheet_rows())
def test_any_row_is_planned_valid_or_rejected_with_reasons(cells):
    table = Table(headers=list(ROW_FIELDS), rows=[cells], row_numbers=[2], header_row_number=1)
    plan = importer.plan_table(table, Path("fuzz.xlsx"), dict(enumerate(ROW_FIELDS)))
    (row,) = plan.rows
    event("rejected" if row.values is None else "valid")
    if row.values is None:
        assert row.errors
        for error in row.errors:
            assert_known(error.error)
    else:
        assert not row.errors
        assert_storable({key: value for key, value in row.values.items() if key != "code"})


# -- read_table on damaged bytes --------------------------------------------------------

def _sample_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["STT", "Họ tên", "Số điện thoại", "Ngày sinh", "Giới tính"])
    sheet.append([1, "Nguyễn Thị Thu Hà", "0912345678", dt.datetime(1990, 3, 12), "Nữ"])
    sheet.append([2, "Trần Văn Bình", 987654321, 33000, "Nam"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SAMPLE_XLSX = _sample_workbook()
SAMPLE_CSV = "Họ tên;Điện thoại;Ghi chú\r\nNguyễn Thị Thu Hà;0912345678;\"a;b\"\r\n".encode()
JUNK = st.sampled_from([b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b'"', b"\r", b"\n",
                        b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x81", b"\xc3", b";", b","])


@st.composite
def damaged(draw, original: bytes) -> bytes:
    """`original` cut short, with bytes flipped, or with junk inserted."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["cut", "flip", "insert"]))
        if action == "cut":
            del data[at:]
        elif action == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        else:
            data[at:at] = draw(JUNK | st.binary(min_size=1, max_size=8))
    return bytes(data)


@FILES
@given(data=st.binary(max_size=600) | damaged(SAMPLE_XLSX) | damaged(SAMPLE_CSV),
       suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_read_table_on_any_bytes_gives_a_table_or_a_known_error(data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"khach-hang{suffix}"
        path.write_bytes(data)
        try:
            table = read_table(path)
        except KnownError as exc:
            event(exc.message[:40])
            assert_known(exc)
            assert path.name in str(exc)
            return
    event("read")
    assert len(table.rows) == len(table.row_numbers)
    assert all(len(row) == len(table.headers) for row in table.rows)
    assert table.row_numbers == sorted(set(table.row_numbers))
    assert all(number > table.header_row_number for number in table.row_numbers)
