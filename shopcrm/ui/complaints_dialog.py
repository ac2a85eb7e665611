"""Customer > Open complaints: the shop's unresolved complaint tickets, oldest first."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from shopcrm.core import feedback
from shopcrm.core.errors import KnownError
from shopcrm.ui import i18n
from shopcrm.ui.customer_records import ask_handler, ask_resolution, local_time_text
from shopcrm.ui.labels import label
from shopcrm.ui.rows_model import RowsModel, rows_view

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class ComplaintsModel(RowsModel):
    """feedback.ComplaintRow rows (a shop has tens of open tickets: loaded whole)."""

    def titles(self):
        return (self.tr("Age (days)"), self.tr("Opened"), self.tr("Code"), self.tr("Customer"),
                self.tr("Status"), self.tr("Handled by"), self.tr("Complaint"))

    def cell(self, row: feedback.ComplaintRow, column: int) -> str:
        return (i18n.number(row.age_days), local_time_text(row.opened_at), row.customer_code,
                row.customer_name, label("complaint_status", row.status), row.handler or "",
                (row.comment or "").replace("\n", " "))[column]

    def extra(self, row, column, role):
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column == 6:
            return row.comment
        return None


class ComplaintsDialog(QDialog):
    """`open_customer(id)` asks the window to show a ticket's customer (the dialog closes);
    `changed(customer_id)` follows a ticket taken in hand or resolved here."""

    open_customer = Signal(int)
    changed = Signal(int)

    def __init__(self, parent=None, editable: bool = True, now: dt.datetime | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Open complaints"))
        self.resize(820, 440)
        self.editable = editable
        self.now = now  # None: the present (tests fix it to count ages)
        self.model = ComplaintsModel(self)
        self.view = rows_view(self.model, single=True)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.view.doubleClicked.connect(lambda *_: self.open_selected())
        self.note = QLabel()
        self.start_button = QPushButton(self.tr("&Take in hand…"))
        self.start_button.clicked.connect(self.start)
        self.resolve_button = QPushButton(self.tr("&Resolve…"))
        self.resolve_button.clicked.connect(self.resolve)
        self.open_button = QPushButton(self.tr("&Open customer"))
        self.open_button.clicked.connect(self.open_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.start_button, self.resolve_button, self.open_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.view)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        selected = self.selected()
        self.model.set_rows(feedback.open_complaints(self.now))
        for number, row in enumerate(self.model.rows):
            if selected is not None and row.id == selected.id:
                self.view.selectRow(number)
        count = len(self.model.rows)
        self.note.setText(self.tr("No open complaints.") if not count else self.tr(
            "{count} complaint(s) waiting, the oldest first.").format(count=i18n.number(count)))
        self._enable()

    def selected(self) -> feedback.ComplaintRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _enable(self) -> None:
        row = self.selected()
        self.open_button.setEnabled(row is not None)
        self.resolve_button.setEnabled(self.editable and row is not None)
        self.start_button.setEnabled(self.editable and row is not None and row.status == "open")

    def start(self) -> bool:
        row = self.selected()
        handler = self.ask_handler(row.handler) if row is not None else None
        return handler is not None and self._write(row, lambda: feedback.start(row.id, handler))

    def resolve(self) -> bool:
        row = self.selected()
        text = self.ask_resolution() if row is not None else None
        return text is not None and self._write(row, lambda: feedback.resolve(row.id, text))

    def _write(self, row: feedback.ComplaintRow, action) -> bool:
        try:
            action()
        except KnownError as exc:  # e.g. resolved meanwhile at another counter
            self.show_error(i18n.error_text(exc))
            self.reload()
            return False
        self.reload()
        self.changed.emit(row.customer_id)
        return True

    def open_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.open_customer.emit(row.customer_id)
            self.accept()

    # Questions, as methods so tests can answer them.
    def ask_handler(self, current: str | None) -> str | None:
        return ask_handler(self, current)

    def ask_resolution(self) -> str | None:
        return ask_resolution(self)

    def show_error(self, text: str) -> None:
        QMessageBox.warning(self, self.tr("Open complaints"), text)
