"""The care-schedule pane: lists with counts, done / skip / snooze / reassign, the filled
message with Copy and Call / Zalo / Email, the call sheet PDF and the tray notice."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication

from shopcrm.core import customers
from shopcrm.db.models import CareTask, Interaction
from shopcrm.ui import printing
from shopcrm.ui.app import make_application
from shopcrm.ui.care_pane import CarePane

from .test_printing import pdf_pages_text

TODAY = dt.date(2024, 6, 12)


@pytest.fixture
def pane(qtbot, db):
    make_application("en")
    widget = CarePane()
    qtbot.addWidget(widget)
    widget.resize(520, 720)
    widget.show()
    return widget


def task(customer, days: int, task_type: str = "thank_you", title: str | None = None,
         **fields) -> CareTask:
    return CareTask.create(customer=customer, task_type=task_type, title=title,
                           due_date=TODAY + dt.timedelta(days=days), **fields)


@pytest.fixture
def ha():
    return customers.create({"name": "Nguyễn Thị Thu Hà", "phone": "0912345678",
                             "email": "ha@example.vn", "gender": "female", "honorific": "chị"})


def select(pane, task_id: int, list_name: str | None = None) -> None:
    if list_name:
        pane.show_list(list_name)
    assert pane.select_task(task_id)


def press(qtbot, pane, keys: str) -> None:
    """A shortcut typed while the pane's list has the focus (as a user would)."""
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest

    pane.activateWindow()
    pane.shop_view.setFocus()
    qtbot.waitUntil(lambda: pane.shop_view.hasFocus())
    combo = QKeySequence(keys)[0]
    QTest.keyClick(pane.shop_view, combo.key(), combo.keyboardModifiers())


def test_the_lists_and_their_counts(pane, ha):
    lan = customers.create({"name": "Trần Lan"})
    task(ha, -3, title="Gọi cảm ơn")
    task(lan, 0, "birthday")
    task(lan, 3, "feedback_request")
    task(ha, 12)  # beyond the 7 days
    pane.refresh(TODAY)
    assert [pane.tabs.tabText(i) for i in range(3)] == [
        "Overdue (1)", "Today (1)", "Next 7 days (1)"]
    assert pane.shop_title.text() == "Care schedule: 1 overdue, 1 due today"
    assert pane.models["overdue"].tasks[0].customer_name == "Nguyễn Thị Thu Hà"
    assert pane.models["today"].tasks[0].task_type == "birthday"
    assert pane.models["upcoming"].tasks[0].task_type == "feedback_request"
    assert pane.shop_model is pane.models["overdue"]
    assert not pane.done_button.isEnabled()  # nothing selected yet


def test_done_by_shortcut_asks_the_outcome_and_logs_it(pane, ha, qtbot, monkeypatch):
    first = task(ha, -2, title="Gọi cảm ơn")
    pane.refresh(TODAY)
    select(pane, first.id, "overdue")
    assert pane.done_button.isEnabled()
    asked = []
    monkeypatch.setattr(pane, "ask_outcome", lambda t: asked.append(t.id) or "Chị Hà rất hài lòng")
    with qtbot.waitSignal(pane.changed):
        press(qtbot, pane, "Ctrl+D")
    assert asked == [first.id]
    assert CareTask.get_by_id(first.id).status == "done"
    assert Interaction.get().summary == "Gọi cảm ơn: Chị Hà rất hài lòng"
    assert pane.tabs.tabText(0) == "Overdue (0)"
    assert "nothing overdue" in pane.shop_title.text()


def test_cancelling_the_outcome_changes_nothing(pane, ha, monkeypatch):
    first = task(ha, 0)
    pane.refresh(TODAY)
    select(pane, first.id, "today")
    monkeypatch.setattr(pane, "ask_outcome", lambda t: None)
    pane.done_button.click()
    assert CareTask.get_by_id(first.id).status == "planned"
    assert Interaction.select().count() == 0


def test_skip_logs_why(pane, ha, qtbot, monkeypatch):
    first = task(ha, 0, "birthday", title="Chúc mừng sinh nhật")
    pane.refresh(TODAY)
    select(pane, first.id, "today")
    monkeypatch.setattr(pane, "ask_outcome", lambda t: "Không liên lạc được")
    qtbot.mouseClick(pane.skip_button, Qt.MouseButton.LeftButton)
    assert CareTask.get_by_id(first.id).status == "skipped"
    assert Interaction.get().summary == "Chúc mừng sinh nhật (bỏ qua): Không liên lạc được"
    assert pane.tabs.tabText(1) == "Today (0)"


