"""Driving the real main window offscreen, as a shop owner would."""

from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from shopcrm.core import customers
from shopcrm.db.models import Customer
from shopcrm.ui.app import make_application
from shopcrm.ui.main_window import MainWindow

from .helpers import replace_text, type_text


def add_through_form(window, qtbot, name: str, phone: str = "") -> None:
    window.actions["new"].trigger()
    type_text(window.form.inputs["name"], name)
    if phone:
        type_text(window.form.inputs["phone"], phone)
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)


def test_empty_database_says_what_to_do(window):
    assert window.list.stack.currentWidget() is window.list.empty
    assert "No customers yet" in window.list.empty.text()
    assert window.counts.text() == "0 of 0 customers shown"


def test_add_a_customer_and_find_it_without_tones(window, qtbot):
    add_through_form(window, qtbot, "Nguyễn Thị Thu Hà", "0912.345.678")
    add_through_form(window, qtbot, "Trần Văn Đức")
    stored = Customer.get(Customer.name == "Nguyễn Thị Thu Hà")
    assert stored.phone == "0912345678"
    assert window.list.model.rowCount() == 2
    assert window.form.title.text().startswith("Trần Văn Đức")

    qtbot.keyClicks(window.list.search, "nguyen ha")
    qtbot.waitUntil(lambda: window.list.model.rowCount() == 1)
    assert window.list.model.index(0, 1).data() == "Nguyễn Thị Thu Hà"
    assert window.list.model.index(0, 2).data() == "0912 345 678"
    assert window.counts.text() == "1 of 2 customers shown"


def test_edit_and_save(window, qtbot):
    customers.create({"name": "Lê Văn Tám"})
    window.refresh()
    window.list.select_row(0)
    replace_text(window.form.inputs["phone"], "84 987 654 321")
    assert window.form.save_button.isEnabled()
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)
    stored = Customer.get()
    assert (stored.phone, stored.version) == ("0987654321", 2)
    assert not window.form.is_dirty()
    assert window.list.model.index(0, 2).data() == "0987 654 321"


def test_invalid_email_is_refused_beside_the_field(window, qtbot):
    customers.create({"name": "Phạm Thị Lan", "email": "lan@example.vn"})
    window.refresh()
    window.list.select_row(0)
    replace_text(window.form.inputs["email"], "lan@@example")
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)
    error = window.form.errors["email"]
    assert error.isVisible() and "is not an email address" in error.text()
    assert window.form.form_error.isVisible()
    assert Customer.get().email == "lan@example.vn"
    assert window.form.is_dirty()  # the user's typing is kept to be corrected


def test_unsaved_changes_are_never_lost_silently(window, qtbot, monkeypatch):
    customers.create({"name": "Nguyễn An"})
    customers.create({"name": "Trần Bình"})
    window.refresh()
    window.list.select_row(0)
    replace_text(window.form.inputs["notes"], "Hẹn gọi lại")
    monkeypatch.setattr(window.form, "ask_unsaved", lambda: QMessageBox.StandardButton.Cancel)
    window.list.select_row(1)
    assert window.form.title.text().startswith("Nguyễn An")
    assert window.list.current_id() == window.form.customer_id
    assert window.form.inputs["notes"].toPlainText() == "Hẹn gọi lại"

    monkeypatch.setattr(window.form, "ask_unsaved", lambda: QMessageBox.StandardButton.Save)
    window.list.select_row(1)
    assert window.form.title.text().startswith("Trần Bình")
    assert Customer.get(Customer.name == "Nguyễn An").notes == "Hẹn gọi lại"


def test_delete_moves_to_trash(window, qtbot, monkeypatch):
    customers.create({"name": "Nguyễn An"})
    window.refresh()
    window.list.select_row(0)
    monkeypatch.setattr(window, "confirm", lambda text: True)
    window.list.view.setFocus()
    window.actions["delete"].trigger()
    assert Customer.get().deleted_at is not None
    assert window.list.model.rowCount() == 0
    assert window.form.stack.currentIndex() == 0


def test_organisation_fields_show_only_for_organisations(window):
    window.actions["new"].trigger()
    kind = window.form.inputs["kind"]
    assert not window.form.inputs["tax_code"].isVisibleTo(window)
    kind.setCurrentIndex(kind.findData("organisation"))
    assert window.form.inputs["tax_code"].isVisibleTo(window)


def test_customer_model_passes_qt_model_checks(window, qtmodeltester):
    for name in ("Nguyễn An", "Trần Bình", "Lê Châu"):
        customers.create({"name": name})
    window.refresh()
    qtmodeltester.check(window.list.model)


