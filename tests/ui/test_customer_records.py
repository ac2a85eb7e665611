"""A customer's records tabs (purchases, contacts, feedback) and the open-complaints dialog."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from shopcrm.core import customers, feedback, interactions, purchases, segments
from shopcrm.db.models import Customer, Feedback, Interaction, Purchase, utcnow
from shopcrm.ui.app import make_application
from shopcrm.ui.complaints_dialog import ComplaintsDialog
from shopcrm.ui.customer_records import CustomerRecords, PurchaseDialog, dry_run
from tests.ui.helpers import type_text


@pytest.fixture
def records(qtbot, db):
    make_application("en")
    widget = CustomerRecords()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def an(db):
    return customers.create({"name": "Nguyễn Văn An", "phone": "0912345678"})


def cells(tab, column: int) -> list[str]:
    return [tab.model.index(row, column).data() for row in range(tab.model.rowCount())]


def answer(monkeypatch, tab, name, value, asked=None):
    """Answer the tab's question `name` with `value`, noting what it was asked."""
    def reply(*args):
        if asked is not None:
            asked.append(args)
        return value
    monkeypatch.setattr(tab, name, reply)


def test_adding_purchases_updates_totals_and_segment(records, an, monkeypatch):
    tab = records.purchases
    records.show_customer(an.id)
    assert tab.empty_note.isVisible() and "No purchases yet" in tab.empty_note.text()
    emitted = []
    records.changed.connect(emitted.append)
    today = dt.date.today()

    answer(monkeypatch, tab, "ask_purchase",
           {"date": today.strftime("%d/%m/%Y"), "description": "Áo dài lụa",
            "amount": "1.250.000 ₫", "channel": "store", "note": ""})
    assert tab.add_purchase()
    assert emitted == [an.id] and not tab.empty_note.isVisible()
    assert Customer.get_by_id(an.id).funnel_segment == "new"
    assert cells(tab, 1) == ["Áo dài lụa"] and cells(tab, 2) == ["1,250,000 ₫"]
    assert cells(tab, 3) == ["In store"]
    assert "1 purchase(s), 1,250,000 ₫ in all" in tab.summary.text()
    assert "(0 day(s) ago)" in tab.summary.text()

    # Editing the purchase to 5,000,000 ₫ makes it a first big purchase.
    tab.view.selectRow(0)
    answer(monkeypatch, tab, "ask_purchase",
           {"date": today.strftime("%d/%m/%Y"), "description": "Áo dài lụa",
            "amount": "5.000.000", "channel": "online", "note": "giao tận nhà"})
    assert tab.edit_purchase()
    assert Customer.get_by_id(an.id).funnel_segment == "first_big"
    assert cells(tab, 2) == ["5,000,000 ₫"] and cells(tab, 3) == ["Online"]

    answer(monkeypatch, tab, "ask_purchase",
           {"date": (today - dt.timedelta(days=3)).strftime("%d/%m/%Y"),
            "description": "Khăn", "amount": "300000", "channel": "store", "note": ""})
    assert tab.add_purchase()
    assert cells(tab, 1) == ["Áo dài lụa", "Khăn"]  # newest first
    assert "2 purchase(s), 5,300,000 ₫ in all, 2,650,000 ₫ on average" in tab.summary.text()

    tab.view.selectRow(1)
    monkeypatch.setattr(tab, "confirm", lambda text: False)
    assert not tab.delete_purchase() and Purchase.select().count() == 2
    monkeypatch.setattr(tab, "confirm", lambda text: True)
    assert tab.delete_purchase() and cells(tab, 1) == ["Áo dài lụa"]


def test_a_bad_amount_shows_the_error_and_writes_nothing(records, an, monkeypatch):
    tab = records.purchases
    records.show_customer(an.id)
    errors = []
    monkeypatch.setattr(tab, "show_error", errors.append)
    answer(monkeypatch, tab, "ask_purchase", {"date": "", "amount": "mười nghìn"})
    assert not tab.add_purchase()
    assert errors and Purchase.select().count() == 0

    # The dialog itself checks with the core and stays open on the error.
    checked = []
    dialog = PurchaseDialog({}, check=lambda v: checked.append(v) or tab_check(an.id, v),
                            parent=tab)
    assert dialog.date.text() == dt.date.today().strftime("%d/%m/%Y")
    type_text(dialog.amount, "mười")
    dialog.accept()
    assert checked[0]["amount"] == "mười" and dialog.result() != dialog.DialogCode.Accepted
    assert "is not an amount" in dialog.error.text()
    dialog.amount.setText("150.000")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted and Purchase.select().count() == 0