def test_snooze_to_tomorrow_next_week_and_a_date(pane, ha, qtbot, monkeypatch):
    overdue = task(ha, -4)
    pane.refresh(TODAY)
    select(pane, overdue.id, "overdue")
    press(qtbot, pane, "Ctrl+T")  # an overdue task goes to tomorrow, not due + 1
    assert CareTask.get_by_id(overdue.id).due_date == TODAY + dt.timedelta(days=1)
    assert pane.tabs.tabText(2) == "Next 7 days (1)"

    select(pane, overdue.id, "upcoming")
    pane.actions["next_week"].trigger()
    assert CareTask.get_by_id(overdue.id).due_date == TODAY + dt.timedelta(days=8)

    today_task = task(ha, 0)
    pane.refresh(TODAY)
    select(pane, today_task.id, "today")
    monkeypatch.setattr(pane, "ask_date", lambda t: dt.date(2024, 7, 1))
    pane.actions["snooze_date"].trigger()
    assert CareTask.get_by_id(today_task.id).due_date == dt.date(2024, 7, 1)
    assert Interaction.select().count() == 0  # putting off is not contacting
    assert "Ctrl+T" in pane.actions["tomorrow"].toolTip()


def test_snooze_dialog_starts_tomorrow_and_refuses_the_past(qtbot, db):
    from shopcrm.core.care import TaskRow
    from shopcrm.ui.task_dialogs import SnoozeDialog

    make_application("en")
    row = TaskRow(1, 1, "Trần Lan", "birthday", None, TODAY - dt.timedelta(days=3), "planned")
    dialog = SnoozeDialog(None, row, TODAY)
    qtbot.addWidget(dialog)
    assert dialog.day() == TODAY + dt.timedelta(days=1)
    assert dialog.calendar.minimumDate().toPython() == TODAY


def test_reassign(pane, ha, monkeypatch):
    first = task(ha, 0, assigned_to="Mai")
    pane.refresh(TODAY)
    select(pane, first.id, "today")
    asked = []
    monkeypatch.setattr(pane, "ask_assignee",
                        lambda t, current: asked.append(current) or "Lan")
    pane.actions["reassign"].trigger()
    assert asked == ["Mai"]
    assert CareTask.get_by_id(first.id).assigned_to == "Lan"
    assert pane.selected_task().id == first.id  # still selected
    assert "for Lan" in pane.task_title.text()
    monkeypatch.setattr(pane, "ask_assignee", lambda t, current: "")
    pane.actions["reassign"].trigger()
    assert CareTask.get_by_id(first.id).assigned_to is None


