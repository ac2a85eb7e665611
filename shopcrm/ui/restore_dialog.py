"""File > Restore from backup: the backups in the folder, newest first, and restoring one.

The table lists every .db file of the backups folder with its date (local time, from
its name when ShopCRM named it), size and number of customers (db.backup.describe;
"?" for a file that is not a ShopCRM backup). Restoring is the window's job
(`restore(path) -> bool`, given by the caller): it closes and reopens the database
and reloads everything. The folder can be opened in the file manager or changed (a
per-computer setting, ui.backup_settings).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, NamedTuple

from PySide6.QtCore import QLocale, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout,
)

from shopcrm.db import backup, backup_policy
from shopcrm.ui import backup_settings, i18n
from shopcrm.ui.backup_keeper import describe_time
from shopcrm.ui.rows_model import RowsModel, rows_view


class BackupRow(NamedTuple):
    path: Path
    taken_at: dt.datetime  # local time
    size: int
    customers: int | None  # None: not a ShopCRM backup


def list_backups(folder: Path) -> list[BackupRow]:
    """Every .db file in `folder`, newest first (a bounded list: a few dozen files)."""
    rows = []
    for path in sorted(folder.glob("*.db")) if folder.is_dir() else []:
        try:
            stat = path.stat()
        except OSError:
            continue
        taken_at = backup_policy.taken_at_from_name(path.name) or \
            dt.datetime.fromtimestamp(stat.st_mtime)
        try:
            customers = backup.describe(path).customers
        except (backup.BackupError, OSError):
            customers = None
        rows.append(BackupRow(path, taken_at, stat.st_size, customers))
    return sorted(rows, key=lambda row: row.taken_at, reverse=True)


class BackupsModel(RowsModel):
    def load(self, folder: Path) -> None:
        self.set_rows(list_backups(folder))

    def titles(self) -> tuple[str, ...]:
        return (self.tr("Date"), self.tr("Size"), self.tr("Customers"), self.tr("File"))

    def cell(self, row: BackupRow, column: int) -> str:
        return (describe_time(row.taken_at), size_text(row.size),
                "?" if row.customers is None else i18n.number(row.customers),
                row.path.name)[column]

    def extra(self, row: BackupRow, column: int, role: Qt.ItemDataRole):
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(row.path)
        return None


def size_text(size: int) -> str:
    """"12,3 MB" in the user's language."""
    return QLocale().formattedDataSize(size, 1, QLocale.DataSizeFormat.DataSizeSIFormat)


class RestoreDialog(QDialog):
    def __init__(self, restore: Callable[[Path], bool], parent=None):
        super().__init__(parent)
        self.restore = restore
        self.setWindowTitle(self.tr("Restore from backup"))
        self.resize(720, 440)
        self.folder_label = QLabel()
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        explain = QLabel(self.tr(
            "ShopCRM backs up by itself before imports, upgrades and emptying the trash, every "
            "half hour while you work, and when you close it. Restoring replaces all the "
            "data with the backup's; the data as it is now is backed up first, so a restore "
            "can be undone."))
        explain.setWordWrap(True)
        self.model = BackupsModel(self)
        self.view = rows_view(self.model, single=True)
        self.view.doubleClicked.connect(lambda _index: self.restore_selected())
        self.restore_button = QPushButton(self.tr("&Restore…"))
        self.restore_button.clicked.connect(self.restore_selected)
        open_button = QPushButton(self.tr("&Open folder…"))
        open_button.clicked.connect(self.open_folder)
        choose_button = QPushButton(self.tr("&Choose folder…"))
        choose_button.clicked.connect(self.choose_folder)
        row = QHBoxLayout()
        for button in (self.restore_button, open_button, choose_button):
            row.addWidget(button)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.folder_label)
        layout.addWidget(explain)
        layout.addWidget(self.view)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.view.selectionModel().selectionChanged.connect(self._enable)
        self.reload()

    def reload(self) -> None:
        folder = backup_settings.folder()
        self.model.load(folder)
        newest = self.model.rows[0].taken_at if self.model.rows else None
        last = describe_time(newest) if newest else self.tr("none yet")
        self.folder_label.setText(self.tr("Backups folder: {folder}\nLast backup: {when}").format(
            folder=folder, when=last))
        if self.model.rows:
            self.view.selectRow(0)
        self._enable()

    def _enable(self) -> None:
        self.restore_button.setEnabled(self.selected_path() is not None)

    def selected_path(self) -> Path | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()].path if rows else None

    def restore_selected(self) -> bool:
        path = self.selected_path()
        if path is None:
            return False
        row = next(row for row in self.model.rows if row.path == path)
        if not self.confirm(self.tr(
                "Replace all the data with the backup of {when}? Whatever was changed since "
                "then is replaced too; it is backed up first, so you can restore it again.")
                .format(when=describe_time(row.taken_at))):
            return False
        if not self.restore(path):
            self.reload()  # a refused file stays listed; the folder may have changed
            return False
        self.accept()
        return True

    def confirm(self, text: str) -> bool:
        """Ask yes/no (a method so tests can answer it)."""
        answer = QMessageBox.question(self, self.tr("Restore from backup"), text)
        return answer == QMessageBox.StandardButton.Yes

    def choose_folder(self) -> None:
        chosen = self.ask_folder(backup_settings.folder())
        if chosen:
            backup_settings.set_folder(Path(chosen))
            self.reload()

    def ask_folder(self, current: Path) -> str:
        """The folder picked by the user, or "" (a method so tests can answer it)."""
        return QFileDialog.getExistingDirectory(self, self.tr("Choose the backups folder"),
                                                str(current))

    def open_folder(self) -> None:
        folder = backup_settings.folder()
        folder.mkdir(parents=True, exist_ok=True)
        self.open_url(QUrl.fromLocalFile(str(folder)))

    def open_url(self, url: QUrl) -> bool:
        """Show the folder in the file manager (a method so tests can watch it)."""
        return QDesktopServices.openUrl(url)
