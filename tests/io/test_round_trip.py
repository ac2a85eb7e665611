"""Round trip: export everything, import the file into an empty database, same customers.

The customer sheet goes through the customer import (io.imports, kind "customers"),
the purchases sheet through the purchases import, the interactions, feedback and
care tasks sheets through io.records_import; both on SQLite and PostgreSQL.
Timestamps are compared to the second (a spreadsheet keeps no finer time).

Referrers: a "Người giới thiệu" code may name a customer created by the same file
(importer resolves it after inserting), so the customer sheet is imported in one pass.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from contextlib import closing

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopcrm.core.dates import as_date
from shopcrm.core import customers, demo, segments
from shopcrm.core.customers import EDITABLE
from shopcrm.db import connection
from shopcrm.db.models import (
    AREA_CHOICES, GENDER_CHOICES, INCOME_CHOICES, ORG_TYPE_CHOICES, RELATION_CHOICES,
    SOURCE_CHOICES, CareTask, Customer, Feedback, Interaction, Purchase,
)
from shopcrm.db.session import open_database
from shopcrm.io import export, imports

TODAY = dt.date.today()
TRICKY_TEXT = ["=1+2", "+84 là mã nước", "-giảm 5%", "@shop", '=HYPERLINK("http://x","y")',
               "#N/A", "Thích cà phê sữa đá"]


def reopen_empty(db_url: str, tmp_path):
    """Close the database just exported and open an empty one of the same kind."""
    connection.close()
    if db_url.startswith("postgresql"):
        import psycopg2

        with closing(psycopg2.connect(db_url)) as raw:
            raw.autocommit = True
            with raw.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        return open_database(db_url)
    return open_database(connection.sqlite_url(tmp_path / "empty.db"))


RECORD_SHEETS = (("interactions", "interactions"), ("feedback", "feedback"),
                 ("tasks", "care_tasks"))


def import_workbook(path, language: str = "vi", purchases: bool = True,
                    records: bool = False) -> None:
    """Customers (their referrers in the same file), then purchases, then with `records`
    the interactions, feedback and care tasks."""
    plan = imports.plan_file(path, "customers", export.sheet_title("customers", language))
    assert plan.error_count == 0, [row.errors for row in plan.rows if row.errors]
    result = imports.run_plan(plan, "customers")
    assert result.rejected == 0, [row.errors for row in result.rejected_rows]
    if not purchases:
        return
    plan = imports.plan_file(path, "purchases", export.sheet_title("purchases", language))
    result = imports.run_plan(plan, "purchases", "create")
    assert result.rejected == 0, [row.errors for row in result.rejected_rows]
    if not records:
        return
    for kind, sheet in RECORD_SHEETS:
        plan = imports.plan_file(path, kind, export.sheet_title(sheet, language))
        assert plan.error_count == 0, [row.errors for row in plan.rows if row.errors]
        result = imports.run_plan(plan, kind, "create")
        assert result.rejected == 0 and result.created == len(plan.rows)


def _second(value):
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)


def _time(value):
    if value is None or isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(str(value))


def record_snapshot() -> dict[str, Counter]:
    """interactions, feedback, tasks: every exported field, linked by customer code."""
    alive = Customer.deleted_at.is_null()
    out = {}
    query = (Interaction.select(Customer.code, Interaction.at, Interaction.kind,
                                Interaction.summary, Interaction.staff).join(Customer)
             .where(alive).tuples())
    out["interactions"] = Counter((code, _second(at), *rest) for code, at, *rest in query)
    query = (Feedback.select(Customer.code, Feedback.at, Feedback.rating, Feedback.kind,
                             Feedback.comment, Feedback.status, Feedback.handler,
                             Feedback.resolution, Feedback.resolved_at).join(Customer)
             .where(alive).tuples())
    out["feedback"] = Counter((code, _second(at), *rest[:-1], _second(rest[-1]))
                              for code, at, *rest in query)
    query = (CareTask.select(Customer.code, CareTask.task_type, CareTask.stage, CareTask.step,
                             CareTask.title, CareTask.due_date, CareTask.due_time,
                             CareTask.recurrence, CareTask.status, CareTask.outcome,
                             CareTask.assigned_to, CareTask.created_at, CareTask.done_at)
             .join(Customer).where(alive).tuples())
    out["tasks"] = Counter(
        (code, task_type, stage, step, title, as_date(due), _time(due_time), recurrence,
         status, outcome, assigned_to, _second(created), _second(done))
        for (code, task_type, stage, step, title, due, due_time, recurrence, status, outcome,
             assigned_to, created, done) in query)
    return out


def customer_snapshot() -> dict[str, dict]:
    """code -> every editable field (the referrer as its code, the tags as a tuple)."""
    codes = dict(Customer.select(Customer.id, Customer.code).tuples())
    out = {}
    for customer in Customer.select().where(Customer.deleted_at.is_null()):
        values = customers.as_values(customer)
        values["referred_by"] = codes.get(values["referred_by"])
        values["segments"] = (customer.funnel_segment, customer.value_tier)
        out[customer.code] = values
    return out


def purchase_snapshot() -> Counter:
    query = (Purchase.select(Customer.code, Purchase.date, Purchase.description, Purchase.amount,
                             Purchase.channel, Purchase.note).join(Customer)
             .where(Customer.deleted_at.is_null()).tuples())
    return Counter((code, as_date(date), *rest) for code, date, *rest in query)


def spice_up(ids: list[int]) -> None:
    """What demo data lacks: honorifics, formula-like text, roles, internal relations."""
    for number, customer_id in enumerate(ids[:len(TRICKY_TEXT)]):
        customer = Customer.get_by_id(customer_id)
        customers.update(customer_id, {
            "notes": TRICKY_TEXT[number], "honorific": ("anh", "chị", "quý khách")[number % 3],
            "relation": "internal", "role_buyer": number % 2 == 0, "role_user": True,
            "role_beneficiary": number % 3 == 0, "tax_code": None,
        }, customer.version)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_export_everything_then_import_gives_the_same_customers(db, db_url, tmp_path, language):
    demo.generate(80, seed=7, today=TODAY)
    ids = [cid for (cid,) in Customer.select(Customer.id).order_by(Customer.id).tuples()]
    spice_up(ids)
    customers.trash(ids[-2:])  # the trash is not exported
    segments.recompute_all(TODAY)
    before, purchases_before = customer_snapshot(), purchase_snapshot()
    records_before = record_snapshot()
    assert sum(1 for values in before.values() if values["referred_by"]) > 3
    assert all(sum(counter.values()) > 0 for counter in records_before.values())
    path = tmp_path / "all.xlsx"
    counts = export.export_file(path, language=language)
    assert counts["customers"] == len(before) == 78
    assert counts["purchases"] == sum(purchases_before.values()) > 0

    reopen_empty(db_url, tmp_path)
    assert Customer.select().count() == 0
    import_workbook(path, language, records=True)
    segments.recompute_all(TODAY)
    after = customer_snapshot()
    assert_same_customers(after, before)
    assert purchase_snapshot() == purchases_before
    records_after = record_snapshot()
    for kind, counter in records_before.items():
        assert records_after[kind] == counter, kind


def assert_same_customers(after: dict, before: dict) -> None:
    assert sorted(after) == sorted(before)
    for code, values in before.items():
        for field in (*EDITABLE, "tags", "segments"):
            assert (code, field, after[code][field]) == (code, field, values[field])


def test_formula_like_text_comes_back_unchanged(db, db_url, tmp_path):
    made = [customers.create({"name": f"Khách {i}", "notes": text, "address": text,
                              "phone": f"09123456{i:02d}"})
            for i, text in enumerate(TRICKY_TEXT)]
    customers.create({"name": "=cmd|' /C calc'!A0", "phone": "0987654321"})
    Purchase.create(customer=made[0], date=TODAY, amount=150_000, description="=SUM(A1:A9)",
                    note="-trả góp")
    segments.recompute_all(TODAY)
    before, purchases_before = customer_snapshot(), purchase_snapshot()
    path = tmp_path / "evil.xlsx"
    export.export_file(path)
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str) and cell.value.startswith(export.FORMULA_TRIGGERS):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate)
    book.close()
    reopen_empty(db_url, tmp_path)
    import_workbook(path)
    segments.recompute_all(TODAY)
    assert_same_customers(customer_snapshot(), before)
    assert purchase_snapshot() == purchases_before


def test_formula_like_text_comes_back_unchanged_from_csv(db, db_url, tmp_path):
    """The CSV export puts an apostrophe before such text; the CSV reader drops it again."""
    for i, text in enumerate([*TRICKY_TEXT, "=1+2 Hà", "'=already quoted", "'plain"]):
        customers.create({"name": f"Khách {i}", "notes": text, "address": text,
                          "phone": f"09123456{i:02d}"})
    customers.create({"name": "=cmd|' /C calc'!A0", "phone": "0987654321"})
    segments.recompute_all(TODAY)
    before = customer_snapshot()
    path = tmp_path / "evil.csv"
    export.export_file(path)
    assert "'=1+2 Hà" in path.read_text(encoding="utf-8-sig")  # neutralised in the file
    reopen_empty(db_url, tmp_path)
    result = imports.run_plan(imports.plan_file(path, "customers"), "customers")
    assert result.rejected == 0, [row.errors for row in result.rejected_rows]
    segments.recompute_all(TODAY)
    assert_same_customers(customer_snapshot(), before)


def test_records_are_exported_linked_by_code(db, tmp_path):
    """Interactions, feedback and care tasks: in the file, linked by code."""
    demo.generate(40, seed=5, today=TODAY)
    path = tmp_path / "all.xlsx"
    counts = export.export_file(path, language="en")
    alive = Customer.deleted_at.is_null()
    for sheet, model in (("interactions", Interaction), ("feedback", Feedback),
                         ("care_tasks", CareTask)):
        assert counts[sheet] == model.select().join(Customer).where(alive).count() > 0
    rows = list(openpyxl.load_workbook(path)["Feedback"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Customer code", "Customer name", "Time", "Rating")
    stored = Counter((code, rating, comment) for code, rating, comment in
                     Feedback.select(Customer.code, Feedback.rating, Feedback.comment)
                     .join(Customer).tuples())
    assert Counter((row[0], row[3], row[5]) for row in rows[1:]) == stored


# -- property: any valid customer survives the trip --------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                max_size=30).map(str.strip)
_choice = lambda choices: st.one_of(st.none(), st.sampled_from(choices))  # noqa: E731
CUSTOMER_VALUES = st.fixed_dictionaries({
    "name": st.one_of(st.sampled_from(["Nguyễn Thị Hà", "=1+1", "@Bảo", "-Lan-"]), _text)
    .filter(lambda name: name.strip() != ""),
    "kind": st.sampled_from(("individual", "organisation")),
    "org_type": _choice(ORG_TYPE_CHOICES),
    "tax_code": st.one_of(st.none(), st.from_regex(r"\A[0-9]{10}\Z")),
    "gender": st.sampled_from(GENDER_CHOICES),
    "birthday": st.one_of(st.none(), st.dates(dt.date(1920, 1, 1), TODAY)),
    "relation": st.sampled_from(RELATION_CHOICES),
    "role_buyer": st.booleans(), "role_user": st.booleans(), "role_beneficiary": st.booleans(),
    "income": _choice(INCOME_CHOICES), "area": _choice(AREA_CHOICES),
    "source": _choice(SOURCE_CHOICES),
    "honorific": _choice(customers.HONORIFICS),
    "address": _text, "zalo": _text, "facebook": _text,
    "notes": st.one_of(st.none(), _text, st.sampled_from(TRICKY_TEXT)),
    "tags": st.lists(st.sampled_from(["VIP", "Khách sỉ", "áo dài", "=tag"]), max_size=3),
})


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(values=st.lists(CUSTOMER_VALUES, min_size=1, max_size=4))
def test_any_valid_customer_round_trips(tmp_path_factory, values):
    folder = tmp_path_factory.mktemp("trip")
    open_database(connection.sqlite_url(folder / "a.db"))
    try:
        for number, raw in enumerate(values):
            try:
                customers.create({**raw, "phone": f"0912{number:06d}"})
            except customers.FormErrors:
                continue
        before = customer_snapshot()
        export.export_file(folder / "a.xlsx")
        connection.close()
        open_database(connection.sqlite_url(folder / "b.db"))
        if before:
            import_workbook(folder / "a.xlsx", purchases=False)
        assert_same_customers(customer_snapshot(), before)
    finally:
        connection.close()