def test_the_filled_message_is_copied(pane, ha, qtbot):
    first = task(ha, 0, "birthday")
    pane.refresh(TODAY)
    select(pane, first.id, "today")
    message = pane.message.toPlainText()
    assert message.startswith("Chúc mừng sinh nhật chị Hà!")
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(pane.buttons["copy"], Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == message


def test_call_opens_tel_and_done_logs_a_call(pane, ha, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    first = task(ha, 0, title="Gọi cảm ơn")
    pane.refresh(TODAY)
    select(pane, first.id, "today")
    pane.actions["call"].trigger()
    pane.actions["zalo"].trigger()
    pane.actions["email"].trigger()
    assert opened[0] == "tel:0912345678"
    assert opened[1] == "https://zalo.me/0912345678"
    assert opened[2].startswith("mailto:ha@example.vn?body=")
    monkeypatch.setattr(pane, "ask_outcome", lambda t: "Đã gọi")
    pane.actions["done"].trigger()
    assert Interaction.get().kind == "email"  # the last way the customer was reached


def test_contacts_are_disabled_without_phone_or_email(pane, monkeypatch):
    bare = customers.create({"name": "Lê Văn Nam"})
    first = task(bare, 0)
    pane.refresh(TODAY)
    select(pane, first.id, "today")
    for how in ("call", "zalo", "email"):
        assert not pane.actions[how].isEnabled(), how
    assert pane.actions["copy"].isEnabled()


def test_a_task_opens_its_customer(pane, ha, qtbot):
    first = task(ha, 0)
    pane.refresh(TODAY)
    select(pane, first.id, "today")
    with qtbot.waitSignal(pane.open_customer) as signal:
        press(qtbot, pane, "Return")
    assert signal.args == [ha.id]


def test_the_customers_own_tasks(pane, ha, monkeypatch):
    first = task(ha, 20, title="Hỏi thăm")
    pane.refresh(TODAY)
    pane.show_customer(ha.id, ha.name)
    assert pane.customer_title.text() == "Tasks for Nguyễn Thị Thu Hà"
    assert [t.id for t in pane.customer_model.tasks] == [first.id]
    pane.customer_view.setFocus()
    pane.customer_view.selectRow(0)
    monkeypatch.setattr(pane, "ask_outcome", lambda t: "Xong")
    pane.actions["done"].trigger()
    assert pane.customer_model.tasks[0].status == "done"
    assert not pane.done_button.isEnabled()  # finished tasks are history


def test_a_task_finished_at_another_counter_is_explained(pane, ha, monkeypatch):
    from shopcrm.core import care

    first = task(ha, 0)
    pane.refresh(TODAY)
    select(pane, first.id, "today")
    care.complete(first.id, "từ quầy 2")
    errors = []
    monkeypatch.setattr(pane, "show_error", errors.append)
    pane.actions["tomorrow"].trigger()
    assert "already finished" in str(errors[0])
    assert pane.tabs.tabText(1) == "Today (0)"


def test_read_only_hides_the_changes(pane, ha):
    first = task(ha, 0)
    pane.refresh(TODAY)
    pane.set_editable(False)
    select(pane, first.id, "today")
    assert not pane.done_button.isVisible() and not pane.snooze_button.isVisible()
    assert not pane.actions["done"].isEnabled() and pane.actions["copy"].isEnabled()


def test_screenshot(pane, ha):
    lan = customers.create({"name": "Trần Lan", "phone": "0987654321"})
    task(ha, -2, title="Cảm ơn khách sau khi mua hàng")
    second = task(lan, 0, "birthday", title="Chúc mừng sinh nhật")
    task(lan, 2, "feedback_request")
    pane.refresh(TODAY)
    pane.show_customer(lan.id, lan.name)
    select(pane, second.id, "today")
    pane.grab().save("/tmp/care_pane.png")


def test_tray_notification_is_a_no_op_offscreen(qtbot):
    from PySide6.QtWidgets import QWidget

    from shopcrm.ui.tray import notify_tasks

    window = QWidget()
    qtbot.addWidget(window)
    assert notify_tasks(window, 2, 3) is None
    assert notify_tasks(window, 0, 0) is None


# -- the call sheet ---------------------------------------------------------------------

def test_call_sheet_pdf_groups_todays_tasks(qapp, db, tmp_path):
    make_application("en")
    ha = customers.create({"name": "Nguyễn Thị Thu Hà", "phone": "0912345678",
                           "honorific": "chị"})
    duc = customers.create({"name": "Bùi Đức", "phone": "0987654321"})
    task(ha, -1, "birthday")
    task(duc, 0, "thank_you", title="Gọi cảm ơn")
    task(duc, 3, "feedback_request")  # upcoming: not on today's sheet
    out = tmp_path / "sheet.pdf"
    assert printing.write_call_sheet_pdf(out, TODAY) == 1
    text = pdf_pages_text(out)[0]
    for expected in ("Call sheet", "Nguyễn Thị Thu Hà", "Bùi Đức", "0912 345 678",
                     "Thank-you / check-in (1)", "Birthday greeting (1)", "Notes",
                     "Chúc mừng sinh nhật chị Hà", "Page 1 / 1"):
        assert expected in text, expected
    assert "Ask for feedback" not in text
    assert text.index("Thank-you") < text.index("Birthday greeting")  # the types' order


def test_a_long_call_sheet_repeats_its_header(qapp, db, tmp_path):
    make_application("en")
    for n in range(70):
        task(customers.create({"name": f"Khách số {n:02d}"}), 0)
    out = tmp_path / "long.pdf"
    pages = printing.write_call_sheet_pdf(out, TODAY)
    texts = pdf_pages_text(out)
    assert pages == len(texts) >= 2
    for number, text in enumerate(texts, 1):
        assert "Customer" in text and "Notes" in text and f"Page {number} / {pages}" in text
    assert "Khách số 00" in texts[0] and "Khách số 69" in texts[-1]


def test_save_call_sheet_pdf_asks_the_file(qtbot, db, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QWidget

    make_application("en")
    task(customers.create({"name": "Hồ Thị Xuân"}), 0)
    out = tmp_path / "chosen.pdf"
    monkeypatch.setattr(printing, "ask_pdf_path", lambda parent, title, name: out)
    parent = QWidget()
    qtbot.addWidget(parent)
    done = []
    job = printing.save_call_sheet_pdf(parent, TODAY, on_done=done.append)
    qtbot.waitUntil(lambda: not job.is_running(), timeout=20_000)
    assert done == [out] and "Hồ Thị Xuân" in pdf_pages_text(out)[0]
