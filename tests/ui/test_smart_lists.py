"""The sidebar's lists and the filter: what a shop owner clicks to see part of the shop."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from shopcrm.core import customers, filters, purchases
from shopcrm.db.models import Feedback
from shopcrm.ui import jobs
from shopcrm.ui.filter_dialog import FilterDialog


def add(name, **fields):
    return customers.create({"name": name, **fields}).id


def buy(customer_id, *days_ago):
    """Purchases on those days: they make the customer's segment (core.segments)."""
    for days in days_ago:
        purchases.add_purchase(customer_id, dt.date.today() - dt.timedelta(days=days), 200_000)


@pytest.fixture
def shop(window, qtbot):
    # The window computes the segments once after its first paint: let that be done.
    qtbot.waitUntil(lambda: window._segments_day is not None and not jobs._running,
                    timeout=10_000)
    ids = {
        "ha": add("Nguyễn Thị Hà", province="Hà Nội", tags="VIP"),
        "duc": add("Trần Văn Đức", province="Đà Nẵng"),
        "lan": add("Lê Thị Lan", province="Hà Nội"),
        "an": add("Phạm An", province="Hà Nội", birthday=dt.date.today().replace(
            year=1990, day=1)),
    }
    buy(ids["ha"], 5, 40, 90)  # loyal: three purchase days within a year
    buy(ids["lan"], 1, 30, 60)
    buy(ids["duc"], 400)  # lapsed
    Feedback.create(customer=ids["duc"], kind="complaint", status="open", comment="Giao trễ")
    with qtbot.waitSignal(window.sidebar.counted, timeout=10_000):
        window.refresh()
    return ids


def listed(window) -> list[str]:
    model = window.list.model
    return [model.index(row, 1).data() for row in range(model.rowCount())]


def count_of(window, title: str) -> str:
    return window.sidebar.entry_titled(title).text(1)


def choose(window, title: str) -> None:
    window.sidebar.tree.setCurrentItem(window.sidebar.entry_titled(title))


def test_ready_made_lists_show_their_counts_and_filter_the_list(window, shop):
    assert count_of(window, "All customers") == "4"
    assert count_of(window, "Loyal") == "2"
    assert count_of(window, "Open complaints") == "1"
    assert count_of(window, "Birthdays this month") == "1"
    choose(window, "Loyal")
    assert listed(window) == ["Nguyễn Thị Hà", "Lê Thị Lan"]
    assert window.list.filter_bar.isVisible()
    assert "Loyal" in window.list.filter_label.text()
    assert window.counts.text() == "2 of 4 customers shown"
    choose(window, "Open complaints")
    assert listed(window) == ["Trần Văn Đức"]
    model = window.list.model
    assert model.index(0, model.COLUMNS.index("complaint")).data() == "open"
    assert window.form.customer_id == shop["duc"]  # the first of the list is shown
    choose(window, "All customers")
    assert len(listed(window)) == 4
    assert not window.list.filter_bar.isVisible()


def test_a_filter_made_in_the_dialog_combines_axes_and_is_saved_as_a_smart_list(
        window, shop, qtbot, monkeypatch):
    def tick(spec):
        dialog = FilterDialog(spec, window)
        dialog.set_ticked("province", {"Hà Nội"})
        dialog.set_ticked("segment", {"loyal"})
        dialog.set_ticked("tag", {"VIP"})
        return dialog.spec()

    monkeypatch.setattr(window.list, "ask_filter", tick)
    qtbot.mouseClick(window.list.filter_button, Qt.MouseButton.LeftButton)
    assert listed(window) == ["Nguyễn Thị Hà"]
    assert window.sidebar.tree.currentItem() is None  # no sidebar list is shown any more
    assert window.list.save_filter_button.isVisible()

    monkeypatch.setattr(window.sidebar, "ask_name", lambda title, text, name: "Khách VIP Hà Nội")
    with qtbot.waitSignal(window.sidebar.counted, timeout=10_000):
        qtbot.mouseClick(window.list.save_filter_button, Qt.MouseButton.LeftButton)
    assert filters.smart_lists() == [{"name": "Khách VIP Hà Nội", "filter": {
        "province": ["Hà Nội"], "segment": ["loyal"], "tag": ["VIP"]}}]
    item = window.sidebar.tree.currentItem()
    assert (item.text(0), item.text(1)) == ("Khách VIP Hà Nội", "1")
    assert not window.list.save_filter_button.isVisible()  # it is a smart list now
    assert listed(window) == ["Nguyễn Thị Hà"]

    # Live counts: a customer saved at this counter (or another) joins the list.
    lan = customers.get(shop["lan"])
    customers.update(lan.id, {"tags": "VIP"}, lan.version)
    with qtbot.waitSignal(window.sidebar.counted, timeout=10_000):
        window.sync()
    assert window.sidebar.entry_titled("Khách VIP Hà Nội").text(1) == "2"
    assert listed(window) == ["Nguyễn Thị Hà", "Lê Thị Lan"]


