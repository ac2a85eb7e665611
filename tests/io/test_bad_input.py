"""Every bad file a shop may bring gives a clear message and leaves the database as it was.

The corpus is tests/data/bad (built by make_corpus.py); cases.py says, for each file,
whether it must be refused as a whole or read with some rows rejected. Each case
runs on SQLite and PostgreSQL, against a database that already holds customers.
The database is checked unchanged (row counts of every table, a checksum of every
customer row) after every refusal and every cancelled import.
"""

from __future__ import annotations

import hashlib
import importlib.util
import string
import sys
import unicodedata
from contextlib import closing
from pathlib import Path

import pytest

from shopcrm.core import customers
from shopcrm.core.errors import KnownError
from shopcrm.db import connection
from shopcrm.db.models import ALL_MODELS, Customer
from shopcrm.db.session import open_database
from shopcrm.io.importer import ImportCancelled, plan_import, run_import, write_rejects
from shopcrm.io.readers import read_table

BAD = Path(__file__).parents[1] / "data" / "bad"
MAX_CORPUS_BYTES = 300_000


def _load(name: str):
    """A module of the corpus folder (it is data, not a package)."""
    spec = importlib.util.spec_from_file_location(f"bad_corpus_{name}", BAD / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


make_corpus = _load("make_corpus")
cases = _load("cases")
CASES = cases.CASES


# -- helpers ----------------------------------------------------------------------------

def snapshot() -> dict:
    """Row counts of every table and a checksum of every customer row (all columns)."""
    counts = {model.__name__: model.select().count() for model in ALL_MODELS}
    rows = list(Customer.select().order_by(Customer.id).tuples())
    counts["customer_rows_sha256"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return counts


def corpus_path(name: str, tmp_path: Path) -> Path:
    """The committed file, or the big one written now into the test's folder."""
    if name in make_corpus.GENERATED:
        return make_corpus.build(name, tmp_path)
    return BAD / name


def assert_readable(error: BaseException) -> str:
    """A KnownError whose text is one plain sentence built from its template and params."""
    assert isinstance(error, KnownError), f"{type(error).__name__} instead of a KnownError: {error}"
    text = str(error)
    assert text == (error.message.format(**error.params) if error.params else error.message)
    assert text.strip() == text and text[-1] in ".!?", text
    assert "Traceback" not in text and 'File "' not in text, text
    placeholders = {field for _, field, _, _ in string.Formatter().parse(error.message) if field}
    assert placeholders <= set(error.params), error.message
    return text


def _empty_pg_database(url: str) -> None:
    """Drop every table (as conftest.empty_pg_database), so the schema starts from nothing."""
    import psycopg2

    with closing(psycopg2.connect(url)) as raw:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request, tmp_path_factory):
    """A database of each kind holding customers, shared by this module's tests.

    Like conftest's `db`, but opened once per module: a fresh PostgreSQL schema costs
    ~0.2 s and the corpus has dozens of files. Sharing is safe because every test
    compares the database before and after itself and the corpus files use
    different phone numbers.
    """
    if request.param == "sqlite":
        url = connection.sqlite_url(tmp_path_factory.mktemp("bad_input") / "shop.db")
    else:
        url = request.getfixturevalue("pg_url")
        connection.close()
        _empty_pg_database(url)
    open_database(url)
    customers.create({"name": "Nguyễn Văn Cũ", "phone": "0903000001", "gender": "male"})
    customers.create({"name": "Trần Thị Xưa", "phone": "0903000002", "email": "xua@example.vn"})
    yield request.param
    connection.close()


# -- the corpus -------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_bad_file_gives_a_clear_message_and_never_a_half_import(shop, case, tmp_path):
    path = corpus_path(case.file, tmp_path)
    before = snapshot()
    try:
        plan = plan_import(path)
    except Exception as exc:  # noqa: BLE001  (checked just below: only a KnownError is right)
        assert snapshot() == before
        check_refusal(case, path, exc)
        return
    assert case.expect != cases.REFUSED, f"{case.file} was read, but must be refused"
    check_plan(case, plan)
    check_import(case, plan, before)


def check_refusal(case, path: Path, error: Exception) -> None:
    text = assert_readable(error)
    assert case.expect != cases.READ, f"{case.file} must be read, but: {text}"
    if case.message:
        assert case.message in text
    if case.names_file:
        assert path.name in text
    for word in case.mentions:
        assert word in text
    assert len(text) < 300 + len(path.name)
    if case.by_reader and case.expect == cases.REFUSED:
        with pytest.raises(KnownError):
            read_table(path)


def check_plan(case, plan) -> None:
    rejected = [row.row_number for row in plan.rows if row.values is None]
    if case.rejected is not None:
        assert rejected == list(case.rejected)
    if case.valid is not None:
        assert plan.valid_count == case.valid
    for row in plan.rows:
        if row.values is None:
            assert row.errors, f"row {row.row_number} rejected without a reason"
            for error in row.errors:
                assert_readable(error.error)
        else:
            assert not row.errors


def check_import(case, plan, before: dict) -> None:
    """A cancelled import changes nothing; a finished one adds exactly the valid rows."""
    with pytest.raises(ImportCancelled):
        run_import(plan, cancel=lambda: True)
    assert snapshot() == before
    try:
        result = run_import(plan)
    except Exception as exc:  # noqa: BLE001
        assert snapshot() == before, "a failed import left changes behind"
        assert_readable(exc)
        pytest.fail(f"{case.file}: the import of the valid rows failed: {exc}")
    assert result.created + result.updated + result.skipped == plan.valid_count
    assert result.rejected == plan.error_count
    after = snapshot()
    assert after["Customer"] == before["Customer"] + result.created
    assert (after["ImportBatch"], after["AuditLog"]) == (before["ImportBatch"] + 1,
                                                         before["AuditLog"] + 1)
    # This file's customers: created now, or earlier by the same rows (same phone numbers).
    phones = [row.values["phone"] for row in plan.rows if row.values and "phone" in row.values]
    stored = {name for (name,) in Customer.select(Customer.name).where(
        (Customer.import_batch == result.batch_id) | Customer.phone.in_(phones)).tuples()}
    assert all(unicodedata.is_normalized("NFC", name) for name in stored)
    for name in case.names:
        assert name in stored


# -- the rejected rows, saved to be corrected --------------------------------------------

@pytest.mark.parametrize("name", ["bad_cells.xlsx", "unsafe_rejects.csv"])
def test_rejected_rows_are_saved_as_plain_text(shop, name, tmp_path):
    """The shop opens the rejects file in Excel: a cell of its file starting with "=" (the
    DDE payload =cmd|' /C calc'!A0 included) must stay text, never become a live formula,
    and a control character must not stop the file being written."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    result = run_import(plan_import(BAD / name))
    assert result.rejected
    saved = write_rejects(result, tmp_path / "rejects.xlsx")
    workbook = openpyxl.load_workbook(saved)
    rows = [[cell for cell in row] for row in workbook.active.iter_rows()]
    assert len(rows) == 1 + result.rejected
    assert [cell.coordinate for row in rows for cell in row if cell.data_type == "f"] == []
    assert [cell.value for cell in rows[0]] == [*result.headers, "Lỗi"]
    texts = [cell.value for row in rows for cell in row if cell.data_type == "s"]
    assert make_corpus.DDE in texts  # kept, as text, for the shop to correct

    def as_saved(value):  # the characters Excel refuses are removed, nothing else changes
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    for planned, row in zip(result.rejected_rows, rows[1:]):
        values = [cell.value for cell in row]
        assert values[:len(planned.cells)] == [as_saved(value) for value in planned.cells]
        assert values[-1]  # the reason


# -- refusals that are not about one file ----------------------------------------------

def test_two_columns_set_to_one_field_are_refused(shop):
    before = snapshot()
    with pytest.raises(KnownError) as info:
        plan_import(BAD / "duplicate_headers.xlsx", mapping={0: "name", 1: "name", 2: "phone"})
    assert "Two columns are set to name" in assert_readable(info.value)
    assert snapshot() == before


def test_a_sheet_that_is_not_there_is_refused_naming_the_file_and_the_sheets(shop):
    before = snapshot()
    with pytest.raises(KnownError) as info:
        plan_import(BAD / "bad_cells.xlsx", sheet="Không có")
    text = assert_readable(info.value)
    assert "bad_cells.xlsx" in text and "Không có" in text and "Khách hàng" in text
    assert snapshot() == before


def refusal(path: Path, data: bytes) -> str:
    """The reader's message for a file holding `data`."""
    path.write_bytes(data)
    with pytest.raises(KnownError) as info:
        read_table(path)
    text = assert_readable(info.value)
    assert path.name in text
    return text


@pytest.mark.parametrize("name", ["khach.xls", "KHACH.XLS"])
def test_an_old_excel_file_is_refused_saying_how_to_convert_it(name, tmp_path):
    # whatever it holds: web systems also save HTML or CSV tables as .xls
    for data in (make_corpus.old_xls(), make_corpus.html_named_xlsx()):
        text = refusal(tmp_path / name, data)
        assert "old Excel 97-2003 file" in text and "save it as .xlsx" in text


def test_a_sheet_with_only_headers_and_a_total_row_is_empty(tmp_path):
    text = refusal(tmp_path / "tong.csv", make_corpus._csv(["Họ tên,Điện thoại", "Tổng cộng,0"]))
    assert cases.EMPTY in text


@pytest.mark.parametrize("lines, opened", [
    (['Họ tên,Điện thoại,Ghi chú', 'An,0913000101,"dòng 1', 'dòng 2"', '"Bình,0913000102,',
      'Cường,0913000103,'], 4),
    (['Họ tên,Ghi chú,Điện thoại', '"An', 'Nguyễn","x', 'y', 'Cường,z,0913000103'], 3),
    (['Họ tên,Điện thoại', 'An,0913000101', 'Bình,"0913000102'], 3),
], ids=["after a multi-line cell", "in a row that spans lines", "on the last line"])
def test_an_unclosed_quote_is_refused_naming_the_line_it_opened_on(lines, opened, tmp_path):
    for newline in ("\r\n", "\n", "\r"):
        text = refusal(tmp_path / "ngoac.csv", make_corpus._csv(lines, newline=newline))
        assert cases.UNCLOSED_QUOTE.format(line=opened) in text


def test_a_windows_1258_file_with_a_stray_utf8_pair_is_still_read(tmp_path):
    """Windows-1258 "Hồ" before a closing quote happens to be valid UTF-8 (b"\\xcc\\x94"):
    one such pair among Windows-1258 letters is no reason to refuse the file."""
    path = tmp_path / "cu.csv"
    path.write_bytes(b"Ho\xf2 t\xean;Ghi chu\xec\r\nH\xf4\xcc Thi\xf2 L\xea;\x93H\xf4\xcc\x94\r\n")
    table = read_table(path)
    assert (table.headers, table.rows) == (["Họ tên", "Ghi chú"], [["Hồ Thị Lê", "“Hồ”"]])


def test_a_utf8_file_with_a_bom_and_a_bad_byte_names_the_line(tmp_path):
    data = make_corpus._csv(["Họ tên,Điện thoại", "An,0913000101"], encoding="utf-8-sig")
    text = refusal(tmp_path / "bom.csv", data + b"B\xecnh,0913000102\r\n")
    assert cases.NOT_UTF8 in text and "line 3" in text


def test_the_missing_name_column_message_lists_the_headers_briefly(tmp_path):
    headers = [f"Cột số {i} " + "rất dài " * 10 for i in range(30)]
    path = tmp_path / "cot.csv"
    path.write_bytes(make_corpus._csv([",".join(headers), ",".join(["x"] * 30)]))
    with pytest.raises(KnownError) as info:
        plan_import(path)
    text = assert_readable(info.value)
    assert cases.NO_NAME in text and "cot.csv" in text and "Cột số 0" in text
    assert "Cột số 29" not in text and len(text) < 700


def test_an_unknown_kind_of_file_is_refused_naming_the_supported_kinds():
    with pytest.raises(KnownError) as info:
        read_table(BAD / "khach_hang.numbers")
    text = assert_readable(info.value)
    assert "khach_hang.numbers" in text
    assert all(kind in text for kind in (".xlsx", ".xlsm", ".csv", ".vcf"))


# -- the corpus itself ------------------------------------------------------------------

def _outcome(path: Path):
    """What the reader makes of a file: its table, or the message it refuses it with."""
    try:
        table = read_table(path)
    except KnownError as exc:
        return exc.message
    return table.headers, table.rows, table.row_numbers


def test_corpus_matches_its_cases_and_is_up_to_date(tmp_path):
    files = set(make_corpus.FILES)
    assert {case.file for case in CASES} == files
    committed = {path.name for path in BAD.iterdir()} - {"make_corpus.py", "cases.py",
                                                         "__pycache__"}
    assert committed == files - set(make_corpus.GENERATED)
    assert sum((BAD / name).stat().st_size for name in committed) < MAX_CORPUS_BYTES
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    make_corpus.main(fresh)
    for name in sorted(committed):  # the same content (bytes may differ with library versions)
        assert _outcome(BAD / name) == _outcome(fresh / name), (
            f"{name} is out of date: run python tests/data/bad/make_corpus.py")
