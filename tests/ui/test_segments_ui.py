"""Segments in the window: badges in the list, the detail header, the rules dialog, and
customers becoming lapsed as days pass without any edit."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from shopcrm.core import customers, purchases, segments
from shopcrm.core import settings as shop_settings
from shopcrm.db.models import Customer
from shopcrm.ui import jobs
from shopcrm.ui.segment_rules_dialog import SegmentRulesDialog

TODAY = dt.date.today()


@pytest.fixture
def ha(window, qtbot):
    qtbot.waitUntil(lambda: window._segments_day is not None and not jobs._running,
                    timeout=10_000)
    customer_id = customers.create({"name": "Nguyễn Thị Hà"}).id
    for days in (10, 100):
        purchases.add_purchase(customer_id, TODAY - dt.timedelta(days=days), 300_000)
    window.refresh()
    window.list.select_id(customer_id)
    return customer_id


def segment_cell(window):
    model = window.list.model
    return model.index(0, model.COLUMNS.index("segment"))


def test_the_list_shows_the_segment_as_a_coloured_badge(window, ha):
    cell = segment_cell(window)
    assert cell.data() == "New"
    assert cell.data(Qt.ItemDataRole.BackgroundRole).name() == "#e3f2fd"
    assert "New" in window.form.figures.text()


def test_changed_rules_recompute_every_customer(window, ha, qtbot):
    dialog = SegmentRulesDialog(window)
    dialog.saved.connect(window._segments_changed)
    dialog.spins["lapsed_after_days"].setValue(7)  # ten days without buying: lapsed now
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save()
    assert Customer.get_by_id(ha).funnel_segment == "lapsed"
    assert segment_cell(window).data() == "Lapsed"
    assert "Lapsed" in window.form.figures.text()
    assert shop_settings.get("segment_rules")["lapsed_after_days"] == 7


def test_rules_that_cannot_be_are_refused_beside_the_field(window, ha):
    dialog = SegmentRulesDialog(window)
    dialog.spins["high_value_percent"].setValue(80)
    dialog.spins["low_value_percent"].setValue(50)
    assert dialog.save() is None
    assert dialog.form_error.isVisibleTo(dialog)
    shown = [label.text() for label in dialog.errors.values() if label.isVisibleTo(dialog)]
    assert shown and "100 %" in shown[0]  # beside the field it concerns
    assert shop_settings.get("segment_rules")["high_value_percent"] == 20  # nothing stored
    dialog.restore_defaults()
    assert dialog.values() == shop_settings.SETTINGS["segment_rules"].default


def test_a_customer_becomes_lapsed_as_days_pass(window, ha, qtbot):
    later = TODAY + dt.timedelta(days=175)  # the last purchase is 185 days old then
    assert window.keep_segments_fresh(TODAY) is None  # done today already
    job = window.keep_segments_fresh(later)  # what the sync timer does on a new day
    assert job is not None
    qtbot.waitUntil(lambda: not job.is_running(), timeout=10_000)
    assert Customer.get_by_id(ha).funnel_segment == "lapsed"
    assert segment_cell(window).data() == "Lapsed"
    assert window.keep_segments_fresh(later) is None  # once a day
    assert segments.counts().funnel["lapsed"] == 1


def test_a_read_only_window_leaves_the_segments_alone(window):
    window.read_only = True
    window._segments_day = None
    assert window.keep_segments_fresh() is None


def test_a_purchase_added_in_the_detail_pane_updates_badge_header_and_counts(
        window, qtbot, monkeypatch):
    qtbot.waitUntil(lambda: window._segments_day is not None and not jobs._running,
                    timeout=10_000)
    lan = customers.create({"name": "Lê Thị Lan"}).id
    window.refresh()
    window.list.select_id(lan)
    assert window.records.purchases.model.rowCount() == 0
    tab = window.records.purchases
    monkeypatch.setattr(tab, "ask_purchase", lambda values, check: {
        **values, "date": TODAY, "amount": "6.000.000 ₫", "description": "Áo dài lụa"})
    with qtbot.waitSignal(window.sidebar.counted, timeout=10_000):
        tab.add_purchase()
    assert Customer.get_by_id(lan).funnel_segment == "first_big"
    assert segment_cell(window).data() == "First big purchase"
    assert "First big purchase" in window.form.figures.text()
    assert window.sidebar.entry_titled("First big purchase").text(1) == "1"


def test_the_days_care_tasks_are_created_by_the_window(window, qtbot):
    """A birthday today becomes a greeting in the care pane without anyone asking."""
    from shopcrm.db.models import CareTask

    qtbot.waitUntil(lambda: window._segments_day is not None and not jobs._running,
                    timeout=10_000)
    later = TODAY + dt.timedelta(days=1)
    customers.create({"name": "Trần Thị Mai", "birthday": later.replace(year=1990)
                      if (later.month, later.day) != (2, 29) else dt.date(1992, 2, 29)})
    job = window.keep_segments_fresh(later)
    qtbot.waitUntil(lambda: not job.is_running(), timeout=10_000)
    assert CareTask.select().where(CareTask.task_type == "birthday").count() == 1


def test_a_complaint_is_resolved_through_the_window(window, qtbot, monkeypatch):
    """Issue 6: a complaint recorded, taken in hand and resolved in the detail pane; the
    header, the list's complaint column and the sidebar follow."""
    from shopcrm.db.models import Feedback

    lan = customers.create({"name": "Lê Thị Lan"}).id
    window.refresh()
    window.list.select_id(lan)
    tab = window.records.feedback
    monkeypatch.setattr(tab, "ask_feedback", lambda values, check: {
        "kind": "complaint", "rating": 2, "comment": "Giao hàng trễ", "handler": ""})
    with qtbot.waitSignal(window.sidebar.counted, timeout=10_000):
        tab.add_feedback()
    assert "1 open complaint(s)" in window.form.figures.text()
    assert window.sidebar.entry_titled("Open complaints").text(1) == "1"
    model = window.list.model
    assert model.index(0, model.COLUMNS.index("complaint")).data() == "open"
    tab.view.selectRow(0)
    monkeypatch.setattr(tab, "ask_handler", lambda current: "Chị Hoa")
    tab.start_button.click()
    monkeypatch.setattr(tab, "ask_resolution", lambda: "Đã giao lại, tặng phiếu giảm giá")
    with qtbot.waitSignal(window.sidebar.counted, timeout=10_000):
        tab.resolve_button.click()
    assert Feedback.get().status == "resolved"
    assert "open complaint" not in window.form.figures.text()
    assert window.sidebar.entry_titled("Open complaints").text(1) == "0"
    assert model.index(0, model.COLUMNS.index("complaint")).data() == ""


def test_a_click_in_the_dashboard_filters_the_windows_list(window, qtbot):
    """Tools > Reports dashboard, a click on a segment: the list shows that segment."""
    from shopcrm.ui.dashboard import DashboardWindow

    ha = customers.create({"name": "Nguyễn Thị Hà"}).id
    customers.create({"name": "Lê An"})
    for days in (5, 40, 90):
        purchases.add_purchase(ha, TODAY - dt.timedelta(days=days), 200_000)
    window.refresh()
    window.actions["dashboard"].trigger()
    board = window.findChild(DashboardWindow)
    qtbot.waitUntil(lambda: not jobs._running, timeout=10_000)
    board.open_part("segment", board.keys["segment"].index("loyal"))
    model = window.list.model
    assert [model.index(r, 1).data() for r in range(model.rowCount())] == ["Nguyễn Thị Hà"]
    assert "Loyal" in window.list.filter_label.text()
    board.close()
