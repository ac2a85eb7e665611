"""Customer > Find duplicates, merging through the dialog, and the warning on save."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from shopcrm.core import customers
from shopcrm.db.models import AuditLog, Customer, Purchase
from shopcrm.ui.duplicates_dialog import DuplicatesDialog, MergeDialog

from .helpers import replace_text, type_text


def new_customer(window, qtbot, name: str, phone: str) -> None:
    window.actions["new"].trigger()
    type_text(window.form.inputs["name"], name)
    type_text(window.form.inputs["phone"], phone)
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)


def test_saving_a_known_phone_asks_first(window, qtbot, monkeypatch):
    an = customers.create({"name": "Nguyễn Văn An", "phone": "0912345678"})
    window.refresh()
    asked = []
    monkeypatch.setattr(window.form, "ask_duplicate",
                        lambda names: asked.append(names) or "cancel")
    new_customer(window, qtbot, "Nguyen An", "0912.345.678")
    assert asked == [["Nguyễn Văn An (KH000001)"]]
    assert Customer.select().count() == 1 and window.form.is_dirty()

    monkeypatch.setattr(window.form, "ask_duplicate", lambda names: "save")
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)
    assert Customer.select().count() == 2 and not window.form.is_dirty()

    monkeypatch.setattr(window.form, "ask_duplicate", lambda names: "open")
    new_customer(window, qtbot, "An nữa", "0912345678")
    assert Customer.select().count() == 2
    assert window.form.customer_id == an.id and window.list.current_id() == an.id


def test_editing_other_fields_does_not_ask_again(window, qtbot, monkeypatch):
    customers.create({"name": "Nguyễn Văn An", "phone": "0912345678"})
    customers.create({"name": "Nguyễn An", "phone": "0912345678"})
    window.refresh()
    window.list.select_row(0)
    monkeypatch.setattr(window.form, "ask_duplicate", lambda names: pytest.fail("asked"))
    replace_text(window.form.inputs["zalo"], "an.nguyen")
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)
    assert not window.form.is_dirty()


def test_find_and_merge_through_the_dialogs(window, qtbot, monkeypatch):
    old = customers.create({"name": "Nguyễn Văn An", "phone": "0912345678"})
    new = customers.create({"name": "Nguyen Van An", "phone": "0912 345 678",
                            "email": "an@example.vn"})
    Purchase.create(customer=new, date="2026-11-01", amount=250_000)
    window.refresh()
    window.list.select_id(new.id)

    seen = {}

    def drive(dialog: DuplicatesDialog):
        qtbot.waitUntil(lambda: not dialog.searching)
        seen["rows"] = [[dialog.model.index(0, c).data() for c in range(4)]]

        def answer(merge: MergeDialog) -> bool:
            assert merge.keep_id() == old.id  # the oldest stays by default
            assert set(merge.choices) == {"name", "email"}  # the fields that differ
            assert merge.choices["email"].currentData() == new.id  # the non-empty value
            merge.choices["name"].setCurrentIndex(merge.choices["name"].findData(old.id))
            return True

        monkeypatch.setattr(dialog, "ask_merge", answer)
        monkeypatch.setattr(dialog, "confirm", lambda text: seen.setdefault("confirm", text))
        assert dialog.merge_selected()
        qtbot.waitUntil(lambda: not dialog.searching)
        seen["after"] = dialog.model.rowCount()

    monkeypatch.setattr(window, "show_duplicates", drive)
    window.actions["duplicates"].trigger()
    assert seen["rows"] == [["Same phone number", "KH000001, KH000002",
                             "Nguyễn Văn An, Nguyen Van An", "0912 345 678, 0912 345 678"]]
    assert "Merge KH000002 into KH000001" in seen["confirm"] and seen["after"] == 0
    kept = Customer.get()
    assert (kept.id, kept.name, kept.email) == (old.id, "Nguyễn Văn An", "an@example.vn")
    assert Purchase.get().customer_id == old.id
    assert AuditLog.select().where(AuditLog.action == "merge").count() == 1
    assert window.list.model.rowCount() == 1
    assert window.form.customer_id in (None, old.id)


def test_no_duplicates_says_so(window, qtbot):
    customers.create({"name": "Lê Châu", "phone": "0912345678"})
    dialog = DuplicatesDialog(window)
    qtbot.waitUntil(lambda: not dialog.searching)
    assert dialog.model.rowCount() == 0 and not dialog.merge_button.isEnabled()
    assert dialog.note.text() == "No duplicates found."


def test_bad_fields_are_shown_before_asking(window, qtbot, monkeypatch):
    customers.create({"name": "Nguyễn Văn An", "phone": "0912345678"})
    window.refresh()
    monkeypatch.setattr(window.form, "ask_duplicate", lambda names: pytest.fail("asked"))
    window.actions["new"].trigger()
    type_text(window.form.inputs["name"], "An")
    type_text(window.form.inputs["phone"], "0912345678")
    type_text(window.form.inputs["email"], "an@@x")
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)
    assert window.form.errors["email"].isVisible() and Customer.select().count() == 1
