"""File > Restore from backup, and the window's automatic backups, driven offscreen."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from shopcrm.core import customers
from shopcrm.db import auto_backup, backup, connection
from shopcrm.db.models import Customer
from shopcrm.db.session import open_database
from shopcrm.ui import backup_settings, jobs
from shopcrm.ui.app import make_application
from shopcrm.ui.main_window import MainWindow
from shopcrm.ui.restore_dialog import RestoreDialog


@pytest.fixture
def folder(qapp, tmp_path):
    """The backups folder chosen on this computer, for the test only."""
    chosen = tmp_path / "chosen-backups"
    backup_settings.set_folder(chosen)
    yield chosen
    backup_settings.set_folder(None)


@pytest.fixture
def window(qtbot, folder, sqlite_url, monkeypatch):
    make_application("en")
    open_database(sqlite_url)
    for name in ("Nguyễn Văn An", "Trần Thị Bích", "Lê Đức Thọ"):
        customers.create({"name": name})
    main = MainWindow(sqlite_url)
    main.messages = []
    monkeypatch.setattr(main, "inform", lambda text, icon=None: main.messages.append(text))
    main.show()
    yield main
    main.form.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    main.close()
    main.deleteLater()
    connection.close()


def backups_in(folder: Path, reason: str = "") -> list[Path]:
    return sorted(folder.glob(f"shopcrm-*{reason}.db")) if folder.exists() else []


def dialog_of(window, qtbot, confirm: bool = True) -> RestoreDialog:
    dialog = RestoreDialog(window.files.restore_backup, window)
    qtbot.addWidget(dialog)
    dialog.asked = []
    dialog.confirm = lambda text: dialog.asked.append(text) or confirm
    return dialog


def test_the_dialog_lists_the_backups_newest_first(window, folder, qtbot, qtmodeltester):
    now = dt.datetime(2026, 11, 23, 15, 30)
    auto_backup.take_backup(folder, "auto", now - dt.timedelta(days=1))
    customers.create({"name": "Phạm Minh Châu"})
    auto_backup.take_backup(folder, "before-import", now)
    notes = folder / "notes.db"
    notes.write_text("không phải bản sao lưu")
    os.utime(notes, (0, 0))  # 1970: listed last, by its modification time
    dialog = dialog_of(window, qtbot)
    qtmodeltester.check(dialog.model)
    model = dialog.model
    assert model.rowCount() == 3
    assert [model.index(0, c).data() for c in (0, 2)] == ["23/11/2026 15:30", "4"]
    assert [model.index(1, c).data() for c in (0, 2)] == ["22/11/2026 15:30", "3"]
    assert [model.index(2, c).data() for c in (2, 3)] == ["?", "notes.db"]
    assert model.index(0, 1).data().endswith("kB")
    assert str(folder) in dialog.folder_label.text()
    assert dialog.selected_path() == model.rows[0].path  # the newest, ready to restore
    assert dialog.restore_button.isEnabled()


def test_restore_from_the_dialog_reloads_the_window(window, folder, qtbot):
    saved = auto_backup.take_backup(folder, "manual")
    window.list.select_row(0)
    customers.create({"name": "Phạm Minh Châu"})
    customers.trash([1])
    window.refresh()
    assert window.list.model.rowCount() == 3
    dialog = dialog_of(window, qtbot)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.asked and "Replace all the data" in dialog.asked[0]
    assert dialog.result() == RestoreDialog.DialogCode.Accepted
    assert Customer.select().count() == 3 and customers.count() == 3
    assert window.list.model.rowCount() == 3
    assert "Nguyễn Văn An" in [window.list.model.index(r, 1).data() for r in range(3)]
    assert window.counts.text() == "3 of 3 customers shown"
    assert window.form.customer_id == window.list.current_id()
    [before] = backups_in(folder, "before-restore")
    assert f"The backup {saved.name} was restored." in window.messages[-1]
    assert str(before) in window.messages[-1]
    assert "Last backup:" in window.backups.label.text()


def test_declining_changes_nothing(window, folder, qtbot):
    auto_backup.take_backup(folder, "manual")
    customers.create({"name": "Phạm Minh Châu"})
    dialog = dialog_of(window, qtbot, confirm=False)
    assert dialog.restore_selected() is False
    assert customers.count() == 4 and len(backups_in(folder)) == 1


def test_a_damaged_file_is_refused_and_the_data_stays(window, folder, qtbot):
    folder.mkdir()
    bad = folder / "shopcrm-2026-11-23-1530.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x07" * 5000)
    dialog = dialog_of(window, qtbot)
    assert dialog.model.index(0, 2).data() == "?"
    assert dialog.restore_selected() is False
    assert dialog.isVisible() is False and dialog.result() != RestoreDialog.DialogCode.Accepted
    assert "is not a ShopCRM backup" in window.messages[-1]
    assert customers.count() == 3 and window.list.model.rowCount() == 3
    assert backups_in(folder) == [bad]  # not even a before-restore backup was needed


def test_restore_waits_for_running_work(window, folder, qtbot, monkeypatch):
    saved = auto_backup.take_backup(folder, "manual")
    monkeypatch.setattr(jobs, "busy", lambda: True)
    assert window.files.restore_backup(saved) is False
    assert "Wait until the work in progress has finished" in window.messages[-1]


def test_choose_and_open_the_folder(window, folder, qtbot, tmp_path):
    auto_backup.take_backup(folder, "manual")
    dialog = dialog_of(window, qtbot)
    assert dialog.model.rowCount() == 1
    other = tmp_path / "usb-drive"
    other.mkdir()
    dialog.ask_folder = lambda current: str(other)
    dialog.choose_folder()
    assert backup_settings.folder() == other
    assert dialog.model.rowCount() == 0 and not dialog.restore_button.isEnabled()
    assert str(other) in dialog.folder_label.text()
    assert window.backups.folder() == other  # the window backs up there from now on
    opened = []
    dialog.open_url = lambda url: opened.append(url.toLocalFile()) or True
    dialog.open_folder()
    assert opened == [str(other)]
    dialog.ask_folder = lambda current: ""  # cancelled
    dialog.choose_folder()
    assert backup_settings.folder() == other


def test_the_file_menu_offers_restore_and_back_up_now(window):
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "&Back up now…" in texts and "&Restore from backup…" in texts
    assert window.actions["restore"].isEnabled()


# -- automatic backups ---------------------------------------------------------------------

def wait_for(job, qtbot):
    """Until `job` (a background backup) has delivered its result."""
    assert job is not None
    qtbot.waitUntil(lambda: not job.is_running(), timeout=10_000)


def segments_done(window, qtbot):
    """The window's once-a-day segment computation (a change worth a backup) is over,
    and the backup keeper counts changes from here."""
    qtbot.waitUntil(lambda: window._segments_day is not None and not jobs._running,
                    timeout=10_000)
    window.backups.reset()


def test_a_backup_every_half_hour_while_data_changes(window, folder, qtbot):
    segments_done(window, qtbot)
    keeper = window.backups
    assert keeper.timer.isActive() and keeper.timer.interval() == 60_000
    assert keeper.label.text() == "No backup yet"
    assert keeper.tick() is None  # nothing changed since the window opened

    customers.create({"name": "Phạm Minh Châu"})
    job = keeper.tick()
    assert job is not None and job.dialog is None  # quiet: no progress dialog pops up
    wait_for(job, qtbot)
    [made] = backups_in(folder, "auto")
    assert "Last backup:" in keeper.label.text()
    assert connection.held_writer() is not None  # the job's thread let go of its connection
    assert Path(f"{connection.sqlite_path(window.url)}.open").exists()

    customers.create({"name": "Võ Thị Sáu"})
    assert keeper.tick() is None  # changed, but the last backup is a minute old
    later = dt.datetime.now() + dt.timedelta(minutes=31)
    wait_for(keeper.tick(later), qtbot)
    assert len(backups_in(folder, "auto")) == 2
    assert keeper.tick(later + dt.timedelta(hours=2)) is None  # no change since


def test_a_failed_automatic_backup_says_so_in_the_status_bar(window, folder, qtbot,
                                                             monkeypatch):
    monkeypatch.setattr(backup, "_integrity_check", lambda conn: "page 3 is broken")
    customers.create({"name": "Phạm Minh Châu"})
    wait_for(window.backups.tick(), qtbot)
    assert "Backup failed" in window.backups.label.text()
    assert window.backups.tick() is None  # tried again in half an hour, not every minute
    assert window.messages == []  # no dialog for a backup the user did not ask for


def test_closing_backs_up_when_data_changed(window, folder, qtbot):
    segments_done(window, qtbot)
    assert window.backups.at_exit() is None and backups_in(folder) == []  # nothing changed
    customers.create({"name": "Phạm Minh Châu"})
    window.close()
    [made] = backups_in(folder, "exit")
    assert backup.describe(made).customers == 4


def test_no_automatic_backups_of_demo_data(qtbot, folder, sqlite_url):
    make_application("en")
    open_database(sqlite_url)
    main = MainWindow(sqlite_url, demo=True)
    qtbot.addWidget(main)
    try:
        assert not main.backups.timer.isActive()
        customers.create({"name": "Khách thử"})
        assert main.backups.tick() is None
        main.close()
        assert backups_in(folder) == []
    finally:
        connection.close()
