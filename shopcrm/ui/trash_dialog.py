"""Customer > Trash: what was deleted, to restore it, or to empty the trash for good."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QLabel, QMessageBox, QPushButton,
    QVBoxLayout,
)

from shopcrm.core import customers, phones
from shopcrm.db.connection import is_sqlite
from shopcrm.db.models import Customer
from shopcrm.ui import backup_settings, i18n
from shopcrm.ui.rows_model import RowsModel, rows_view


class TrashModel(RowsModel):
    """The customers in the trash, most recently deleted first."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.reload()

    def reload(self) -> None:
        self.set_rows(Customer.select(Customer.id, Customer.code, Customer.name, Customer.phone,
                                      Customer.deleted_at)
                      .where(Customer.deleted_at.is_null(False))
                      .order_by(Customer.deleted_at.desc()).tuples())

    def titles(self) -> tuple[str, ...]:
        return (self.tr("Code"), self.tr("Name"), self.tr("Phone"), self.tr("Deleted on"))

    def cell(self, row, column: int) -> str:
        _id, code, name, phone, deleted_at = row
        return (code, name, phones.format_phone(phone), i18n.date_text(deleted_at))[column]


class TrashDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Trash"))
        self.resize(640, 420)
        self.model = TrashModel(self)
        self.view = rows_view(self.model)
        self.empty_note = QLabel()
        self.restore_button = QPushButton(self.tr("&Restore selected"))
        self.restore_button.clicked.connect(self.restore_selected)
        self.purge_button = QPushButton(self.tr("&Empty the trash…"))
        self.purge_button.clicked.connect(self.empty_trash)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.purge_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(self.empty_note)
        layout.addWidget(buttons)
        self._update()

    def _update(self) -> None:
        empty = not self.model.rows
        self.empty_note.setText(self.tr("The trash is empty.") if empty else self.tr(
            "Customers stay here until the trash is emptied."))
        self.purge_button.setEnabled(not empty)
        self.restore_button.setEnabled(not empty)

    def restore_selected(self) -> int:
        ids = [self.model.rows[index.row()][0] for index in self.view.selectionModel().selectedRows()]
        restored = customers.restore(ids) if ids else 0
        self.model.reload()
        self._update()
        return restored

    def empty_trash(self) -> int:
        """Delete the trashed customers for good, after a backup (SQLite) and a confirmation."""
        count = len(self.model.rows)
        backed_up = self.tr(" A backup is made first, so a restore can bring them back.") \
            if is_sqlite() else ""
        if not self.confirm(self.tr("Delete {count} customer(s) and all their purchases, notes "
                                    "and tasks for good?").format(count=count) + backed_up):
            return 0
        purged = customers.purge_trash(backup_folder=backup_settings.folder())
        self.model.reload()
        self._update()
        return purged

    def confirm(self, text: str) -> bool:
        """Ask yes/no (a method so tests can answer it)."""
        return QMessageBox.question(self, self.tr("Trash"), text) == QMessageBox.StandardButton.Yes
