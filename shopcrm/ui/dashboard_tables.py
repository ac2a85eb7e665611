"""The dashboard's two short tables: the top customers and the top referrers."""

from __future__ import annotations

from PySide6.QtCore import Qt

from shopcrm.ui import i18n
from shopcrm.ui.rows_model import RowsModel, rows_view

__all__ = ["TopCustomersModel", "TopReferrersModel", "rows_view"]

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class _TopModel(RowsModel):
    def cells(self) -> list[list[str]]:
        """Every row as the texts shown (for the printed page)."""
        return [[self.cell(row, column) for column in range(len(self.titles()))]
                for row in self.rows]

    def extra(self, row, column: int, role):
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return RIGHT
        return None


class TopCustomersModel(_TopModel):
    """reports.TopCustomer rows: code, name, spent in the period, purchases in it."""

    def titles(self) -> tuple[str, ...]:
        return (self.tr("Code"), self.tr("Name"), self.tr("Spent"), self.tr("Purchases"))

    def cell(self, row, column: int) -> str:
        return (row.code, row.name, i18n.money(row.spent), i18n.number(row.purchases))[column]


class TopReferrersModel(_TopModel):
    """reports.TopReferrer rows: code, name, customers referred (all time, in the period)."""

    def titles(self) -> tuple[str, ...]:
        return (self.tr("Code"), self.tr("Name"), self.tr("Customers referred"),
                self.tr("In the period"))

    def cell(self, row, column: int) -> str:
        return (row.code, row.name, i18n.number(row.referred),
                i18n.number(row.referred_in_period))[column]
