"""The app password locks the window at start, when idle and on Ctrl+L."""

from __future__ import annotations

import pytest

from shopcrm.core import customers, security
from shopcrm.ui.app import make_application
from shopcrm.ui.lock import LockDialog
from shopcrm.ui.main_window import MainWindow
from shopcrm.ui.settings_dialog import SettingsDialog


@pytest.fixture
def window(qtbot, db, db_url):
    make_application("en")
    customers.create({"name": "Nguyễn An"})
    main = MainWindow(db_url)
    qtbot.addWidget(main)
    main.show()
    return main


def test_lock_dialog_checks_the_password(window, qtbot):
    security.set_password("bánh mì")
    dialog = LockDialog(window, allow_quit=False)
    qtbot.addWidget(dialog)
    dialog.password.setText("banh mi")
    dialog.try_unlock()
    assert dialog.result() != LockDialog.DialogCode.Accepted
    assert "Wrong password" in dialog.message.text()
    dialog.show()
    dialog.reject()  # Escape: no way past the lock
    assert dialog.isVisible()
    dialog.password.setText("bánh mì")
    dialog.try_unlock()
    assert dialog.result() == LockDialog.DialogCode.Accepted


def test_idle_lock_hides_customers_until_the_password(window, monkeypatch):
    assert window.lock()  # no password: nothing to do
    security.set_password("bánh mì")
    answers = iter([False, False, True])
    seen = []

    def ask(parent, allow_quit=True):
        seen.append((window.centralWidget().isVisible(), allow_quit))
        return next(answers)

    monkeypatch.setattr(LockDialog, "ask", ask)
    window.idle_watcher.minutes = 1
    window.idle_watcher.last_input -= 120
    window.idle_watcher.check()
    assert seen == [(False, False)] * 3  # hidden while asked, and no way to quit past it
    assert window.centralWidget().isVisible()


def test_a_wrong_password_at_start_can_quit(window, monkeypatch):
    security.set_password("bánh mì")
    monkeypatch.setattr(LockDialog, "ask", lambda parent, allow_quit=True: False)
    assert window.lock(at_start=True) is False


def test_password_is_set_in_settings(window, qtbot):
    dialog = SettingsDialog(window.url, window)
    dialog.password.setText("bánh mì")
    dialog.repeat.setText("bánh mỳ")
    dialog.accept()
    assert "not the same" in dialog.password_error.text() and not security.has_password()
    dialog.repeat.setText("bánh mì")
    dialog.lock_minutes.setValue(5)
    dialog.accept()
    assert security.check_password("bánh mì") and not security.check_password("x")
