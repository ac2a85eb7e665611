"""A table model over customer ids, loading rows a page at a time.

Holding only ids keeps 100,000 customers cheap (see DESIGN.md figures); a
search or a sort asks the core for new ids and resets the model. Per keystroke
only the first page of ids is asked for (a few ms on 100,000 customers, see
benchmarks/bench_search.py); the rest of a long list follows from the event
loop a moment later, or at once when something needs the whole list (a row
beyond the first page, every id for an export).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt, QTimer,
)
from PySide6.QtGui import QColor

from shopcrm.core import customers, listing, phones
from shopcrm.ui import i18n
from shopcrm.ui.badges import BADGES
from shopcrm.ui.labels import label

PAGE = 200
CACHE_LIMIT = 5_000


class CustomerTableModel(QAbstractTableModel):
    COLUMNS = ("code", "name", "phone", "province", "segment", "created", "value", "email",
               "gender", "kind", "source", "area", "income", "age", "referrals", "complaint")
    # Shown until the user picks columns (header menu); the choice is remembered.
    DEFAULT_COLUMNS = ("code", "name", "phone", "province", "segment", "created")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ids: list[int] = []
        self._rows: dict[int, listing.Row] = {}
        self._complete = True  # False while only the first page of ids is held
        self._generation = 0  # which refresh() a pending completion belongs to
        self.search = ""
        self.filter: dict = {}  # a core.filters dict: the sidebar's list, or the user's own
        self.sort_column = "name"
        self.descending = False

    # -- what the list shows ---------------------------------------------
    def refresh(self) -> None:
        """Ask the database again (after a search, a sort or a change): the first page
        now, the rest of the ids from the event loop (or at once, see load_all)."""
        self.beginResetModel()
        self._ids = listing.find_ids(self.search, self.sort_column, self.descending, limit=PAGE,
                                     filter=self.filter)
        self._complete = len(self._ids) < PAGE
        self._rows.clear()
        self.endResetModel()
        self._generation += 1
        if not self._complete:
            generation = self._generation
            QTimer.singleShot(0, self, lambda: self._finish(generation))

    def _finish(self, generation: int) -> None:
        if generation == self._generation:
            self.load_all()

    def load_all(self) -> None:
        """Hold every matching id (a no-op once the list is complete)."""
        if self._complete:
            return
        self._complete = True
        ids = listing.find_ids(self.search, self.sort_column, self.descending,
                               filter=self.filter)
        if ids[:len(self._ids)] != self._ids:  # the shop changed meanwhile: start over
            self.beginResetModel()
            self._ids = ids
            self._rows.clear()
            self.endResetModel()
        elif len(ids) > len(self._ids):
            self.beginInsertRows(QModelIndex(), len(self._ids), len(ids) - 1)
            self._ids = ids
            self.endInsertRows()

    def is_complete(self) -> bool:
        return self._complete

    def set_search(self, text: str) -> None:
        self.search = text
        self.refresh()

    def refresh_rows(self) -> None:
        """Read the shown rows again (their values changed; the ids and order did not)."""
        self._rows.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._ids) - 1, len(self.COLUMNS) - 1))

    def forget(self, customer_id: int) -> None:
        """Drop a cached row so the next paint reads the saved values."""
        self._rows.pop(customer_id, None)
        if customer_id in self._ids:
            row = self._ids.index(customer_id)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def all_ids(self) -> list[int]:
        """Every listed id, in list order (for exporting what the user sees)."""
        self.load_all()
        return list(self._ids)

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, customer_id: int) -> int:
        if customer_id not in self._ids:
            self.load_all()
        try:
            return self._ids.index(customer_id)
        except ValueError:
            return -1

    # -- Qt model interface ----------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and not self._complete

    def fetchMore(self, parent=QModelIndex()) -> None:
        if not parent.isValid():
            self.load_all()

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.titles()[section]
        return None

    def titles(self) -> tuple[str, ...]:
        return (self.tr("Code"), self.tr("Name"), self.tr("Phone"), self.tr("Province"),
                self.tr("Segment"), self.tr("Since"), self.tr("Value"), self.tr("Email"),
                self.tr("Gender"), self.tr("Kind"), self.tr("Source"), self.tr("Area"),
                self.tr("Income"), self.tr("Age group"), self.tr("Referrals"),
                self.tr("Complaint"))

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.UserRole:
            return self._ids[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            row = self._row(index.row())
            return self._cell(row, column) if row else None
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole) \
                and column in ("segment", "value"):
            return self._badge(index.row(), column, role)
        if role == Qt.ItemDataRole.ForegroundRole and column == "complaint":
            return QColor("#b3261e")
        return None

    def _badge(self, row_number: int, column: str, role) -> QColor | None:
        row = self._row(row_number)
        if row is None:
            return None
        colours = BADGES.get((column, row.segment if column == "segment" else row.value_tier))
        if colours is None:
            return None
        return QColor(colours[0] if role == Qt.ItemDataRole.BackgroundRole else colours[1])

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        sort_column, descending = self.COLUMNS[column], order == Qt.SortOrder.DescendingOrder
        if (sort_column, descending) != (self.sort_column, self.descending):
            self.sort_column, self.descending = sort_column, descending
            self.refresh()

    # -- loading -----------------------------------------------------------
    def _row(self, row: int) -> listing.Row | None:
        customer_id = self._ids[row]
        if customer_id not in self._rows:
            if len(self._rows) > CACHE_LIMIT:
                self._rows.clear()
            start = row - row % PAGE
            self._rows.update(listing.fetch_rows(self._ids[start:start + PAGE]))
        return self._rows.get(customer_id)

    @staticmethod
    def _cell(row: listing.Row, column: str) -> str:
        if column == "code":
            return row.code
        if column == "name":
            return row.name
        if column == "phone":
            return phones.format_phone(row.phone)
        if column == "province":
            return row.province or ""
        if column == "segment":
            return label("funnel_segment", row.segment)
        if column == "created":
            return i18n.date_text(row.created_at)
        if column == "value":
            return label("value_tier", row.value_tier)
        if column == "email":
            return row.email or ""
        if column == "age":
            return label("age_group", customers.age_group(row.birthday))
        if column == "referrals":
            return i18n.number(row.referrals) if row.referrals else ""
        if column == "complaint":
            return QCoreApplication.translate("CustomerTableModel", "open") \
                if row.open_complaint else ""
        return label(column, getattr(row, column))  # gender, kind, source, area, income
