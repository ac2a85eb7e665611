"""The dashboard's figures against a small dataset computed by hand (SQLite and PostgreSQL).

The shop, on TODAY = 15/03/2026, period = January and February 2026, lapsed after 30 days.
Timestamps are at noon UTC (or named hours) so the local day is the same in any zone
from UTC-11 to UTC+11.

  customer  created     source    province  referred  segment/tier      purchases (VND)
  A         2025-06-01  walk_in   Hà Nội    -         loyal/high        2025-11-10 100k, 2026-01-05 200k
                                                                        + 50k (same day), 2026-02-01 300k
  B         2025-07-01  social    Hà Nội    -         lapsed/average    2025-12-31 400k
  C         2025-08-01  referral  Đà Nẵng   A         new/high          2026-01-28 1,000k
  D         2026-01-01  -         -         A         new/low           2026-01-01 70k, 2026-02-28 80k
  E         2026-02-01  -         Cần Thơ   B         potential/-       -
  F (trash) 2025-05-01  walk_in   Hà Nội    A         loyal/high        2025-10-01 1,000k, 2026-01-15 5,000k
  G         2025-01-10  social    -         -         lapsed/low        2025-09-01 60k
  H         2025-12-31  -         -         -         (not computed)    2025-12-20 90k, 2026-03-01 10k
"""

from __future__ import annotations

import datetime as dt

import pytest

from shopcrm.core import reports
from shopcrm.core.reports import (
    CareFigures,
    Complaints,
    MonthRating,
    MonthRevenue,
    Period,
    Retention,
    RepeatRate,
    TopCustomer,
    TopReferrer,
)
from shopcrm.core.errors import ValidationError
from shopcrm.core.segments import SegmentRules
from shopcrm.db.models import CareTask, Customer, Feedback, Purchase

TODAY = dt.date(2026, 3, 15)
PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 2, 28))
RULES = SegmentRules(lapsed_after_days=30)
D = dt.date


