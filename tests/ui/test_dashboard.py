"""The dashboard window on a small shop (SQLite and PostgreSQL): periods, clicks, export."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from shopcrm.core import reports
from shopcrm.db.models import Customer, Purchase

TODAY = dt.date(2026, 3, 15)
D = dt.date


@pytest.fixture
def shop(db):
    """A few customers: A loyal (Hà Nội, walk-in) bought in January and February,
    B lapsed (Đà Nẵng, social) bought in December, C new (Hà Nội) bought in March."""
    def customer(code, segment, tier, source, province, purchases):
        row = Customer.create(code=code, name=f"Khách {code}", funnel_segment=segment,
                              value_tier=tier, source=source, province=province,
                              created_at=dt.datetime(2025, 6, 1, 12))
        for day, amount in purchases:
            Purchase.create(customer=row.id, date=day, amount=amount)
        return row.id

    return {"A": customer("KA", "loyal", "high", "walk_in", "Hà Nội",
                          [(D(2026, 1, 5), 200_000), (D(2026, 2, 1), 300_000)]),
            "B": customer("KB", "lapsed", "low", "social", "Đà Nẵng",
                          [(D(2025, 12, 31), 400_000)]),
            "C": customer("KC", "new", "average", None, "Hà Nội",
                          [(D(2026, 3, 2), 1_000_000)])}


@pytest.fixture
def board(qtbot, shop):
    from shopcrm.ui.app import make_application
    from shopcrm.ui.dashboard import DashboardWindow

    make_application("en")
    window = DashboardWindow(today=TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.board is not None and not window.is_computing(),
                    timeout=10_000)
    return window


def wait_for(qtbot, window, change):
    with qtbot.waitSignal(window.updated, timeout=10_000):
        change()


def test_opens_on_the_last_six_months(board):
    assert board.board.period == reports.Period(D(2025, 10, 1), TODAY)
    assert [month for month, _ in board.board.new_customers] == [
        "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert board.views["revenue"].chart().series_.count() == 1
    assert "1,900,000" not in board.cards["repeat"].value.text()
    assert board.top_customers.rowCount() == 3


def test_changing_the_period_changes_the_figures(qtbot, board):
    wait_for(qtbot, board, lambda: board.choose_preset("this_month"))
    assert board.board.period == reports.Period(D(2026, 3, 1), TODAY)
    assert [r.revenue for r in board.board.revenue] == [1_000_000]
    assert board.cards["repeat"].value.text() == "0.0 %"  # C bought once
    assert board.top_customers.cells()[0][:3] == ["KC", "Khách KC", "1,000,000 ₫"]

    wait_for(qtbot, board, lambda: board.choose_dates(D(2026, 1, 1), D(2026, 2, 28)))
    assert board.preset.currentData() == "custom"
    assert [r.revenue for r in board.board.revenue] == [200_000, 300_000]
    assert board.cards["repeat"].value.text() == "100.0 %"  # A: two days
    assert board.cards["repeat"].note.text() == "1 of 1 customers who bought"
    # retention: only B had bought before January, and did not buy again
    assert board.cards["retention"].value.text() == "0.0 %"
    assert board.cards["retention"].note.text() == "0 of 1 customers of the start"
    assert reports.RETENTION_DEFINITION in board.cards["retention"].toolTip()
    bars = board.views["revenue"].chart().series_.barSets()[0]
    assert [bars.at(i) for i in range(bars.count())] == [200, 300]  # thousand ₫


def test_dates_that_end_before_they_start_are_refused(qtbot, board):
    from PySide6.QtCore import QDate

    board.end_edit.setDate(QDate(2025, 1, 1))
    board.refresh()
    assert "must start on or before" in board.status.text()


def test_clicking_a_slice_or_bar_asks_for_the_filtered_list(qtbot, board):
    pie = board.views["segments"].chart().series_
    loyal = next(part for part in pie.slices() if part.label().startswith("Loyal"))
    with qtbot.waitSignal(board.filter_requested) as asked:
        loyal.clicked.emit()  # what a click on the slice sends
    assert asked.args == [{"segment": ["loyal"]}, "Segment: Loyal"]

    provinces = board.views["provinces"].chart().series_
    with qtbot.waitSignal(board.filter_requested) as asked:
        # the horizontal bars are drawn bottom-up: the first row (Hà Nội, 2) is the last bar
        provinces.clicked.emit(provinces.barSets()[0].count() - 1, provinces.barSets()[0])
    assert asked.args == [{"province": ["Hà Nội"]}, "Province: Hà Nội"]

    with qtbot.waitSignal(board.filter_requested) as asked:
        board.open_part("value_tier", board.keys["value_tier"].index("average"))
    assert asked.args == [{"value_tier": ["average"]}, "Value tier: Average value"]

    # "not recorded" (C has no source) has no list of its own
    with qtbot.assertNotEmitted(board.filter_requested):
        board.open_part("source", board.keys["source"].index(None))


def test_every_filter_asked_for_is_a_valid_list_of_what_was_clicked(qtbot, board):
    from shopcrm.core import filters

    received = []
    board.filter_requested.connect(lambda spec, title: received.append(spec))
    for axis in ("segment", "value_tier", "source", "province"):
        for index in range(len(board.keys[axis])):
            board.open_part(axis, index)
    for spec in received:
        assert filters.clean(spec) == spec
    counts = {tuple(spec.items())[0][1][0]: filters.count(spec) for spec in received}
    assert counts["Hà Nội"] == 2 and counts["loyal"] == 1 and counts["walk_in"] == 1


def test_export_to_excel_and_pdf(qtbot, board, tmp_path):
    wait_for(qtbot, board, lambda: board.choose_dates(D(2026, 1, 1), D(2026, 2, 28)))
    written = board.export_xlsx(tmp_path / "board.xlsx")
    book = load_workbook(written, read_only=True)
    assert len(book.sheetnames) == len(reports.sheets(board.board))
    revenue = list(book["Revenue"].iter_rows(values_only=True))
    assert revenue == [("Month", "Revenue (VND)", "Purchases"), ("2026-01", 200_000, 1),
                       ("2026-02", 300_000, 1)]
    segments = dict(book["Segments"].iter_rows(min_row=2, values_only=True))
    assert segments["Loyal"] == 1 and segments["Lapsed"] == 1
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary["Retention rate"] == 0 and summary["Repeat-purchase rate"] == 1
    book.close()

    pdf = board.save_pdf(tmp_path / "board.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.read_bytes().count(b"/Type /Page") >= 2


def test_export_asks_for_a_file_and_can_be_cancelled(board, monkeypatch):
    monkeypatch.setattr(board, "ask_save_path", lambda *args: None)
    assert board.export_xlsx() is None and board.save_pdf() is None


def test_open_dashboard_makes_one_window_per_parent(qtbot, shop):
    from PySide6.QtWidgets import QWidget

    from shopcrm.ui.app import make_application
    from shopcrm.ui.dashboard import open_dashboard

    make_application("en")
    parent = QWidget()
    qtbot.addWidget(parent)
    asked = []
    first = open_dashboard(parent, on_filter=lambda spec, title: asked.append(spec))
    qtbot.waitUntil(lambda: first.board is not None and not first.is_computing(),
                    timeout=10_000)
    assert open_dashboard(parent) is first
    qtbot.waitUntil(lambda: not first.is_computing(), timeout=10_000)
    first.open_part("segment", first.keys["segment"].index("new"))
    assert asked == [{"segment": ["new"]}]
