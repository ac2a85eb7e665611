"""A short list shown as a table (tens to a few thousand rows, loaded whole).

Subclasses name their columns (`titles`) and say what each cell shows (`cell`);
the Qt model plumbing is written once here. Lists that can grow to 100,000
rows use a paged model instead (ui.customer_model).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


class RowsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def titles(self) -> tuple[str, ...]:
        raise NotImplementedError

    def cell(self, row, column: int) -> str:
        """The text of `column` for `row` (an item of self.rows)."""
        raise NotImplementedError

    def extra(self, row, column: int, role: Qt.ItemDataRole) -> Any:
        """Other roles (tooltips, alignment): none unless a subclass says so."""
        return None

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.titles())

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.titles()[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(row, index.column())
        return self.extra(row, index.column(), role)


def rows_view(model: RowsModel, single: bool = False) -> QTableView:
    """The table every short list is shown in: whole rows selected, no row numbers,
    columns as wide as their contents and the last one filling the rest."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    return view