def test_export_runs_in_the_background(window, qtbot, tmp_path):
    customers.create({"name": "Nguyễn An", "phone": "0912345678"})
    window.refresh()
    target = tmp_path / "khach.xlsx"
    window.files.run_export(target, window.list.model.all_ids())
    # The job may finish before a waitSignal could connect: wait for its effect instead.
    qtbot.waitUntil(lambda: "written to" in window.statusBar().currentMessage(), timeout=10_000)
    assert target.exists()


def test_print_summaries_previews_one_page_per_selected_customer(window, monkeypatch):
    from shopcrm.ui import printing

    ids = [customers.create({"name": name}).id for name in ("Nguyễn Thị Thu Hà", "Lê An")]
    window.refresh()
    window.list.select_row(0)  # a customer shown: the action is enabled
    window.list.view.selectAll()
    shown = []
    monkeypatch.setattr(printing, "preview_summaries", lambda parent, ids: shown.append(ids))
    window.actions["print"].trigger()
    assert sorted(shown[0]) == sorted(ids)
    window.list.view.clearSelection()
    window._shown_id = None
    messages = []
    monkeypatch.setattr(window, "inform", lambda text, icon=None: messages.append(text))
    window.files.print_summary()
    assert messages == ["Select the customers whose summaries to print."]


def test_the_list_printout_follows_the_filter(window, monkeypatch):
    from shopcrm.ui import printing

    customers.create({"name": "Nguyễn Thị Thu Hà", "province": "Hà Nội"})
    customers.create({"name": "Lê An", "province": "Huế"})
    window.refresh()
    window.list.set_filter({"province": ["Huế"]})
    printed = []
    monkeypatch.setattr(printing, "print_list", lambda parent, ids: printed.append(ids))
    window.actions["print_list"].trigger()
    assert [customers.get(i).name for i in printed[0]] == ["Lê An"]


def test_import_a_spreadsheet_from_the_window(window, qtbot, tmp_path, monkeypatch):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH KHÁCH HÀNG"])
    sheet.append(["STT", "Họ và tên", "Số điện thoại", "Email"])
    sheet.append([1, "Nguyễn Thị Thu Hà", "0912.345.678", "ha@example.vn"])
    sheet.append([2, "Trần Văn Đức", 987654321, None])
    sheet.append([3, "Lê Sai Số", "12345", None])
    path = tmp_path / "khach.xlsx"
    workbook.save(path)

    shown = {}
    monkeypatch.setattr(window.files, "ask_import", lambda dialog: shown.setdefault("dialog", dialog) or True)
    monkeypatch.setattr(window, "inform", lambda text, icon=None: shown.setdefault("result", text))
    monkeypatch.setattr(window, "confirm", lambda text: False)
    window.files.run_import(path)
    qtbot.waitUntil(lambda: "result" in shown, timeout=10_000)
    wizard = shown["dialog"]
    [bad] = [row for row in wizard.plan.rows if row.errors]
    assert bad.row_number == 5
    assert "2 new" in shown["result"] and "1 left out" in shown["result"]
    assert window.list.model.rowCount() == 2
    assert Customer.get(Customer.name == "Trần Văn Đức").phone == "0987654321"


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "khach.xlsx"
    path.write_text("not a workbook")
    messages = []
    monkeypatch.setattr(window, "inform", lambda text, icon=None: messages.append(text))
    window.files.run_import(path)
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    assert "khach.xlsx" in messages[0]
    assert Customer.select().count() == 0


def test_window_layout_is_remembered(qtbot, db, db_url):
    make_application("en")
    first = MainWindow(db_url)
    first.show()
    first.resize(760, 540)  # inside the 800x600 offscreen screen
    first.splitter.setSizes([150, 500, 400, 200])
    sizes = first.splitter.sizes()
    first.close()
    second = MainWindow(db_url)
    second.show()
    qtbot.addWidget(second)
    assert second.size().width() == 760
    assert second.splitter.sizes() == sizes


def test_completing_a_care_task_logs_the_outcome(window, qtbot, monkeypatch):
    import datetime as dt

    from shopcrm.db.models import CareTask, Interaction

    customer = customers.create({"name": "Nguyễn Thị Hà"})
    CareTask.create(customer=customer, task_type="thank_you", title="Gọi cảm ơn",
                    due_date=dt.date.today() - dt.timedelta(days=2))
    window.refresh()
    assert "1 overdue" in window.care.shop_title.text()
    assert not window.care.done_button.isEnabled()
    window.care.shop_view.selectRow(0)
    assert window.care.done_button.isEnabled()
    monkeypatch.setattr(window.care, "ask_outcome", lambda task: "Chị Hà rất hài lòng")
    qtbot.mouseClick(window.care.done_button, Qt.MouseButton.LeftButton)
    assert CareTask.get().status == "done"
    assert Interaction.get().summary == "Gọi cảm ơn: Chị Hà rất hài lòng"
    assert "nothing overdue" in window.care.shop_title.text()


