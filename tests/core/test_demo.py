"""Demo data (shopcrm.core.demo): believable, deterministic, and safe to add twice. No Qt."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter

import pytest

from shopcrm.core import care_rules, demo, demo_words
from shopcrm.core.customers import derived
from shopcrm.core.phones import normalize_phone
from shopcrm.core.text import fold
from shopcrm.db import connection
from shopcrm.db.models import (
    ALL_MODELS, FEEDBACK_CHOICES, STAGE_CHOICES, TASK_TYPE_CHOICES, CareTask, Consent, Customer,
    CustomerTag, Feedback, Interaction, Purchase, Tag,
)
from shopcrm.db.session import open_database

TODAY = dt.date(2026, 5, 15)
COUNT = 300


def _open(path) -> None:
    open_database("sqlite:///" + str(path))


@pytest.fixture
def demo_db(tmp_path):
    """A fresh migrated SQLite file bound to the app's proxy."""
    _open(tmp_path / "t.db")
    yield
    connection.close()


@pytest.fixture
def generated(demo_db):
    """300 demo customers (seed 1) and the progress reports generate() made."""
    calls: list[tuple[int, int]] = []
    counts = demo.generate(COUNT, seed=1, today=TODAY, progress=lambda *args: calls.append(args))
    return counts, calls


def _digest() -> str:
    """A hash of every row of every table, in primary-key order."""
    sha = hashlib.sha256()
    for model in ALL_MODELS:
        if model._meta.table_name == "schema_version":
            continue  # stamped with the time of creation
        for row in model.select().order_by(*model._meta.get_primary_keys()):
            values = row.__data__
            if model is CareTask and row.source_key:  # made by the care engine, dated when it ran
                values = {**values, "created_at": None}
            sha.update(repr(sorted(values.items())).encode())
    return sha.hexdigest()


def test_counts_are_the_rows_written_and_progress_is_reported(generated):
    counts, calls = generated
    for model in (Customer, Tag, CustomerTag, Consent, Purchase, Interaction, Feedback, CareTask):
        assert counts[model._meta.table_name] == model.select().count() > 0, model
    assert counts["customer"] == COUNT
    assert calls[-1] == (COUNT, COUNT)


def test_codes_are_sequential_and_kh_formatted(generated):
    codes = [c for (c,) in Customer.select(Customer.code).order_by(Customer.id).tuples()]
    assert codes == [f"KH{n:06d}" for n in range(1, COUNT + 1)]


def test_phones_are_valid_unique_mobiles(generated):
    phones = [p for pair in Customer.select(Customer.phone, Customer.phone2).tuples()
              for p in pair if p]
    assert len(phones) > COUNT and len(set(phones)) == len(phones)
    for phone in phones:
        assert re.fullmatch(r"0[35789]\d{8}", phone), phone
        assert normalize_phone(phone) == phone


def test_people_have_vietnamese_names_matching_their_gender(generated):
    people = list(Customer.select().where(Customer.kind == "individual"))
    assert sum(fold(c.name) != c.name.casefold() for c in people) > 0.9 * len(people)
    assert 0.2 < sum(c.name.startswith("Nguyễn ") for c in people) / len(people) < 0.55
    female = {name for name, _ in demo_words.FEMALE_GIVEN}
    male = {name for name, _ in demo_words.MALE_GIVEN}
    for c in people:
        given = c.name.split()[-1]
        assert c.gender == "unknown" or given in (female if c.gender == "female" else male)
        assert not (c.gender == "male" and " Thị " in c.name)
        if c.birthday:
            assert 16 <= (TODAY - c.birthday).days / 365.25 < 76


def test_organisations_have_a_type_and_tax_code(generated):
    orgs = list(Customer.select().where(Customer.kind == "organisation"))
    assert 1 <= len(orgs) <= 0.08 * COUNT
    assert all(o.org_type and re.fullmatch(r"\d{10}", o.tax_code) for o in orgs)


def test_keys_are_those_derived_from_the_values(generated):
    for c in Customer.select():
        values = {f: getattr(c, f) for f in ("name", "code", "kind", "phone", "phone2", "email",
                                             "zalo", "facebook", "notes")}
        assert (c.search_key, c.sort_key) == tuple(derived(values)[k] for k in
                                                   ("search_key", "sort_key"))


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    digests = []
    for name, seed in (("a.db", 7), ("b.db", 7), ("c.db", 8)):
        _open(tmp_path / name)
        try:
            demo.generate(120, seed=seed, today=TODAY)
            digests.append(_digest())
        finally:
            connection.close()
    assert digests[0] == digests[1] != digests[2]


