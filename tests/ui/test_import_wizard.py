"""The import wizard end to end, as a shop owner walks it: pick a file, adjust a mapping,
test, import, save the rejected rows, undo the import from the history."""

from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from shopcrm.core import customers
from shopcrm.db.models import Customer, Purchase
from shopcrm.io import mapping_memory
from shopcrm.ui import jobs
from shopcrm.ui.import_history_dialog import ImportHistoryDialog
from shopcrm.ui.import_wizard import ImportWizard


def workbook(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.fixture
def sheet(tmp_path):
    """A hand-kept list: a title row, an unknown "Ghi chú KH" header, one bad phone."""
    return workbook(tmp_path / "khach.xlsx", [
        ["DANH SÁCH KHÁCH HÀNG THÁNG 11"],
        ["STT", "Họ và tên", "Số điện thoại", "Ghi chú KH"],
        [1, "Nguyễn Thị Thu Hà", "0912.345.678", "Thích áo dài"],
        [2, "Trần Văn Đức", 987654321, "Khách sỉ"],
        [3, "Lê Sai Số", "12345", ""],
    ])


def open_wizard(window, qtbot, monkeypatch, path, kind="customers") -> ImportWizard:
    shown = {}
    monkeypatch.setattr(window.files, "ask_import",
                        lambda wizard: shown.setdefault("wizard", wizard) and False)
    window.files.run_import(path, kind)
    qtbot.waitUntil(lambda: "wizard" in shown, timeout=10_000)
    return shown["wizard"]


def wait(wizard, qtbot):
    qtbot.waitUntil(lambda: not wizard.busy and not jobs.busy(), timeout=10_000)


def test_walk_the_wizard_from_file_to_undo(window, qtbot, monkeypatch, sheet, tmp_path):
    wizard = open_wizard(window, qtbot, monkeypatch, sheet)
    page = wizard.columns_page
    assert page.mapping() == {1: "name", 2: "phone"}  # "Ghi chú KH" is not known
    assert "2 rows are ready" in page.summary.text()
    # The bad phone is marked in its cell, with the reason as a tooltip.
    preview = page.preview
    phone_column = 1 + [c for c, _f in preview.columns].index(2)
    bad = preview.index(2, phone_column)
    assert bad.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "12345" in bad.data() and bad.data(Qt.ItemDataRole.ToolTipRole)
    assert preview.index(0, phone_column).data() == "0912 345 678"  # as it will be stored

    page.set_field(3, "notes")  # the user maps the unknown column
    wait(wizard, qtbot)
    assert wizard.plan.mapping == {1: "name", 2: "phone", 3: "notes"}
    assert wizard.mapping_changed()
    assert page.isComplete()

    wizard.next()
    wizard.run_page.policy.setCurrentIndex(wizard.run_page.policy.findData("skip"))
    wizard.test_run()
    qtbot.waitUntil(lambda: "Test run" in wizard.run_page.result.text(), timeout=10_000)
    assert "2 would be added" in wizard.run_page.result.text()
    assert Customer.select().count() == 0  # a test writes nothing

    # Import (what Finish does), answering the questions that follow.
    rejects = tmp_path / "loi.xlsx"
    messages = []
    monkeypatch.setattr(window, "inform", lambda text, icon=None: messages.append(text))
    monkeypatch.setattr(window, "confirm", lambda text: True)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(rejects), ""))
    window.files.write_import(wizard.plan, wizard.duplicate_policy(), wizard.kind,
                              remember=wizard.mapping_changed())
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    assert "2 new" in messages[0] and "1 left out" in messages[0]
    assert Customer.get(Customer.name == "Nguyễn Thị Thu Hà").notes == "Thích áo dài"
    saved = load_workbook(rejects).active
    assert [c.value for c in saved[2]][1:3] == ["Lê Sai Số", "12345"]
    assert saved.cell(1, 5).value  # the reason column
    # The changed mapping is remembered for the next file with these headers.
    headers = wizard.plan.table.headers
    assert mapping_memory.remembered_mapping(headers) == {1: "name", 2: "phone", 3: "notes"}

    history = ImportHistoryDialog(window, backup_folder=window.backups.folder())
    assert history.model.rowCount() == 1
    assert history.model.index(0, 3).data() == "2"
    monkeypatch.setattr(history, "confirm", lambda text: True)
    monkeypatch.setattr(history, "inform", messages.append)
    assert history.undo_selected()
    assert customers.count() == 0
    assert "Import undone" in messages[-1]
    assert history.model.index(0, 7).data().startswith("Undone on")
    assert not history.undo_button.isEnabled()


