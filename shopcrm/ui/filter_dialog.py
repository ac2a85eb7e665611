"""Choose what the customer list keeps: ticks per axis, combined (core.filters)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QGridLayout, QGroupBox, QHBoxLayout, QListWidget,
    QListWidgetItem, QVBoxLayout,
)

from shopcrm.core import filters
from shopcrm.ui.labels import field_label, label

# The stored choice family of each axis, for its display names (ui.labels).
_LABEL_FIELD = {"segment": "funnel_segment"}


def axis_title(axis: str) -> str:
    if axis == "segment":
        return QCoreApplication.translate("FilterDialog", "Segment")
    if axis == "value_tier":
        return QCoreApplication.translate("FilterDialog", "Value")
    if axis == "age_group":
        return QCoreApplication.translate("FilterDialog", "Age group")
    return field_label("tags" if axis == "tag" else axis)


def value_text(axis: str, value: str) -> str:
    if axis in filters.CHOICES:
        return label(_LABEL_FIELD.get(axis, axis), value)
    return value  # provinces and tags are the shop's own words


def filter_text(spec: dict[str, Any]) -> str:
    """One line saying what a filter keeps: "Segment: Loyal, New · Open complaint"."""
    parts = [f"{axis_title(axis)}: " + ", ".join(value_text(axis, v) for v in spec[axis])
             for axis in filters.LIST_AXES if spec.get(axis)]
    if spec.get("open_complaint"):
        parts.append(QCoreApplication.translate("FilterDialog", "Open complaint"))
    if spec.get("birthday_this_month"):
        parts.append(QCoreApplication.translate("FilterDialog", "Birthday this month"))
    return " · ".join(parts)


class FilterDialog(QDialog):
    """Ticks on each axis: ticks of one axis are alternatives, axes combine."""

    def __init__(self, spec: dict[str, Any] | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Filter customers"))
        spec = spec or {}
        self.flags = {
            "open_complaint": QCheckBox(self.tr("Has an open complaint")),
            "birthday_this_month": QCheckBox(self.tr("Birthday this month")),
        }
        flag_row = QHBoxLayout()
        for flag, box in self.flags.items():
            box.setChecked(bool(spec.get(flag)))
            flag_row.addWidget(box)
        flag_row.addStretch(1)

        self.lists: dict[str, QListWidget] = {}
        grid = QGridLayout()
        choices = {axis: filters.CHOICES.get(axis) for axis in filters.LIST_AXES}
        choices["province"] = tuple(filters.provinces())
        choices["tag"] = tuple(filters.tags())
        for position, axis in enumerate(filters.LIST_AXES):
            box = QGroupBox(axis_title(axis))
            values = list(choices[axis])
            # A stored value no customer has any more stays visible, so it can be unticked.
            values += [v for v in spec.get(axis, ()) if v not in values]
            self.lists[axis] = self._ticks(axis, values, set(spec.get(axis, ())))
            QVBoxLayout(box).addWidget(self.lists[axis])
            grid.addWidget(box, position // 5, position % 5)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.Reset)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Apply"))
        buttons.button(QDialogButtonBox.StandardButton.Reset).setText(self.tr("Clear all"))
        buttons.button(QDialogButtonBox.StandardButton.Reset).clicked.connect(self.clear)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(flag_row)
        layout.addLayout(grid, 1)
        layout.addWidget(buttons)
        self.resize(980, 560)

    def _ticks(self, axis: str, values: list[str], ticked: set[str]) -> QListWidget:
        widget = QListWidget()
        for value in values:
            item = QListWidgetItem(value_text(axis, value))
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if value in ticked
                               else Qt.CheckState.Unchecked)
            widget.addItem(item)
        if not values:
            empty = QListWidgetItem(self.tr("(none yet)"))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            widget.addItem(empty)
        return widget

    def set_ticked(self, axis: str, values: set[str]) -> None:
        widget = self.lists[axis]
        for row in range(widget.count()):
            item = widget.item(row)
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                item.setCheckState(Qt.CheckState.Checked
                                   if item.data(Qt.ItemDataRole.UserRole) in values
                                   else Qt.CheckState.Unchecked)

    def clear(self) -> None:
        for axis in self.lists:
            self.set_ticked(axis, set())
        for box in self.flags.values():
            box.setChecked(False)

    def spec(self) -> dict[str, Any]:
        """The chosen filter (cleaned: only what is ticked)."""
        chosen: dict[str, Any] = {flag: True for flag, box in self.flags.items()
                                  if box.isChecked()}
        for axis, widget in self.lists.items():
            chosen[axis] = [widget.item(row).data(Qt.ItemDataRole.UserRole)
                            for row in range(widget.count())
                            if widget.item(row).checkState() == Qt.CheckState.Checked]
        return filters.clean(chosen)