def test_double_clicking_a_task_opens_its_customer(window, qtbot):
    import datetime as dt

    from shopcrm.db.models import CareTask

    customers.create({"name": "Lê An"})
    binh = customers.create({"name": "Trần Bình"})
    CareTask.create(customer=binh, task_type="birthday", due_date=dt.date.today())
    window.refresh()
    window.care.open_customer.emit(window.care.shop_model.tasks[0].customer_id)
    assert window.form.customer_id == binh.id
    assert window.list.current_id() == binh.id


def test_the_window_speaks_vietnamese(qtbot, db, db_url):
    make_application("vi")
    try:
        main = MainWindow(db_url)
        qtbot.addWidget(main)
        main.form.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
        assert main.menuBar().actions()[0].text() == "&Tệp"
        assert "Chưa có khách hàng" in main.list.empty.text()
        assert main.counts.text() == "Đang hiển thị 0 / 0 khách hàng"
        main.actions["new"].trigger()
        main.form.save()
        assert main.form.errors["name"].text() == "Vui lòng nhập tên khách hàng."
    finally:
        make_application("en")


def test_a_save_over_another_counters_change_asks_and_shows_it(window, qtbot, monkeypatch):
    customer = customers.create({"name": "Nguyễn Thị Hà", "phone": "0912345678"})
    window.refresh()
    window.list.select_row(0)
    customers.update(customer.id, {"phone": "0987654321", "gender": "female"}, 1)  # other counter
    replace_text(window.form.inputs["notes"], "Thích màu xanh")
    asked = []
    monkeypatch.setattr(window.form, "ask_conflict", lambda text: asked.append(text) or "reload")
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)
    assert "changed at another counter" in asked[0]
    assert "Phone: 0912 345 678 → 0987 654 321" in asked[0]
    assert "Gender: Unknown → Female" in asked[0]
    assert Customer.get().notes is None
    assert window.form.inputs["phone"].text() == "0987 654 321"  # reloaded

    replace_text(window.form.inputs["notes"], "Thích màu xanh")
    customers.update(customer.id, {"email": "ha@example.vn"}, 2)
    monkeypatch.setattr(window.form, "ask_conflict", lambda text: "overwrite")
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)
    stored = Customer.get()
    assert (stored.notes, stored.version) == ("Thích màu xanh", 4)


def test_other_counters_changes_appear_without_losing_selection_or_edits(window, qtbot):
    import datetime as dt

    from shopcrm.db.models import CareTask

    an = customers.create({"name": "Nguyễn An"})
    customers.create({"name": "Trần Bình"})
    window.refresh()
    window.list.select_id(an.id)

    customers.create({"name": "Lê Châu"})  # another counter adds a customer
    customers.update(an.id, {"phone": "0912345678"}, 1)  # and edits the one shown here
    CareTask.create(customer=an, task_type="birthday", due_date=dt.date.today())
    window.sync()
    assert window.list.model.rowCount() == 3
    assert window.list.current_id() == an.id
    assert window.form.inputs["phone"].text() == "0912 345 678"
    assert "1 due today" in window.care.shop_title.text()

    replace_text(window.form.inputs["notes"], "Đang gõ dở")  # unsaved edits
    customers.create({"name": "Phạm Dung"})
    customers.update(an.id, {"email": "an@example.vn"}, 2)
    window.sync()  # no dialog may open (the autouse fixture fails the test if one does)
    assert window.list.model.rowCount() == 4
    assert window.form.inputs["notes"].toPlainText() == "Đang gõ dở"
    assert window.form.is_dirty() and window.list.current_id() == an.id
    assert window.counts.text() == "4 of 4 customers shown"


def test_sync_does_nothing_when_nothing_changed(window, monkeypatch):
    customers.create({"name": "Nguyễn An"})
    window.refresh()
    monkeypatch.setattr(window.list, "reload", lambda **kw: pytest.fail("reloaded for nothing"))
    window.sync()


