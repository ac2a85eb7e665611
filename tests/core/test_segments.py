"""The segment rules at their boundaries, the value cut with ties, and when they are recomputed."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shopcrm import cli
from shopcrm.core import customers, segments, settings
from shopcrm.core.segments import Activity, Cuts, SegmentRules
from shopcrm.db import connection
from shopcrm.db.models import Customer, Purchase

TODAY = dt.date(2026, 6, 30)
RULES = SegmentRules()  # the defaults: 180 days, 3 in 12 months, 5,000,000 ₫ in 90 days, 20/30 %


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def customer(*purchases: tuple[dt.date, int], name: str = "Khách") -> int:
    """A customer with purchases (day, amount) written straight to the table."""
    cid = customers.create({"name": name}).id
    for day, amount in purchases:
        Purchase.create(customer=cid, date=day, amount=amount)
    return cid


def stored(cid: int) -> tuple[str | None, str | None]:
    row = Customer.get_by_id(cid)
    return row.funnel_segment, row.value_tier


def funnel_on(cid: int, today: dt.date, rules: SegmentRules = RULES) -> str:
    segments.recompute_all(today, rules)
    return stored(cid)[0]


# -- the funnel ------------------------------------------------------------------------

def test_customer_without_purchase_is_potential_with_no_tier(db):
    cid = customer()
    segments.recompute_all(TODAY)
    assert stored(cid) == ("potential", None)


def test_customer_becomes_lapsed_the_day_after_lapsed_after_days(db):
    cid = customer((TODAY, 100_000))
    assert funnel_on(cid, TODAY + dt.timedelta(days=180)) == "new"
    assert funnel_on(cid, TODAY + dt.timedelta(days=181)) == "lapsed"


def test_third_purchase_day_within_loyal_months_makes_a_customer_loyal(db):
    cid = customer((days_ago(10), 100_000), (days_ago(200 - 40), 100_000))
    assert funnel_on(cid, TODAY) == "new"  # two recent ordinary purchases: still new
    Purchase.create(customer=cid, date=days_ago(5), amount=100_000)
    assert funnel_on(cid, TODAY) == "loyal"


def test_loyalty_window_starts_the_day_after_the_same_day_loyal_months_ago(db):
    year_ago = segments.months_before(TODAY, 12)
    assert year_ago == dt.date(2025, 6, 30)
    outside = customer((year_ago, 1000), (days_ago(3), 1000), (days_ago(2), 1000))
    inside = customer((year_ago + dt.timedelta(days=1), 1000), (days_ago(3), 1000),
                      (days_ago(2), 1000))
    segments.recompute_all(TODAY)
    assert stored(outside)[0] == "new"
    assert stored(inside)[0] == "loyal"


def test_several_receipts_on_one_day_count_as_one_purchase_for_loyalty(db):
    cid = customer((days_ago(1), 1000), (days_ago(1), 2000), (days_ago(1), 3000),
                   (days_ago(9), 1000))
    assert funnel_on(cid, TODAY) == "new"


def test_first_big_purchase_exactly_at_the_threshold_and_one_dong_below(db):
    big = customer((days_ago(1), 5_000_000))
    below = customer((days_ago(1), 4_999_999))
    split = customer((days_ago(1), 2_500_000), (days_ago(1), 2_500_000))  # one visit
    segments.recompute_all(TODAY)
    assert stored(big)[0] == "first_big"
    assert stored(below)[0] == "new"
    assert stored(split)[0] == "first_big"


def test_first_big_lasts_first_big_days_after_the_first_purchase(db):
    cid = customer((TODAY, 9_000_000))
    assert funnel_on(cid, TODAY + dt.timedelta(days=90)) == "first_big"
    assert funnel_on(cid, TODAY + dt.timedelta(days=91)) == "new"


def test_only_the_first_purchase_day_counts_for_first_big(db):
    cid = customer((days_ago(30), 100_000), (days_ago(2), 9_000_000))
    assert funnel_on(cid, TODAY) == "new"


def test_precedence_lapsed_before_loyal_before_first_big():
    rules = SegmentRules(lapsed_after_days=30)
    loyal_big = Activity(days_ago(20), days_ago(1), 20_000_000, 3, 10_000_000)
    assert segments.funnel_segment(loyal_big, TODAY, rules) == "loyal"
    gone = loyal_big._replace(last=days_ago(31))
    assert segments.funnel_segment(gone, TODAY, rules) == "lapsed"
    assert segments.funnel_segment(loyal_big._replace(loyal_days=2), TODAY, rules) == "first_big"
    assert segments.compute(segments.NO_PURCHASE, Cuts(1, 1), TODAY, rules) == segments.POTENTIAL


# -- the value tier ---------------------------------------------------------------------

def test_top_percent_cut_rounds_up_and_keeps_ties_together():
    rules = SegmentRules(high_value_percent=20, low_value_percent=30)
    totals = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]
    assert Cuts.of(totals, rules) == Cuts(high=900, low=300)  # 2 of 10 high, 3 of 10 low
    # the 2nd richest ties with two more: the cut is 900 and all four reach it (4 of 10 high)
    tied = [1000, 900, 900, 900, 500, 400, 300, 200, 100, 100]
    assert Cuts.of(tied, rules) == Cuts(high=900, low=200)
    assert sum(segments.value_tier(Activity(TODAY, TODAY, t), Cuts(900, 200)) == "high"
               for t in tied) == 4
    assert Cuts.of([500], rules) == Cuts(high=500, low=500)  # the only buyer: high wins
    assert Cuts.of([], rules) == Cuts(None, None)
    assert Cuts.of(totals, SegmentRules(high_value_percent=0, low_value_percent=0)) == (None, None)
    high_first = segments.value_tier(Activity(TODAY, TODAY, 500), Cuts(500, 500))
    assert high_first == "high"


def test_value_tiers_with_a_tie_at_the_high_cut(db):
    ids = {total: customer((days_ago(5), total), name=f"K{total}")
           for total in (100, 200, 300, 400, 500, 600, 700, 800, 900, 1000)}
    tied = customer((days_ago(5), 400), (days_ago(4), 500), name="Tied")  # 900 in two purchases
    nobody = customer()
    segments.recompute_all(TODAY, SegmentRules(high_value_percent=10, low_value_percent=30))
    tiers = {total: stored(cid)[1] for total, cid in ids.items()}
    # 11 buyers: the top ceil(1.1) = 2 end at a 900, so both 900s are high (3 of 11);
    # the bottom ceil(3.3) = 4 go up to 400.
    assert tiers == {1000: "high", 900: "high", 800: "average", 700: "average", 600: "average",
                     500: "average", 400: "low", 300: "low", 200: "low", 100: "low"}
    assert stored(tied)[1] == "high"
    assert stored(nobody)[1] is None


def test_customers_in_the_trash_do_not_count_in_the_cut_but_are_computed(db):
    rich = customer((days_ago(5), 9_000), name="Rich")
    mid = customer((days_ago(5), 500), name="Mid")
    poor = customer((days_ago(5), 100), name="Poor")
    rules = SegmentRules(high_value_percent=34, low_value_percent=34)
    customers.trash([rich])
    segments.recompute_all(TODAY, rules)
    assert [stored(c)[1] for c in (rich, mid, poor)] == ["high", "high", "low"]


# -- recomputing ------------------------------------------------------------------------

def test_recompute_all_writes_only_what_changed_and_counts_the_living(db):
    cid = customer((days_ago(1), 100_000))
    customer()
    trashed = customer()
    customers.trash([trashed])
    first = segments.recompute_all(TODAY)
    assert first.changed == 3
    assert first.funnel == {"potential": 1, "new": 1, "loyal": 0, "lapsed": 0, "first_big": 0}
    assert first.tier == {"high": 1, "average": 0, "low": 0}
    assert segments.recompute_all(TODAY).changed == 0
    Customer.update(funnel_segment="loyal").where(Customer.id == cid).execute()
    assert segments.recompute_all(TODAY).changed == 1
    assert segments.counts() == (first.funnel, first.tier)


def test_recompute_customer_uses_the_shop_wide_cut(db):
    others = [customer((days_ago(3), total)) for total in (100, 200, 300, 400)]
    segments.recompute_all(TODAY)
    cid = customer((days_ago(2), 50))
    assert segments.recompute_customer(cid, TODAY) == ("new", "low")
    Purchase.create(customer=cid, date=days_ago(1), amount=10_000)
    assert segments.recompute_customer(cid, TODAY) == ("new", "high")
    assert stored(cid) == ("new", "high")
    assert stored(others[-1]) == ("new", "high")  # the others follow at the next recompute_all


def test_recompute_if_stale_runs_once_a_day_and_customers_lapse_as_days_pass(db):
    cid = customer((TODAY - dt.timedelta(days=180), 100_000))
    assert segments.recompute_if_stale(TODAY) is not None
    assert stored(cid)[0] == "new"
    assert segments.recompute_if_stale(TODAY) is None
    assert settings.get("segments_computed")["on"] == TODAY.isoformat()
    assert segments.recompute_if_stale(TODAY + dt.timedelta(days=1)) is not None
    assert stored(cid)[0] == "lapsed"


def test_changed_thresholds_trigger_a_recompute(db):
    cid = customer((days_ago(100), 100_000))
    segments.recompute_if_stale(TODAY)
    assert stored(cid)[0] == "new"
    settings.put("segment_rules", {**RULES.to_setting(), "lapsed_after_days": 90})  # elsewhere
    assert segments.recompute_if_stale(TODAY) is not None
    assert stored(cid)[0] == "lapsed"
    result = segments.save_rules({"lapsed_after_days": "120"}, TODAY)
    assert stored(cid)[0] == "new"
    assert result.funnel["new"] == 1
    assert SegmentRules.from_setting().lapsed_after_days == 120
    assert segments.recompute_if_stale(TODAY) is None


def test_saving_bad_rules_names_each_bad_one_and_stores_nothing(db):
    with pytest.raises(segments.RuleErrors) as caught:
        segments.save_rules({"lapsed_after_days": -1, "loyal_purchases": True,
                             "big_purchase_vnd": 10**14, "loyal_months": 1.5})
    assert set(caught.value.errors) == {"lapsed_after_days", "loyal_purchases",
                                        "big_purchase_vnd", "loyal_months"}
    assert "from 1 to 3650" in str(caught.value.errors["lapsed_after_days"])
    with pytest.raises(segments.RuleErrors) as caught:
        SegmentRules.from_values({"high_value_percent": 80, "low_value_percent": 30})
    assert set(caught.value.errors) == {"low_value_percent"}
    assert SegmentRules.from_setting() == SegmentRules()


def test_rules_round_trip_through_the_setting_with_documented_defaults():
    rules = SegmentRules.from_values({"loyal_months": 6, "unknown": 1})
    assert SegmentRules.from_values(rules.to_setting()) == rules
    assert set(rules.to_setting()) == set(segments.RULES)
    assert SegmentRules().to_setting() == settings.SETTINGS["segment_rules"].default


def test_months_before_clamps_to_the_end_of_a_shorter_month():
    assert segments.months_before(dt.date(2026, 5, 31), 3) == dt.date(2026, 2, 28)
    assert segments.months_before(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)
    assert segments.months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)


def test_loyal_marker_goes_to_loyal_or_high_value_customers(db):
    loyal = customer((days_ago(1), 10), (days_ago(2), 10), (days_ago(3), 10))
    high = customer((days_ago(1), 10**9))
    plain = customer()
    segments.recompute_all(TODAY)
    assert [segments.is_loyal_marker(Customer.get_by_id(c)) for c in (loyal, high, plain)] == [
        True, True, False]
    marked = Customer.select(Customer.id).where(segments.loyal_marker_condition())
    assert sorted(c.id for c in marked) == sorted([loyal, high])


def test_cli_segments_prints_code_segment_and_tier(db, db_url, capsys):
    customer((dt.date.today(), 6_000_000), name="Nguyễn Thị Thu Hà")
    customer(name="Trần Văn Đức")
    connection.close()
    assert cli.main(["--db", db_url, "segments"]) == 0
    assert capsys.readouterr().out.splitlines() == ["KH000001\tfirst_big\thigh",
                                                    "KH000002\tpotential\t"]
    assert cli.main(["--db", db_url, "segments", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"code": "KH000001", "segment": "first_big", "tier": "high"},
        {"code": "KH000002", "segment": "potential", "tier": None}]


# -- the SQL of recompute_all on PostgreSQL against the Python rules -----------------------

def test_sql_case_is_generated_from_the_same_rules_as_python():
    ladder = segments.funnel_ladder(TODAY, RULES)
    sql, params = ladder.sql(lambda field: field)
    assert sql.count("WHEN") == 1 + len(ladder.steps)
    assert params[0] == "potential" and params[-1] == "new"
    assert [p for p in params if isinstance(p, str)] == ["potential", "lapsed", "loyal",
                                                         "first_big", "new"]
    no_cut, _ = segments.tier_ladder(Cuts(None, 500)).sql(lambda field: field)
    assert no_cut.count("WHEN") == 2  # no high cut: that step never holds, as in Python


@pytest.mark.parametrize("rules", [
    RULES,
    SegmentRules(lapsed_after_days=30, loyal_purchases=2, loyal_months=1, big_purchase_vnd=2000,
                 first_big_days=10, high_value_percent=0, low_value_percent=100),
    SegmentRules(lapsed_after_days=5, loyal_purchases=4, loyal_months=2, big_purchase_vnd=1000,
                 first_big_days=45, high_value_percent=100, low_value_percent=0),
    SegmentRules(high_value_percent=7, low_value_percent=13, big_purchase_vnd=3000),
])
def test_postgresql_sql_path_agrees_with_the_python_rules(fresh_pg_url, rules):
    """recompute_all() classifies in SQL on PostgreSQL: the same results as the Python path
    (the reference, used on SQLite) on customers at every threshold, trashed ones included."""
    import random

    from shopcrm.db.session import open_database

    open_database(fresh_pg_url)
    try:
        rng = random.Random(7)
        edges = {0, 1, 2, 3, 5, 9, 10, 11, 29, 30, 31, 44, 45, 46, 89, 90, 91, 179, 180, 181,
                 364, 365, 366, 400}
        edges |= {(TODAY - segments.months_before(TODAY, m)).days + d
                  for m in (1, 2, 12) for d in (-1, 0, 1)}
        amounts = [500, 999, 1000, 1001, 1999, 2000, 2500, 2_500_000, 4_999_999, 5_000_000]
        ids = [customer(*[(days_ago(rng.choice(sorted(edges))), rng.choice(amounts))
                          for _ in range(rng.choice([0, 1, 1, 2, 3, 4, 6]))], name=f"K{n}")
               for n in range(150)]
        customers.trash(rng.sample(ids, 15))

        def stored_all():
            return {cid: (funnel, tier) for cid, funnel, tier in Customer.select(
                Customer.id, Customer.funnel_segment, Customer.value_tier).tuples()}

        with connection.db.atomic():
            assert segments._recompute_in_python(TODAY, rules)[0] == len(ids)
        expected = stored_all()
        Customer.update(funnel_segment="loyal", value_tier="low").execute()  # all stale
        result = segments.recompute_all(TODAY, rules)
        assert stored_all() == expected
        assert result.changed == sum(segs != ("loyal", "low") for segs in expected.values())
        assert segments.recompute_all(TODAY, rules).changed == 0
        living = {cid for (cid,) in Customer.select(Customer.id)
                  .where(Customer.deleted_at.is_null()).tuples()}
        assert sum(result.funnel.values()) == len(living)
        assert result.funnel["potential"] == sum(expected[c][0] == "potential" for c in living)
    finally:
        connection.close()
