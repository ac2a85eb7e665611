"""Tools > Audit log: who deleted, erased, imported, restored or exported what, and when."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QDateTime, QModelIndex, Qt, QTimeZone
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QTableView, QVBoxLayout

from shopcrm.db.models import AuditLog

SHOWN = 2_000


class AuditModel(QAbstractTableModel):
    """The newest entries of the audit log (a bounded list: loaded whole)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows = list(AuditLog.select(AuditLog.at, AuditLog.user, AuditLog.action,
                                         AuditLog.details)
                         .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(SHOWN).tuples())

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else 4

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (self.tr("When"), self.tr("Who"), self.tr("What"), self.tr("Details"))[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        at, user, action, details = self.rows[index.row()]
        if index.column() == 0:  # stored in UTC, shown in the computer's time
            when = QDateTime(at.date(), at.time(), QTimeZone.utc()).toLocalTime()
            return when.toString("dd/MM/yyyy HH:mm")
        return (None, user or "", action, details or "")[index.column()]


class AuditDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Audit log"))
        self.resize(760, 480)
        self.view = QTableView()
        self.view.setModel(AuditModel(self))
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(buttons)