def test_consent_erasure_access_export_and_audit_from_the_window(window, qtbot, monkeypatch,
                                                                 tmp_path):
    import json

    from shopcrm.core import privacy
    from shopcrm.ui.audit_dialog import AuditModel

    ha = customers.create({"name": "Nguyễn Thị Hà", "phone": "0912345678"})
    window.refresh()
    window.list.select_row(0)
    window.form.consents["marketing"].click()
    assert set(privacy.active_consents(ha.id)) == {"marketing"}
    assert "Given on" in window.form.consents["marketing"].toolTip()

    target = tmp_path / "ha.json"
    monkeypatch.setattr("shopcrm.ui.main_window.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(target), ""))
    window.actions["export_personal"].trigger()
    assert json.loads(target.read_text(encoding="utf-8"))["customer"]["phone"] == "0912345678"

    monkeypatch.setattr(window, "confirm", lambda text: "cannot be undone" in text)
    window.actions["erase"].trigger()
    assert Customer.get().phone is None and Customer.get().name == ha.code
    assert window.form.title.text().startswith(ha.code)
    actions = [row[2] for row in AuditModel().rows]
    assert actions[:3] == ["erase", "export_personal_data", "consent"]


def test_the_form_shows_the_suggested_honorific(window):
    customers.create({"name": "Trần Thị Dung", "gender": "female", "birthday": "01/01/1995"})
    window.refresh()
    window.list.select_row(0)
    combo = window.form.inputs["honorific"]
    assert combo.itemText(0) == "(suggested: chị)"
    window.form.inputs["gender"].setCurrentIndex(window.form.inputs["gender"].findData("male"))
    assert combo.itemText(0) == "(suggested: anh)"
    window.form.revert()


def test_the_detail_pane_shows_whom_a_customer_referred(window):
    ha = customers.create({"name": "Nguyễn Thị Hà"})
    customers.create({"name": "Trần Đức", "referred_by": ha.code})
    window.refresh()
    window.open_customer(ha.id)
    assert "Referred 1 customers: Trần Đức" in window.form.figures.text()


def test_the_user_chooses_list_columns_and_they_are_remembered(qtbot, db, db_url):
    from PySide6.QtCore import QSettings

    make_application("en")
    QSettings().remove("window")  # as on a first start
    customers.create({"name": "Trần Thị Dung", "gender": "female", "birthday": "01/01/1995",
                      "email": "dung@example.vn"})
    first = MainWindow(db_url)
    first.show()
    header = first.list.view.horizontalHeader()
    columns = first.list.model.COLUMNS
    assert header.isSectionHidden(columns.index("email"))
    menu = first.list.column_menu()
    titles = [action.text() for action in menu.actions()]
    assert "Email" in titles and "Age group" in titles
    assert not menu.actions()[columns.index("name")].isEnabled()  # the name always shows
    menu.actions()[columns.index("email")].setChecked(True)
    menu.actions()[columns.index("age")].setChecked(True)
    assert not header.isSectionHidden(columns.index("email"))
    row = first.list.model
    assert row.index(0, columns.index("email")).data() == "dung@example.vn"
    assert row.index(0, columns.index("age")).data() == "Youth"
    assert row.index(0, columns.index("gender")).data() == "Female"
    first.close()

    second = MainWindow(db_url)
    qtbot.addWidget(second)
    header = second.list.view.horizontalHeader()
    assert not header.isSectionHidden(columns.index("email"))
    assert not header.isSectionHidden(columns.index("age"))
    assert header.isSectionHidden(columns.index("income"))
    second.list.view.sortByColumn(columns.index("email"), Qt.SortOrder.DescendingOrder)
    assert (second.list.model.sort_column, second.list.model.descending) == ("email", True)


def test_undo_and_redo_an_edit_a_delete_and_an_addition(window, qtbot, monkeypatch):
    customers.create({"name": "Nguyễn An", "phone": "0912345678"})
    window.refresh()
    window.list.select_row(0)
    replace_text(window.form.inputs["phone"], "0987654321")
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)
    assert Customer.get().phone == "0987654321"
    assert window.actions["undo"].text() == "&Undo Edit Nguyễn An"

    window.actions["undo"].trigger()
    assert Customer.get().phone == "0912345678"
    assert window.form.inputs["phone"].text() == "0912 345 678"
    window.actions["redo"].trigger()
    assert Customer.get().phone == "0987654321"

    monkeypatch.setattr(window, "confirm", lambda text: True)
    window.list.view.setFocus()
    window.actions["delete"].trigger()
    assert customers.count() == 0
    window.actions["undo"].trigger()
    assert customers.count() == 1 and window.list.model.rowCount() == 1

    add_through_form(window, qtbot, "Trần Bình")
    assert customers.count() == 2
    window.actions["undo"].trigger()  # the new customer goes to the trash
    assert customers.count() == 1 and customers.count(trashed=True) == 1


def test_erasing_personal_data_forgets_the_undo_history(window, qtbot, monkeypatch):
    customers.create({"name": "Nguyễn An", "phone": "0912345678"})
    window.refresh()
    window.list.select_row(0)
    replace_text(window.form.inputs["notes"], "Thích trà")
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)
    monkeypatch.setattr(window, "confirm", lambda text: True)
    window.actions["erase"].trigger()
    assert not window.undo_stack.canUndo()


def test_the_import_template_is_saved_and_reads_back_as_an_import(window, tmp_path,
                                                                  monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from shopcrm.io import imports

    target = tmp_path / "mau.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.actions["template"].trigger()
    assert target.exists()
    plan = imports.plan_file(target)
    assert "name" in plan.mapping.values() and "phone" in plan.mapping.values()
    assert "written to" in window.statusBar().currentMessage().lower()
