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


def expect_bug(request, case) -> None:
    """Known bugs of the application are strict expected failures (see cases.py)."""
    database = request.node.callspec.params.get("shop")
    if case.bug and case.bug_on in (None, database):
        request.applymarker(pytest.mark.xfail(strict=True, reason=case.bug))


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
def test_bad_file_gives_a_clear_message_and_never_a_half_import(shop, case, request, tmp_path):
    expect_bug(request, case)
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

REJECTS_BUG = (
    "importer.write_rejects appends the rejected cells as they are: a text starting with '=' "
    "becomes a LIVE formula in the rejects workbook the shop opens in Excel (the DDE payload "
    "=cmd|' /C calc'!A0 included), and a control character raises openpyxl's "
    "IllegalCharacterError (a traceback instead of the file). Fix: write text cells as "
    "export.py does (_xlsx_text: explicit string cells, ILLEGAL_CHARACTERS_RE removed).")


@pytest.mark.xfail(strict=True, reason=REJECTS_BUG)
@pytest.mark.parametrize("name", ["bad_cells.xlsx", "unsafe_rejects.csv"])
def test_rejected_rows_are_saved_as_plain_text(shop, name, tmp_path):
    import openpyxl

    result = run_import(plan_import(BAD / name))
    assert result.rejected
    saved = write_rejects(result, tmp_path / "rejects.xlsx")
    workbook = openpyxl.load_workbook(saved)
    rows = list(workbook.active.iter_rows())
    assert len(rows) == 1 + result.rejected
    assert [cell.data_type for row in rows for cell in row if cell.data_type == "f"] == []


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


def test_vcard_is_refused_by_the_reader_naming_the_supported_kinds():
    with pytest.raises(KnownError) as info:
        read_table(BAD / "contacts.vcf")
    text = assert_readable(info.value)
    assert "contacts.vcf" in text and all(kind in text for kind in (".xlsx", ".xlsm", ".csv"))


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