def tab_check(customer_id, values):
    """The check CustomerRecords gives its purchase dialog: the core's, nothing stored."""
    dry_run(lambda: purchases.add_purchase(customer_id, **values))


def test_quick_add_and_edit_a_contact(records, an, monkeypatch, qtbot):
    tab = records.contacts
    records.show_customer(an.id)
    asked = []
    answer(monkeypatch, tab, "ask_interaction",
           {"kind": "call", "summary": "Hỏi về áo size M", "staff": "Lan"}, asked)
    qtbot.mouseClick(tab.kind_buttons["call"], Qt.MouseButton.LeftButton)
    assert asked[0][0] == {"kind": "call"}  # the dialog opens on the clicked kind
    assert cells(tab, 1) == ["Call"] and cells(tab, 2) == ["Hỏi về áo size M"]
    assert cells(tab, 3) == ["Lan"]
    assert Interaction.get().kind == "call"

    tab.view.selectRow(0)
    answer(monkeypatch, tab, "ask_interaction",
           {"kind": "zalo", "summary": "Gửi ảnh mẫu qua Zalo", "staff": "Lan"})
    assert tab.edit_interaction() and cells(tab, 1) == ["Zalo"]
    monkeypatch.setattr(tab, "confirm", lambda text: True)
    tab.view.selectRow(0)
    assert tab.delete_interaction() and tab.model.rowCount() == 0


def test_an_offer_needs_a_loyal_or_high_value_customer(records, an, monkeypatch):
    tab = records.contacts
    records.show_customer(an.id)
    assert not tab.offer_button.isEnabled()
    answer(monkeypatch, records.purchases, "ask_purchase",
           {"date": dt.date.today().strftime("%d/%m/%Y"), "amount": "2.000.000"})
    assert records.purchases.add_purchase()  # the only buyer: top 20 %, high value
    assert Customer.get_by_id(an.id).value_tier == "high" and tab.offer_button.isEnabled()
    answer(monkeypatch, tab, "ask_interaction",
           {"kind": "offer", "summary": "Giảm 10% lần sau", "staff": ""})
    assert tab.add_offer()
    assert [o.summary for o in interactions.offers_of(an.id)] == ["Giảm 10% lần sau"]
    assert "last offer on" in tab.summary.text() and cells(tab, 1) == ["Special offer"]


def test_a_complaint_through_its_buttons(records, an, monkeypatch):
    tab = records.feedback
    records.show_customer(an.id)
    answer(monkeypatch, tab, "ask_feedback", {"kind": "praise", "rating": 4, "comment": "",
                                              "handler": ""})
    assert tab.add_feedback()
    assert cells(tab, 2) == ["★★★★☆"] and "4.0 ★ on average" in tab.summary.text()
    answer(monkeypatch, tab, "ask_feedback",
           {"kind": "complaint", "rating": 2, "comment": "Áo bị lỗi đường may", "handler": ""})
    assert tab.add_feedback()
    assert cells(tab, 4)[0] == "Open" and tab.start_button.isEnabled()
    assert "1 open complaint(s)" in tab.summary.text() and "last ★★☆☆☆" in tab.summary.text()
    assert not tab.reopen_button.isEnabled()

    answer(monkeypatch, tab, "ask_handler", "Chị Hoa")
    tab.start_button.click()
    assert cells(tab, 4)[0] == "In progress" and cells(tab, 5)[0] == "Chị Hoa"
    assert not tab.start_button.isEnabled() and tab.resolve_button.isEnabled()

    answer(monkeypatch, tab, "ask_resolution", "Đổi áo mới")
    tab.resolve_button.click()
    assert cells(tab, 4)[0] == "Resolved" and "0 open complaint(s)" in tab.summary.text()
    assert Feedback.get(Feedback.kind == "complaint").resolution == "Đổi áo mới"
    tab.reopen_button.click()
    assert cells(tab, 4)[0] == "Open"

    asked = []
    answer(monkeypatch, tab, "ask_feedback", {"kind": "complaint", "rating": 1,
                                              "comment": "Áo bị lỗi, giao trễ", "handler": ""},
           asked)
    tab.view.selectRow(0)
    tab.edit_button.click()
    assert asked[0][0]["comment"] == "Áo bị lỗi đường may"  # the dialog starts from it
    assert Feedback.get(Feedback.kind == "complaint").comment == "Áo bị lỗi, giao trễ"
    assert cells(tab, 4)[0] == "Open"


