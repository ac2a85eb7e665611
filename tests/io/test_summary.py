"""The summary page and the printed list as HTML: Qt-free, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from shopcrm.core import customers, feedback, interactions, purchases, settings
from shopcrm.db.models import CareTask
from shopcrm.io import summary


def html_of(customer_id: int, **kwargs) -> str:
    return summary.customer_summary_html(
        customer_id, lambda text: text, lambda amount: f"{amount:,} ₫",
        lambda day: day.isoformat(), lambda field, key: key or "", **kwargs)


def test_summary_shows_identity_figures_and_recent_records(db):
    settings.put("shop_name", "Tiệm Hoa Mai")
    friend = customers.create({"name": "Lê Văn Bình"})
    hoa = customers.create({"name": "Nguyễn Thị Thu Hà", "phone": "0912345678",
                            "gender": "female", "birthday": dt.date(1990, 5, 1),
                            "notes": "Thích áo dài.\n" + "rất dài " * 200})
    customers.update(friend.id, {**customers.as_values(friend), "referred_by": hoa.id},
                     friend.version)
    for number in range(7):
        purchases.add_purchase(hoa.id, dt.date(2024, 1, 1 + number), 100_000 * (number + 1),
                               f"Áo số {number}")
    feedback.add_feedback(hoa.id, "praise", rating=5, comment="Rất hài lòng")
    feedback.add_feedback(hoa.id, "suggestion", rating=4, comment="Thêm màu đỏ")
    interactions.add_interaction(hoa.id, "call", "Gọi hỏi size")
    CareTask.create(customer=hoa.id, task_type="birthday", due_date=dt.date(2030, 5, 1))
    CareTask.create(customer=hoa.id, task_type="welcome", due_date=dt.date(2024, 1, 2),
                    status="done")

    html = html_of(hoa.id, today=dt.date(2025, 1, 1))
    assert "Tiệm Hoa Mai" in html and "Nguyễn Thị Thu Hà" in html and "KH000002" in html
    assert "chị" in html  # the suggested honorific (a woman of 34)
    assert "0912 345 678" in html
    assert "2,800,000 ₫" in html and "400,000 ₫" in html  # total, average basket
    assert "2024-01-07" in html  # last purchase
    assert "4.5 ★" in html  # average rating
    assert "Referrals</td><td>1" in html
    assert "Áo số 6" in html and "Áo số 2" in html and "Áo số 1" not in html  # the last 5
    assert "… and 2 more" in html
    assert "birthday" in html and "welcome" not in html  # open tasks only
    assert "Gọi hỏi size" in html and "Rất hài lòng" in html
    assert "Thích áo dài." in html and "…" in html
    assert len(html.split("Notes")[1]) < summary.NOTES_MAX + 400  # the notes were cut

    customers.update(hoa.id, {**customers.as_values(customers.get(hoa.id)), "honorific": "cô"},
                     customers.get(hoa.id).version)
    assert "Form of address: cô" in html_of(hoa.id)


def test_loyal_marker_and_segment_badges(db):
    customer = customers.create({"name": "Trần Văn Đức"})
    customer.funnel_segment, customer.value_tier = "loyal", "high"
    customer.save()
    html = html_of(customer.id)
    assert "★ Loyal customer" in html and ">&nbsp;loyal&nbsp;<" in html
    assert ">&nbsp;high&nbsp;<" in html


def test_a_customer_without_history_has_a_short_page(db):
    customer = customers.create({"name": "Phạm Minh"})
    html = html_of(customer.id, shop_name="")
    assert "Last purchases" not in html and "Open care tasks" not in html
    assert "Purchases</td><td>0" in html


def test_cut_keeps_short_text_and_ends_long_text_with_an_ellipsis():
    assert summary._cut("  a  b ", 10) == "a b"
    assert summary._cut("x" * 20, 10) == "x" * 9 + "…"
    assert summary._lines("1\n2\n3", 100, 2) == "1<br/>2 …"


def test_list_rows_keep_the_order_and_sum_the_purchases(db):
    first = customers.create({"name": "Đỗ An", "phone": "0987654321"})
    second = customers.create({"name": "Vũ Bình"})
    purchases.add_purchase(first.id, dt.date(2024, 3, 1), 200_000)
    purchases.add_purchase(first.id, dt.date(2024, 5, 1), 300_000)
    rows = summary.list_rows([second.id, first.id], chunk=1)
    assert [(r.name, r.total, r.last) for r in rows] == [
        ("Vũ Bình", 0, None), ("Đỗ An", 500_000, dt.date(2024, 5, 1))]
    html = summary.customer_list_html(rows, lambda t: t, str, dt.date.isoformat,
                                      lambda f, k: k or "")
    assert "<thead>" in html and "Total spent" in html and "0987 654 321" in html