def test_smart_lists_are_edited_renamed_and_deleted_from_the_sidebar(window, shop, qtbot,
                                                                     monkeypatch):
    filters.save_smart_list("Hà Nội", {"province": ["Hà Nội"]})
    window.sidebar.rebuild()
    sidebar = window.sidebar
    monkeypatch.setattr(sidebar, "ask_filter", lambda spec: {**spec, "segment": ["loyal"]})
    sidebar.edit_smart_list(sidebar.entry_titled("Hà Nội"))
    assert listed(window) == ["Nguyễn Thị Hà", "Lê Thị Lan"]
    monkeypatch.setattr(sidebar, "ask_name", lambda title, text, name: "Trung thành Hà Nội")
    sidebar.rename_smart_list(sidebar.entry_titled("Hà Nội"))
    assert [e["name"] for e in filters.smart_lists()] == ["Trung thành Hà Nội"]
    assert sidebar.tree.currentItem().text(0) == "Trung thành Hà Nội"

    # A name already taken is refused with a message, and nothing changes.
    filters.save_smart_list("Đà Nẵng", {"province": ["Đà Nẵng"]})
    sidebar.rebuild()
    warnings = []
    monkeypatch.setattr(sidebar, "warn", warnings.append)
    monkeypatch.setattr(sidebar, "ask_name", lambda title, text, name: "Đà Nẵng")
    sidebar.rename_smart_list(sidebar.entry_titled("Trung thành Hà Nội"))
    assert warnings == ["There is already a smart list named “Đà Nẵng”."]

    monkeypatch.setattr(sidebar, "confirm", lambda text: True)
    sidebar.delete_smart_list(sidebar.entry_titled("Trung thành Hà Nội"))
    assert [e["name"] for e in filters.smart_lists()] == ["Đà Nẵng"]
    assert customers.count() == 4  # deleting a list deletes no customer


def test_an_empty_list_says_so_and_clear_shows_everyone(window, shop, qtbot):
    choose(window, "Potential")
    assert listed(window) == []
    assert window.list.empty.text() == "No customer is in this list."
    qtbot.mouseClick(window.list.clear_filter_button, Qt.MouseButton.LeftButton)
    assert len(listed(window)) == 4
    assert window.sidebar.tree.currentItem() is None


def test_opening_a_customer_outside_the_list_shows_everyone(window, shop):
    choose(window, "Loyal")
    window.open_customer(shop["duc"])  # e.g. from the care pane
    assert len(listed(window)) == 4
    assert window.list.current_id() == shop["duc"]


def test_the_filter_dialog_offers_the_shops_own_provinces_and_tags(window, shop):
    dialog = FilterDialog({"province": ["Huế"]}, window)
    provinces = dialog.lists["province"]
    texts = [provinces.item(row).text() for row in range(provinces.count())]
    assert texts == ["Đà Nẵng", "Hà Nội", "Huế"]  # Huế: saved before, kept to untick
    assert dialog.spec() == {"province": ["Huế"]}
    dialog.clear()
    assert dialog.spec() == {}
    segments = dialog.lists["segment"]
    assert [segments.item(r).text() for r in range(segments.count())][:3] == [
        "Potential", "New", "Loyal"]