def test_a_second_run_adds_other_customers_without_clashes(generated):
    again = demo.generate(COUNT, seed=1, today=TODAY)
    assert again["customer"] == COUNT and again["tag"] == 0
    assert Tag.select().count() == len(demo_words.TAGS)
    codes = [c for (c,) in Customer.select(Customer.code).order_by(Customer.id).tuples()]
    assert codes[-1] == f"KH{2 * COUNT:06d}" and len(set(codes)) == 2 * COUNT
    phones = [p for pair in Customer.select(Customer.phone, Customer.phone2).tuples()
              for p in pair if p]
    assert len(set(phones)) == len(phones)
    names = [n for (n,) in Customer.select(Customer.name).order_by(Customer.id).tuples()]
    assert names[:COUNT] != names[COUNT:]


def test_care_tasks_are_overdue_due_today_and_upcoming(generated):
    planned = [t.due_date for t in CareTask.select().where(CareTask.status == "planned")]
    assert any(d < TODAY for d in planned) and TODAY in planned and any(d > TODAY for d in planned)
    for task in CareTask.select():
        assert task.task_type in TASK_TYPE_CHOICES and task.stage in STAGE_CHOICES and task.title
        assert (task.status == "done") == (task.done_at is not None)
        if task.status == "done":
            assert task.outcome


def test_the_care_engine_never_adds_a_second_task_beside_one_of_the_demos(generated):
    # The demo ran the engine itself: the same day adds nothing, and no hand-made task of
    # the rules' kinds lies in a window the engine fills, then or in the next weeks.
    assert care_rules.generate(TODAY).total == 0
    start = care_rules.Window.of(TODAY).start
    assert not CareTask.select().where(
        CareTask.source_key.is_null() & CareTask.task_type.in_(demo.ENGINE_TASKS)
        & (CareTask.due_date >= start)).exists()
    # Its tasks already due were worked through as the demo's own: most done, some waiting,
    # and a complaint's follow-up done exactly when the complaint was resolved.
    engine = list(CareTask.select().where(CareTask.source_key.is_null(False)
                                          & (CareTask.due_date < TODAY)))
    statuses = Counter(task.status for task in engine)
    assert statuses["done"] > statuses["planned"] > 0
    for task in engine:
        if task.task_type == "complaint_follow_up":
            complaint = Feedback.get_by_id(int(task.source_key.rsplit(":", 1)[1]))
            assert (task.status == "done") == (complaint.status == "resolved")


def test_purchases_are_skewed_and_in_round_vnd(generated):
    amounts = [a for (a,) in Purchase.select(Purchase.amount).tuples()]
    assert all(a > 0 and a % 1000 == 0 for a in amounts)
    assert 50_000 <= sorted(amounts)[len(amounts) // 2] <= 5_000_000
    dates = [d for (d,) in Purchase.select(Purchase.date).tuples()]
    assert TODAY - dt.timedelta(days=731) <= min(dates) and max(dates) <= TODAY
    per_customer = Counter(c for (c,) in Purchase.select(Purchase.customer).tuples())
    never = COUNT - len(per_customer)
    assert 0.08 * COUNT < never < 0.3 * COUNT  # potential customers
    assert max(per_customer.values()) >= 10  # a loyal, monthly buyer
    assert sum(n == 1 for n in per_customer.values()) > 0.3 * len(per_customer)


def test_feedback_is_mostly_good_with_a_few_complaints(generated):
    feedback = list(Feedback.select())
    assert all(f.kind in FEEDBACK_CHOICES for f in feedback)
    assert sum((f.rating or 0) >= 4 for f in feedback) > 0.6 * len(feedback)
    complaints = [f for f in feedback if f.kind == "complaint"]
    assert 0 < len(complaints) < 0.25 * len(feedback)
    assert any(f.status == "open" for f in complaints)
    for f in complaints:
        resolved = f.status == "resolved"
        assert resolved == bool(f.resolution) == (f.resolved_at is not None)
        assert (f.handler is not None) == (f.status != "open")


def test_referrals_point_at_earlier_customers(generated):
    referred = list(Customer.select().where(Customer.referred_by.is_null(False)))
    assert referred
    assert all(c.source == "referral" and c.referred_by_id < c.id for c in referred)


def test_segments_are_left_to_the_segment_engine_and_most_keep_data(generated):
    assert not Customer.select().where(Customer.funnel_segment.is_null(False)
                                       | Customer.value_tier.is_null(False)).exists()
    keep = Consent.select().where(Consent.purpose == "keep_data").count()
    assert keep > 0.85 * COUNT
