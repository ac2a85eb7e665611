"""A damaged database, or one open in another ShopCRM: offered read-only, shown read-only."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLineEdit, QMessageBox, QPlainTextEdit

from shopcrm.core import customers
from shopcrm.db import connection, session
from shopcrm.db.session import open_database
from shopcrm.ui import app as app_module
from shopcrm.ui.app import make_application
from shopcrm.ui.main_window import MainWindow
from support import damage, make_closed_shop

from .helpers import type_text


@pytest.fixture
def english(qapp, tmp_path, monkeypatch):
    make_application("en")
    monkeypatch.setattr(session, "backup_dir", lambda: tmp_path / "backups")
    yield
    QSettings().remove("database/url")
    connection.close()


@pytest.fixture
def shop(tmp_path) -> Path:
    return make_closed_shop(tmp_path / "shop.db", 3)


def answering(monkeypatch, *answers: str) -> list[tuple[str, dict]]:
    """Answer the open-error question with `answers` in turn; returns what was asked."""
    asked, replies = [], iter(answers)

    def ask(text, **options):
        asked.append((text, options))
        return next(replies)

    monkeypatch.setattr(app_module, "ask_after_open_error", ask)
    return asked


def test_a_damaged_database_can_be_opened_read_only(english, shop, monkeypatch):
    damage(shop)
    url = connection.sqlite_url(shop)
    asked = answering(monkeypatch, "read_only")
    assert app_module.open_or_ask(url) == url
    assert len(asked) == 1 and "is damaged" in asked[0][0]
    assert asked[0][1] == {"offer_read_only": True, "offer_restore": False}  # no backup yet
    assert connection.is_read_only() and customers.count() == 3


def test_a_damaged_database_can_be_restored_from_its_newest_backup(english, shop, tmp_path,
                                                                   monkeypatch):
    from shopcrm.db import auto_backup
    from shopcrm.ui import backup_settings

    folder = tmp_path / "backups"
    monkeypatch.setattr(backup_settings, "folder", lambda: folder)
    open_database(connection.sqlite_url(shop))
    auto_backup.take_backup(folder, "manual")
    customers.create({"name": "Khách sau bản sao lưu"})
    connection.close()
    damage(shop)
    url = connection.sqlite_url(shop)
    asked = answering(monkeypatch, "restore")
    assert app_module.open_or_ask(url) == url
    assert asked[0][1] == {"offer_read_only": True, "offer_restore": True}
    assert not connection.is_read_only() and customers.count() == 3  # as backed up
    # The damaged file cannot be backed up as such: it is kept as it was, beside the new one.
    assert any("before-restore" in p.name for p in shop.parent.iterdir())


def test_a_database_in_use_can_be_opened_read_only(english, shop, monkeypatch):
    other = connection.WriterLock(shop)  # another ShopCRM has it open
    other.acquire()
    try:
        url = connection.sqlite_url(shop)
        asked = answering(monkeypatch, "retry", "read_only")
        assert app_module.open_or_ask(url) == url
        assert [options for _, options in asked] == [
            {"offer_read_only": True, "offer_restore": False}] * 2
        assert "already open in another ShopCRM window" in asked[0][0]
        assert connection.is_read_only() and customers.count() == 3
    finally:
        connection.close()
        other.release()
    asked = answering(monkeypatch)
    assert app_module.open_or_ask(url) == url and not connection.is_read_only()
    assert asked == []


def test_other_errors_do_not_offer_read_only(english, tmp_path, monkeypatch):
    bad = tmp_path / "notes.db"
    bad.write_text("không phải cơ sở dữ liệu")
    asked = answering(monkeypatch, "quit")
    assert app_module.open_or_ask(connection.sqlite_url(bad)) is None
    assert asked[0][1] == {"offer_read_only": False, "offer_restore": False}


def test_the_question_has_an_open_read_only_button(english, monkeypatch):
    def click(box, text):
        return lambda: next(b for b in box.buttons() if b.text() == text).click()

    seen = []

    def fake_exec(box):
        seen.append([b.text() for b in box.buttons()])
        click(box, "Open read-only")()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    assert app_module.ask_after_open_error("Hỏng", offer_read_only=True) == "read_only"
    assert {"Open read-only", "Try again", "Change database…", "Quit"} == set(seen[0])
    monkeypatch.setattr(QMessageBox, "exec", lambda box: seen.append(
        [b.text() for b in box.buttons()]) or click(box, "Try again")())
    assert app_module.ask_after_open_error("Không mở được") == "retry"
    assert "Open read-only" not in seen[1]


@pytest.fixture
def read_only_window(english, qtbot, shop):
    damage(shop)
    url = connection.sqlite_url(shop)
    open_database(url, read_only=True)
    window = MainWindow(url, read_only=True)
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_read_only_window_shows_but_cannot_change(read_only_window):
    window = read_only_window
    assert window.windowTitle() == "ShopCRM (read-only)"
    assert window.list.model.rowCount() == 3
    window.list.select_row(1)
    assert window.form.title.text().startswith("Khách 1")
    for name in ("new", "save", "delete", "import", "settings"):
        assert not window.actions[name].isEnabled(), name
    for name in ("export", "print", "find", "refresh", "backup"):
        assert window.actions[name].isEnabled(), name
    assert not window.form.save_button.isEnabled()
    assert not window.care.done_button.isVisible() and not window.care.skip_button.isVisible()
    for field, widget in window.form.inputs.items():
        if isinstance(widget, (QLineEdit, QPlainTextEdit)):
            assert widget.isReadOnly(), field
        else:
            assert not widget.isEnabled(), field

    type_text(window.form.inputs["name"], "Đổi tên")
    assert window.form.inputs["name"].text() == "Khách 1"
    assert not window.form.is_dirty() and not window.form.save_button.isEnabled()
    window.refresh()
    window.list.select_row(2)
    assert not window.actions["delete"].isEnabled()


def test_a_normal_window_says_nothing_of_read_only(english, qtbot, shop):
    url = connection.sqlite_url(shop)
    open_database(url)
    window = MainWindow(url)
    qtbot.addWidget(window)
    assert window.windowTitle() == "ShopCRM"
    window.list.select_row(0)
    assert window.actions["new"].isEnabled() and window.actions["delete"].isEnabled()