def test_a_complaint_without_comment_is_refused_in_the_dialog(records, an, monkeypatch):
    tab = records.feedback
    records.show_customer(an.id)
    errors = []
    monkeypatch.setattr(tab, "show_error", errors.append)
    answer(monkeypatch, tab, "ask_feedback", {"kind": "complaint", "rating": 0, "comment": " ",
                                              "handler": ""})
    assert not tab.add_feedback()
    assert errors == ["Write what the customer complains about."]
    assert Feedback.select().count() == 0 and "No feedback yet" in tab.empty_note.text()


def test_read_only_disables_every_write_button(records, an, monkeypatch):
    feedback.add_feedback(an.id, "complaint", comment="Giao hàng trễ")
    Purchase.create(customer=an, date=dt.date.today(), amount=9_000_000)
    segments.recompute_customer(an.id)
    records.show_customer(an.id)
    for tab in records.tabs():
        tab.view.selectRow(0)
    buttons = records.findChildren(QPushButton)
    assert records.contacts.offer_button.isEnabled() and records.feedback.start_button.isEnabled()
    records.set_editable(False)
    assert len(buttons) >= 16 and not any(button.isEnabled() for button in buttons)
    records.show_customer(None)
    records.set_editable(True)
    assert not any(button.isEnabled() for button in buttons)  # no customer shown


def test_complaints_dialog_lists_oldest_first_and_opens_a_customer(qtbot, db, an, monkeypatch):
    make_application("en")
    binh = customers.create({"name": "Trần Thị Bình"})
    now = utcnow()
    feedback.add_feedback(an.id, "complaint", comment="Sai màu", at=now - dt.timedelta(days=2))
    old = feedback.add_feedback(binh.id, "complaint", comment="Hỏng khóa kéo",
                                at=now - dt.timedelta(days=9))
    done = feedback.add_feedback(an.id, "complaint", comment="Đã xử lý",
                                 at=now - dt.timedelta(days=20))
    feedback.resolve(done.id, "Hoàn tiền")
    dialog = ComplaintsDialog(now=now)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 2
    assert [dialog.model.index(r, 0).data() for r in range(2)] == ["9", "2"]
    assert [dialog.model.index(r, 3).data() for r in range(2)] == ["Trần Thị Bình",
                                                                   "Nguyễn Văn An"]
    assert dialog.model.index(0, 4).data() == "Open"
    assert not dialog.open_button.isEnabled()

    dialog.view.selectRow(0)
    changed = []
    dialog.changed.connect(changed.append)
    answer(monkeypatch, dialog, "ask_handler", "Anh Minh")
    assert dialog.start() and changed == [binh.id]
    assert dialog.model.index(0, 4).data() == "In progress"
    assert dialog.model.index(0, 5).data() == "Anh Minh" and not dialog.start_button.isEnabled()
    answer(monkeypatch, dialog, "ask_resolution", "Thay khóa kéo")
    assert dialog.resolve() and dialog.model.rowCount() == 1
    assert Feedback.get_by_id(old.id).status == "resolved"

    opened = []
    dialog.open_customer.connect(opened.append)
    dialog.show()
    dialog.view.selectRow(0)
    with qtbot.waitSignal(dialog.finished):
        dialog.open_button.click()
    assert opened == [an.id] and not dialog.isVisible()


def test_complaints_dialog_read_only(qtbot, db, an):
    make_application("en")
    feedback.add_feedback(an.id, "complaint", comment="Sai màu")
    dialog = ComplaintsDialog(editable=False)
    qtbot.addWidget(dialog)
    dialog.view.selectRow(0)
    assert dialog.open_button.isEnabled()
    assert not dialog.start_button.isEnabled() and not dialog.resolve_button.isEnabled()


def test_records_models_pass_qt_model_checks(records, an, qtmodeltester):
    Purchase.create(customer=an, date=dt.date.today(), amount=100_000)
    interactions.add_interaction(an.id, "note", "Khách quen")
    feedback.add_feedback(an.id, "suggestion", comment="Thêm size XL")
    records.show_customer(an.id)
    for tab in records.tabs():
        qtmodeltester.check(tab.model)
