"""File > Import history: the last imports, and undoing one of them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QLabel, QMessageBox, QPushButton, QVBoxLayout,
)

from shopcrm.core.errors import KnownError
from shopcrm.io import import_history
from shopcrm.ui import i18n
from shopcrm.ui.rows_model import RowsModel, rows_view


class ImportsModel(RowsModel):
    def titles(self):
        return (self.tr("When"), self.tr("File"), self.tr("Kind"), self.tr("Added"),
                self.tr("Updated"), self.tr("Skipped"), self.tr("Left out"), self.tr("State"))

    def cell(self, row: import_history.ImportSummary, column: int) -> str:
        if column == 0:
            return i18n.date_text(row.started_at)
        if column == 1:
            return row.file_name + (f" ({row.sheet})" if row.sheet else "")
        if column == 2:
            return {"purchases": self.tr("Purchases"), "interactions": self.tr("Contacts"),
                    "feedback": self.tr("Feedback"), "tasks": self.tr("Care tasks")
                    }.get(row.kind, self.tr("Customers"))
        if column in (3, 4, 5, 6):
            return i18n.number((row.created, row.updated, row.skipped, row.rejected)[column - 3])
        if row.undone:
            return self.tr("Undone on {date}").format(date=i18n.date_text(row.undone_at))
        return self.tr("Unfinished") if row.finished_at is None else ""

    def extra(self, row, column, role):
        if role == Qt.ItemDataRole.TextAlignmentRole and 3 <= column <= 6:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None


class ImportHistoryDialog(QDialog):
    """Emits `undone` after an import was undone (the window shows the data again)."""

    undone = Signal()

    def __init__(self, parent=None, editable: bool = True, backup_folder=None):
        super().__init__(parent)
        self.backup_folder = backup_folder  # the database is backed up there first
        self.setWindowTitle(self.tr("Import history"))
        self.resize(820, 420)
        intro = QLabel(self.tr(
            "Undoing an import removes the customers, purchases, contacts, feedback or care "
            "tasks it added and puts back the values it overwrote, in one step. A backup is "
            "taken first."))
        intro.setWordWrap(True)
        self.model = ImportsModel(self)
        self.view = rows_view(self.model, single=True)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.empty = QLabel(self.tr("No import yet."))
        self.undo_button = QPushButton(self.tr("&Undo this import…"))
        self.undo_button.clicked.connect(self.undo_selected)
        self.editable = editable
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.undo_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        self.model.set_rows(import_history.list_imports())
        self.empty.setVisible(not self.model.rows)
        if self.model.rows:
            self.view.selectRow(0)
        self._enable()

    def selected(self) -> import_history.ImportSummary | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _enable(self) -> None:
        row = self.selected()
        self.undo_button.setEnabled(self.editable and row is not None and not row.undone
                                    and row.finished_at is not None
                                    and row.kind in import_history.UNDOABLE_KINDS)

    def undo_selected(self) -> bool:
        row = self.selected()
        if row is None or not self.confirm(self.tr(
                "Undo the import of {file} ({date})? What it added is removed and what it "
                "changed is put back.").format(file=row.file_name,
                                               date=i18n.date_text(row.started_at))):
            return False
        try:
            result = import_history.undo_import(row.id, backup_folder=self.backup_folder)
        except KnownError as exc:
            self.inform(i18n.error_text(exc))
            return False
        self.reload()
        self.undone.emit()
        self.inform(self._undone_text(row.kind, result))
        return True

    def _undone_text(self, kind: str, result: import_history.UndoResult) -> str:
        records = {"interactions": self.tr("Import undone: {count} contacts removed."),
                   "feedback": self.tr("Import undone: {count} feedback entries removed."),
                   "tasks": self.tr("Import undone: {count} care tasks removed.")}
        if kind in records:
            return records[kind].format(count=result.records_removed)
        return self.tr("Import undone: {removed} customers and {purchases} purchases "
                       "removed, {restored} customers put back as they were.").format(
            removed=result.customers_removed, purchases=result.purchases_removed,
            restored=result.customers_restored)

    # Questions and messages: methods, so tests can answer them.
    def confirm(self, text: str) -> bool:
        return QMessageBox.question(self, self.tr("Import history"), text) == \
            QMessageBox.StandardButton.Yes

    def inform(self, text: str) -> None:
        QMessageBox.information(self, self.tr("Import history"), text)
