"""The window's automatic backups: every half hour while data changes, and at exit.

A timer asks every minute whether a backup is due (db.auto_backup.backup_due: data
changed since the last backup, and 30 minutes passed); the copy runs on the thread
pool as a quiet job (no progress dialog for a few seconds' work), and the status bar
tells the time of the last backup. Closing the window backs up at once when data
changed since the last backup: the app is ending, so the user waits the second or
two it takes.

SQLite only, and never for a read-only window or the throw-away demo database (its
backups would mix with the shop's in the folder). The folder is the per-computer
setting (ui.backup_settings), read each time: choosing another one applies at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from shopcrm.core.errors import KnownError
from shopcrm.db import auto_backup, connection
from shopcrm.db.connection import CONNECTION_ERRORS
from shopcrm.ui import backup_settings, i18n, jobs

log = logging.getLogger(__name__)

CHECK_SECONDS = 60


class BackupKeeper(QObject):
    """Owned by the main window; `label` goes into its status bar."""

    backed_up = Signal(object)  # the new backup's path

    def __init__(self, window, enabled: bool):
        super().__init__(window)
        self.window = window
        self.enabled = enabled and connection.is_sqlite()
        self.label = QLabel()
        self.label.setVisible(connection.is_sqlite())
        self.job: jobs.Job | None = None
        self.timer = QTimer(self, interval=CHECK_SECONDS * 1000)
        self.timer.timeout.connect(self.tick)
        self.reset()
        if self.enabled:
            self.timer.start()

    @staticmethod
    def folder() -> Path:
        return backup_settings.folder()

    def reset(self) -> None:
        """Start counting from now: after opening, and after a restore."""
        self.last_backup_at = auto_backup.last_backup_at(self.folder())
        self._attempted_at = self.last_backup_at
        self._stamp = auto_backup.change_stamp() if self.enabled else None
        self.show_last()

    def show_last(self) -> None:
        """The time of the newest backup in the folder, in the status bar."""
        self.last_backup_at = auto_backup.last_backup_at(self.folder())
        if self.last_backup_at is None:
            self.label.setText(self.tr("No backup yet"))
        else:
            self.label.setText(self.tr("Last backup: {when}").format(
                when=describe_time(self.last_backup_at)))

    def data_changed(self) -> bool:
        try:
            return auto_backup.change_stamp() != self._stamp
        except CONNECTION_ERRORS:
            return False

    def tick(self, now: dt.datetime | None = None) -> jobs.Job | None:
        """Start a backup when one is due; the job, or None."""
        if not self.enabled or self.job is not None:
            return None
        now = now or dt.datetime.now()
        try:
            stamp = auto_backup.change_stamp()
        except CONNECTION_ERRORS:  # the sync timer tells the user; try next minute
            return None
        if not auto_backup.backup_due(self._attempted_at, stamp != self._stamp, now):
            return None
        self._attempted_at = now  # a failure is tried again in half an hour, not each minute
        folder = self.folder()
        self.job = jobs.Job(self.window, self.tr("Backing up…"),
                            lambda progress, cancelled: auto_backup.take_backup(
                                folder, "auto", now, progress), quiet=True)
        return self.job.success(lambda path: self._done(path, stamp)) \
            .failure(self._failed).start()

    def _done(self, path: Path | None, stamp) -> None:
        self.job = None
        self._stamp = stamp  # what was committed when the copy began is in it
        self.show_last()
        if path is not None:
            self.backed_up.emit(path)

    def _failed(self, exc: Exception) -> None:
        self.job = None
        if not isinstance(exc, KnownError):
            raise exc
        log.warning("automatic backup failed: %s", exc)
        self.label.setText(self.tr("Backup failed: {reason}").format(reason=i18n.error_text(exc)))

    def at_exit(self) -> Path | None:
        """Back up now if data changed since the last backup (the window is closing)."""
        database = connection.db.obj
        if not self.enabled or database is None or database.is_closed():
            return None
        self.timer.stop()
        if not self.data_changed():
            return None
        self.window.statusBar().showMessage(self.tr("Backing up before closing…"))
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return auto_backup.take_backup(self.folder(), "exit")
        except KnownError as exc:
            self.window.inform(self.tr("The backup at closing failed: {reason}").format(
                reason=i18n.error_text(exc)), QMessageBox.Icon.Warning)
        except CONNECTION_ERRORS as exc:
            log.warning("no backup at exit: %s", exc)
        finally:
            QApplication.restoreOverrideCursor()
        return None


def describe_time(moment: dt.datetime) -> str:
    """"23/11/2026 15:30" (a local time, as backups are named)."""
    return f"{i18n.date_text(moment)} {moment:%H:%M}"
