"""Settings > Database, an unreachable server, and opening a database that fails."""

from __future__ import annotations

import peewee
import pytest
from PySide6.QtCore import QSettings, Qt

from shopcrm.core import customers
from shopcrm.db import connection
from shopcrm.db.models import Customer
from shopcrm.ui import app as app_module
from shopcrm.ui.app import make_application
from shopcrm.ui.database_dialog import DatabaseDialog, saved_url
from shopcrm.ui.main_window import MainWindow

from .helpers import replace_text


@pytest.fixture
def english(qapp):
    make_application("en")
    yield
    QSettings().remove("database/url")


def test_test_connection_tells_what_is_there(english, qtbot, db, db_url):
    customers.create({"name": "Nguyễn An"})
    dialog = DatabaseDialog(db_url)
    qtbot.addWidget(dialog)
    dialog.test_connection()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=10_000)
    assert "a ShopCRM database with 1 customers" in dialog.result.text()
    assert ("SQLite" in dialog.result.text()) == db_url.startswith("sqlite")


def test_test_connection_explains_a_failure(english, qtbot, tmp_path):
    dialog = DatabaseDialog(connection.sqlite_url(tmp_path / "x.db"))
    qtbot.addWidget(dialog)
    dialog.url.setText("postgresql://shop:secret@127.0.0.1:1/shopcrm")
    dialog.test_connection()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=15_000)
    assert "Cannot open the database" in dialog.result.text()
    assert "secret" not in dialog.result.text()


def test_the_chosen_address_is_saved_for_the_next_start(english, qtbot, tmp_path):
    dialog = DatabaseDialog(connection.sqlite_url(tmp_path / "x.db"))
    qtbot.addWidget(dialog)
    dialog.url.setText("postgresql://shop:pw@10.0.0.5/shopcrm")
    dialog.accept()
    assert saved_url() == "postgresql://shop:pw@10.0.0.5/shopcrm"


def test_a_lost_server_keeps_the_edits_and_says_so(english, qtbot, db, db_url, monkeypatch):
    customers.create({"name": "Nguyễn An"})
    window = MainWindow(db_url)
    qtbot.addWidget(window)
    window.list.select_row(0)
    replace_text(window.form.inputs["notes"], "Gọi lại thứ Hai")

    def unreachable(*args, **kwargs):
        raise peewee.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(customers, "update", unreachable)
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)
    assert "Cannot reach the database" in window.form.form_error.text()
    assert window.form.inputs["notes"].toPlainText() == "Gọi lại thứ Hai"
    assert window.form.is_dirty()

    monkeypatch.setattr(window, "_change_stamps", unreachable)
    window.sync()
    assert "trying again" in window.statusBar().currentMessage()
    monkeypatch.undo()
    qtbot.mouseClick(window.form.save_button, Qt.MouseButton.LeftButton)
    assert Customer.get().notes == "Gọi lại thứ Hai"


def test_opening_a_bad_database_offers_retry_change_and_quit(english, tmp_path, monkeypatch):
    bad = tmp_path / "notes.db"
    bad.write_text("không phải cơ sở dữ liệu")
    good = connection.sqlite_url(tmp_path / "good.db")
    answers = iter(["retry", "change"])
    messages = []

    def ask(text, **options):
        messages.append(text)
        return next(answers)

    monkeypatch.setattr(app_module, "ask_after_open_error", ask)
    monkeypatch.setattr(DatabaseDialog, "exec", lambda self: self.url.setText(good) or self.accept()
                        or DatabaseDialog.DialogCode.Accepted)
    assert app_module.open_or_ask(connection.sqlite_url(bad)) == good
    assert len(messages) == 2 and "not a ShopCRM database" in messages[0]
    connection.close()

    monkeypatch.setattr(app_module, "ask_after_open_error", lambda text, **options: "quit")
    assert app_module.open_or_ask(connection.sqlite_url(bad)) is None
