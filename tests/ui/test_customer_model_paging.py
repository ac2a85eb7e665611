"""The customer list model asks for the first page of ids per keystroke, the rest after."""

from __future__ import annotations

from shopcrm.core import customers, listing
from shopcrm.db import bulk, connection
from shopcrm.db.models import Customer, utcnow
from shopcrm.ui.customer_model import PAGE, CustomerTableModel

COUNT = PAGE * 2 + 50


def fill(count: int = COUNT) -> None:
    now, rows = utcnow(), []
    fields = ["code", "name", "kind", "relation", "role_buyer", "role_user", "role_beneficiary",
              "gender", "created_at", "updated_at", "version", "search_key", "sort_key"]
    for i in range(count):
        values = {"code": f"KH{i + 1:06d}", "name": f"Nguyễn Văn Khách {i:04d}",
                  "kind": "individual", "relation": "external", "role_buyer": True,
                  "role_user": False, "role_beneficiary": False, "gender": "unknown",
                  "created_at": now, "updated_at": now, "version": 1}
        values.update(customers.derived(values))
        rows.append(tuple(values[f] for f in fields))
    with connection.db.atomic():
        bulk.insert_rows(Customer, fields, rows)


def test_first_page_at_once_then_the_rest(db, qtbot, qtmodeltester):
    fill()
    model = CustomerTableModel()
    model.set_search("khach")
    assert model.rowCount() == PAGE and model.canFetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == COUNT)
    assert not model.canFetchMore()
    assert model.all_ids() == listing.find_ids("khach")
    qtmodeltester.check(model)


def test_what_needs_the_whole_list_gets_it_at_once(db):
    fill()
    model = CustomerTableModel()
    model.refresh()
    assert model.rowCount() == PAGE
    everyone = listing.find_ids()
    assert model.row_of(everyone[-1]) == COUNT - 1  # beyond the first page
    assert model.rowCount() == COUNT
    model.set_search("khach 04")
    assert model.all_ids() == listing.find_ids("khach 04")
    model.fetchMore()
    assert model.rowCount() == len(listing.find_ids("khach 04"))


def test_a_short_list_is_complete_at_once(db):
    fill(PAGE - 1)
    model = CustomerTableModel()
    model.refresh()
    assert model.rowCount() == PAGE - 1 and not model.canFetchMore()
