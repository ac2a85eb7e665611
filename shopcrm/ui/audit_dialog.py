"""Tools > Audit log: who deleted, erased, imported, restored or exported what, and when."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout

from shopcrm.db.models import AuditLog
from shopcrm.ui.rows_model import RowsModel, rows_view

SHOWN = 2_000


class AuditModel(RowsModel):
    """The newest entries of the audit log (a bounded list: loaded whole)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.set_rows(AuditLog.select(AuditLog.at, AuditLog.user, AuditLog.action,
                                      AuditLog.details)
                      .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(SHOWN).tuples())

    def titles(self) -> tuple[str, ...]:
        return (self.tr("When"), self.tr("Who"), self.tr("What"), self.tr("Details"))

    def cell(self, row, column: int) -> str:
        at, user, action, details = row
        if column == 0:  # stored in UTC, shown in the computer's time
            when = QDateTime(at.date(), at.time(), QTimeZone.utc()).toLocalTime()
            return when.toString("dd/MM/yyyy HH:mm")
        return (None, user or "", action, details or "")[column]


class AuditDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Audit log"))
        self.resize(760, 480)
        self.view = rows_view(AuditModel(self))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(buttons)