def test_a_mapping_the_core_refuses_is_explained_and_blocks_the_import(
        window, qtbot, monkeypatch, sheet):
    wizard = open_wizard(window, qtbot, monkeypatch, sheet)
    page = wizard.columns_page
    page.set_field(3, "phone")  # two columns are now the phone
    wait(wizard, qtbot)
    assert page.problem.isVisibleTo(page)
    assert "Two columns" in page.problem.text()
    assert not page.isComplete()
    page.set_field(3, None)  # ignore it again
    wait(wizard, qtbot)
    assert not page.problem.isVisibleTo(page) and page.isComplete()


def test_purchases_are_imported_through_the_same_wizard(window, qtbot, monkeypatch, tmp_path):
    ha = customers.create({"name": "Nguyễn Thị Hà", "phone": "0912345678"})
    path = workbook(tmp_path / "ban-hang.xlsx", [
        ["Ngày", "SĐT", "Thành tiền", "Sản phẩm"],
        ["20/11/2026", "0912 345 678", "1.250.000 ₫", "Áo dài"],
        ["21/11/2026", "0999 999 999", "300.000", "Khăn"],
    ])
    wizard = open_wizard(window, qtbot, monkeypatch, path)
    wizard.columns_page.kind.setCurrentIndex(wizard.columns_page.kind.findData("purchases"))
    wizard.replan(kind="purchases")
    wait(wizard, qtbot)
    assert wizard.kind == "purchases"
    assert set(wizard.plan.mapping.values()) >= {"date", "customer_phone", "amount"}
    assert wizard.plan.valid_count == 1  # the second phone is nobody's
    messages = []
    monkeypatch.setattr(window, "inform", lambda text, icon=None: messages.append(text))
    monkeypatch.setattr(window, "confirm", lambda text: False)
    wizard.run_page.initializePage()
    window.files.write_import(wizard.plan, wizard.duplicate_policy(), wizard.kind)
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    assert [p.amount for p in Purchase.select().where(Purchase.customer == ha.id)] == [1_250_000]


def test_contacts_are_imported_through_the_wizard(window, qtbot, monkeypatch, tmp_path):
    from shopcrm.db.models import Interaction

    customers.create({"name": "Nguyễn Thị Hà", "phone": "0912345678"})
    path = workbook(tmp_path / "lien-he.xlsx", [
        ["Mã KH", "Thời gian", "Loại", "Nội dung"],
        ["KH000001", "20/11/2026 09:30", "Gọi điện", "Hỏi size áo dài"],
    ])
    wizard = open_wizard(window, qtbot, monkeypatch, path)
    page = wizard.columns_page
    page.kind.setCurrentIndex(page.kind.findData("interactions"))
    wizard.replan(kind="interactions")
    wait(wizard, qtbot)
    assert wizard.kind == "interactions" and wizard.plan.valid_count == 1
    titles = [page.columns.cellWidget(r, 2).currentText() for r in range(page.columns.rowCount())]
    assert titles == ["Customer code", "Date and time", "Kind", "What was said or done"]
    wizard.run_page.initializePage()
    messages = []
    monkeypatch.setattr(window, "inform", lambda text, icon=None: messages.append(text))
    window.files.write_import(wizard.plan, wizard.duplicate_policy(), wizard.kind)
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    assert Interaction.get().summary == "Hỏi size áo dài"
    # ... and undone from the import history, which says what went.
    history = ImportHistoryDialog(window, backup_folder=window.backups.folder())
    assert history.undo_button.isEnabled()
    monkeypatch.setattr(history, "confirm", lambda text: True)
    monkeypatch.setattr(history, "inform", messages.append)
    assert history.undo_selected()
    assert messages[-1] == "Import undone: 1 contacts removed."
    assert not Interaction.select().exists()