def noon(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


@pytest.fixture
def shop(db):
    ids = {}

    def customer(key, created, source=None, province=None, referrer=None, funnel=None,
                 tier=None, trashed=False, purchases=()):
        row = Customer.create(code=f"K{key}", name=f"Khách {key}", created_at=noon(created),
                              source=source, province=province,
                              referred_by=ids.get(referrer), funnel_segment=funnel,
                              value_tier=tier, deleted_at=noon(TODAY) if trashed else None)
        ids[key] = row.id
        for day, amount in purchases:
            Purchase.create(customer=row.id, date=day, amount=amount)

    customer("A", D(2025, 6, 1), "walk_in", "Hà Nội", None, "loyal", "high", purchases=[
        (D(2025, 11, 10), 100_000), (D(2026, 1, 5), 200_000), (D(2026, 1, 5), 50_000),
        (D(2026, 2, 1), 300_000)])
    customer("B", D(2025, 7, 1), "social", "Hà Nội", None, "lapsed", "average",
             purchases=[(D(2025, 12, 31), 400_000)])
    customer("C", D(2025, 8, 1), "referral", "Đà Nẵng", "A", "new", "high",
             purchases=[(D(2026, 1, 28), 1_000_000)])
    customer("D", D(2026, 1, 1), None, None, "A", "new", "low",
             purchases=[(D(2026, 1, 1), 70_000), (D(2026, 2, 28), 80_000)])
    customer("E", D(2026, 2, 1), None, "Cần Thơ", "B", "potential", None)
    customer("F", D(2025, 5, 1), "walk_in", "Hà Nội", "A", "loyal", "high", trashed=True,
             purchases=[(D(2025, 10, 1), 1_000_000), (D(2026, 1, 15), 5_000_000)])
    customer("G", D(2025, 1, 10), "social", None, None, "lapsed", "low",
             purchases=[(D(2025, 9, 1), 60_000)])
    customer("H", D(2025, 12, 31), purchases=[(D(2025, 12, 20), 90_000), (D(2026, 3, 1), 10_000)])

    def feedback(key, at, rating=None, kind="praise", status=None, resolved=None):
        Feedback.create(customer=ids[key], at=at, rating=rating, kind=kind, status=status,
                        resolved_at=resolved, comment="…")

    feedback("A", noon(D(2026, 1, 10)), 5)
    feedback("B", noon(D(2026, 1, 31)), 4)
    feedback("C", noon(D(2026, 2, 1)), 2)
    feedback("D", noon(D(2026, 2, 3)))  # a comment without rating: no average
    feedback("F", noon(D(2026, 1, 15)), 1)  # trash
    feedback("G", noon(D(2025, 12, 31)), 3)  # before the period
    # complaints: 2.5 days and 3 days resolved in the period, one resolved after it
    feedback("A", noon(D(2026, 1, 10), 8), kind="complaint", status="resolved",
             resolved=noon(D(2026, 1, 12), 20))
    feedback("B", noon(D(2025, 12, 30)), kind="complaint", status="resolved",
             resolved=noon(D(2026, 1, 2)))
    feedback("C", noon(D(2026, 2, 20)), kind="complaint", status="resolved",
             resolved=noon(D(2026, 3, 2)))
    feedback("D", noon(D(2026, 2, 21)), kind="complaint", status="open")
    feedback("G", noon(D(2026, 2, 22)), kind="complaint", status="in_progress")
    feedback("F", noon(D(2026, 2, 23)), kind="complaint", status="open")  # trash

    def task(key, due, status="planned", done=None):
        CareTask.create(customer=ids[key], due_date=due, status=status, done_at=done)

    task("A", D(2026, 1, 10), "done", noon(D(2026, 1, 10)))  # on time: the same day
    task("B", D(2026, 1, 31), "done", noon(D(2026, 2, 1)))  # late: the next day
    task("C", D(2026, 2, 10), "done", noon(D(2026, 2, 5)))  # on time: early
    task("D", D(2026, 2, 28))  # overdue on 15/03
    task("G", D(2026, 2, 15), "skipped", noon(D(2026, 2, 15)))
    task("F", D(2026, 1, 20))  # trash
    task("H", D(2025, 12, 31), "done", noon(D(2026, 1, 5)))  # due before the period
    task("A", D(2026, 3, 20))  # due after the period (pending in March)
    task("H", D(2026, 3, 10))  # overdue in March
    return ids


def test_period_months_cut_at_its_ends():
    period = Period(D(2025, 12, 15), D(2026, 2, 3))
    assert [tuple(m) for m in period.months()] == [
        ("2025-12", D(2025, 12, 15), D(2025, 12, 31)), ("2026-01", D(2026, 1, 1), D(2026, 1, 31)),
        ("2026-02", D(2026, 2, 1), D(2026, 2, 3))]
    with pytest.raises(ValidationError):
        Period(D(2026, 2, 1), D(2026, 1, 31))


def test_segments_and_tiers_now_without_the_trash(shop):
    # A loyal, B G lapsed, C D new, E potential, H not computed; F in the trash
    assert reports.customers_by_segment() == [
        ("potential", 1), ("new", 2), ("loyal", 1), ("lapsed", 2), ("first_big", 0), (None, 1)]
    # high A C, average B, low D G, none E H
    assert reports.customers_by_tier() == [("high", 2), ("average", 1), ("low", 2), (None, 2)]


def test_new_customers_per_month_at_month_boundaries(shop):
    # D on 1 January, E on 1 February; H on 31 December is before the period
    assert reports.new_customers_per_month(PERIOD) == [("2026-01", 1), ("2026-02", 1)]


def test_revenue_per_month(shop):
    # January: A 200,000 + 50,000 (5/1), C 1,000,000 (28/1), D 70,000 (1/1) = 1,320,000 in 4
    # February: A 300,000 (1/2), D 80,000 (28/2) = 380,000 in 2; F's 5,000,000 is in the trash,
    # B's 31/12 and H's 1/3 are outside
    assert reports.revenue_per_month(PERIOD) == [MonthRevenue("2026-01", 1_320_000, 4),
                                                 MonthRevenue("2026-02", 380_000, 2)]


def test_repeat_purchase_rate(shop):
    # buyers in the period: A (5/1 twice, 1/2: 2 days), C (1 day), D (1/1, 28/2: 2 days)
    repeat = reports.repeat_purchase_rate(PERIOD)
    assert repeat == RepeatRate(buyers=3, repeaters=2)
    assert repeat.rate == pytest.approx(2 / 3)


def test_retention_rate(shop):
    # customers of the start: A (bought 10/11), B (31/12), G (1/9), H (created 31/12, bought
    # 20/12); not C (no purchase before), not D E (created in the period), not F (trash).
    # Bought again in the period: A only (H's 1/3 is after it) -> 1 / 4
    retention = reports.retention_rate(PERIOD)
    assert retention == Retention(at_start=4, retained=1)
    assert retention.rate == 0.25


def test_lapsed_trend_counts_more_than_n_days_at_each_month_end(shop):
    # 31/01 (window 01/01..31/01): B (31/12: 31 days), G, H lapsed; D (1/1: exactly 30 days),
    # A, C active -> 3.  28/02 (window 29/01..28/02): C (28/1: 31 days) joins B, G, H -> 4
    assert reports.lapsed_trend(PERIOD, TODAY, RULES) == [("2026-01", 3), ("2026-02", 4)]
    # months after today have no figure; the current month is counted on today
    assert reports.lapsed_trend(Period(D(2026, 1, 1), D(2026, 12, 31)), D(2026, 2, 10),
                                RULES) == [("2026-01", 3), ("2026-02", 4)]
    # 10/02 (window 11/01..10/02): D (last 1/1 then: 40 days) joins B, G, H; A, C active


def test_lapsed_trend_with_the_shop_rules_matches_the_segments(shop):
    from shopcrm.core import segments
    segments.recompute_all(TODAY)  # default 180 days: nobody here is lapsed on 15/03 but G
    lapsed = dict(segments.counts().funnel)["lapsed"]
    assert reports.lapsed_trend(Period(D(2026, 3, 1), D(2026, 3, 31)), TODAY) == [
        ("2026-03", lapsed)]
    assert lapsed == 1


def test_average_rating_per_month(shop):
    # January: A 5, B 4 -> 4.5 over 2; February: C 2 (D's comment has no rating); F in the
    # trash, G's 31/12 before the period
    assert reports.average_rating_per_month(PERIOD) == [MonthRating("2026-01", 4.5, 2),
                                                        MonthRating("2026-02", 2.0, 1)]
    assert reports.average_rating_per_month(Period(D(2025, 11, 1), D(2025, 11, 30))) == [
        MonthRating("2025-11", None, 0)]


def test_complaints_open_now_and_resolution_time(shop):
    # open: D (F's in the trash); in progress: G; resolved in the period: A 10/1 08:00 ->
    # 12/1 20:00 = 2.5 days, B 30/12 12:00 -> 2/1 12:00 = 3 days: (2.5 + 3) / 2 = 2.75;
    # C's resolved on 2/3, after the period
    found = reports.complaints(PERIOD)
    assert found == Complaints(open=1, in_progress=1, resolved=2, average_days=pytest.approx(2.75))
    assert found.unresolved == 2


def test_care_tasks_on_time_late_overdue_skipped(shop):
    # due in the period: A on time (same day), C on time (early), B late (a day after),
    # D overdue (planned, due 28/2 < 15/3), G skipped; F in the trash; H's due 31/12
    care = reports.care_tasks(PERIOD, TODAY)
    assert care == CareFigures(on_time=2, late=1, overdue=1, skipped=1, pending=0)
    assert care.on_time_rate == pytest.approx(2 / 3)
    # March: H's 10/3 overdue, A's 20/3 pending
    assert reports.care_tasks(Period(D(2026, 3, 1), D(2026, 3, 31)), TODAY) == CareFigures(
        0, 0, 1, 0, 1)


def test_sources_and_provinces_top_then_others_then_unknown(shop, monkeypatch):
    # social B G, referral C, walk_in A (F in the trash); none D E H
    assert reports.customers_by_source() == [("social", 2), ("referral", 1), ("walk_in", 1),
                                             (None, 3)]
    # Hà Nội A B, Cần Thơ E, Đà Nẵng C; none D G H
    assert reports.customers_by_province() == [("Hà Nội", 2), ("Cần Thơ", 1), ("Đà Nẵng", 1),
                                               (None, 3)]
    monkeypatch.setattr(reports, "TOP", 2)
    assert reports.customers_by_province() == [("Hà Nội", 2), ("Cần Thơ", 1),
                                               (reports.OTHERS, 1), (None, 3)]


def test_top_customers_and_referrers(shop):
    # spend in the period: C 1,000,000 (1), A 550,000 (3), D 150,000 (2); F in the trash
    top = reports.top_customers(PERIOD)
    assert [(t.code, t.spent, t.purchases) for t in top] == [
        ("KC", 1_000_000, 1), ("KA", 550_000, 3), ("KD", 150_000, 2)]
    assert isinstance(top[0], TopCustomer) and top[0].customer_id == shop["C"]
    # A referred C and D (F in the trash), D in the period; B referred E, in the period
    assert reports.top_referrers(PERIOD) == [
        TopReferrer(shop["A"], "KA", "Khách A", 2, 1), TopReferrer(shop["B"], "KB", "Khách B", 1, 1)]


def test_dashboard_gathers_every_figure_and_exports_them(shop):
    timings = {}
    board = reports.dashboard(PERIOD, TODAY, RULES, timings=timings)
    assert board.repeat == RepeatRate(3, 2) and board.retention == Retention(4, 1)
    assert board.lapsed == [("2026-01", 3), ("2026-02", 4)]
    assert board.lapsed_after_days == 30
    assert board.revenue == reports.revenue_per_month(PERIOD)
    assert board.new_customers == [("2026-01", 1), ("2026-02", 1)]
    assert board.care == CareFigures(2, 1, 1, 1, 0)
    assert board.complaints.average_days == pytest.approx(2.75)
    assert [t.code for t in board.top_customers] == ["KC", "KA", "KD"]
    assert [t.code for t in board.top_referrers] == ["KA", "KB"]
    assert board.sources[0] == ("social", 2) and board.provinces[0] == ("Hà Nội", 2)
    assert timings and all(seconds >= 0 for seconds in timings.values())

    sheets = reports.sheets(board)
    assert all(len(name) <= 31 for name in sheets)
    for headers, rows in sheets.values():
        assert all(len(row) == len(headers) for row in rows)
    assert sheets["Revenue"][1] == [("2026-01", 1_320_000, 4), ("2026-02", 380_000, 2)]
    summary = dict(sheets["Summary"][1])
    assert summary["Retention rate"] == 0.25
    assert summary["Repeat-purchase rate"] == pytest.approx(2 / 3)
    assert summary["Average resolution time (days)"] == pytest.approx(2.75)
    assert dict(sheets["Care tasks"][1])["on_time_rate"] == pytest.approx(2 / 3)
    assert sheets["Top customers"][1][0] == ("KC", "Khách C", 1_000_000, 1)


def test_empty_shop_gives_zeros_and_no_rates(db):
    board = reports.dashboard(PERIOD, TODAY, RULES)
    assert board.repeat.rate is None and board.retention.rate is None
    assert board.complaints == Complaints(0, 0, 0, None)
    assert board.care.on_time_rate is None
    assert board.revenue == [MonthRevenue("2026-01", 0, 0), MonthRevenue("2026-02", 0, 0)]
    assert board.lapsed == [("2026-01", 0), ("2026-02", 0)]
    assert board.top_customers == [] and board.top_referrers == []
    assert reports.sheets(board)
