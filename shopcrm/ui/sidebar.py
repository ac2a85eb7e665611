"""The sidebar: ready-made lists (segments, birthdays, complaints) and the shop's saved
smart lists, each with its live count; choosing one filters the customer list."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHeaderView, QInputDialog, QMenu, QMessageBox, QPushButton, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget,
)

from shopcrm.core import filters
from shopcrm.core.errors import KnownError
from shopcrm.db.models import FUNNEL_CHOICES
from shopcrm.ui import i18n, jobs
from shopcrm.ui.filter_dialog import FilterDialog, filter_text
from shopcrm.ui.labels import label

SPEC, SAVED_NAME = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1


class Sidebar(QWidget):
    """Emits `chosen(filter, title)` when the user picks a list (an empty filter: everyone),
    and `counted` when fresh counts are shown."""

    chosen = Signal(object, str)
    counted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(10)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.new_button = QPushButton(self.tr("New smart list…"))
        self.new_button.clicked.connect(lambda: self.new_smart_list())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.new_button)
        self._editable = True
        self._generation = 0  # which count job's result is still wanted
        self.rebuild(count=False)  # the window counts after its first paint

    # -- the entries -------------------------------------------------------------
    def _ready_made(self) -> list[tuple[str, dict[str, Any]]]:
        lists = [(self.tr("Birthdays this month"), {"birthday_this_month": True}),
                 (self.tr("Open complaints"), {"open_complaint": True})]
        segments = [(label("funnel_segment", segment), {"segment": [segment]})
                    for segment in FUNNEL_CHOICES]
        return lists + segments + [(label("value_tier", "high"), {"value_tier": ["high"]})]

    def rebuild(self, select_saved: str | None = None, count: bool = True) -> None:
        """Build the tree again (after a smart list was saved, renamed or deleted)."""
        keep = select_saved or self._current_key()
        self._generation += 1  # counts on their way are for items about to go
        self.tree.blockSignals(True)
        self.tree.clear()
        self.all_item = self._entry(self.tree.invisibleRootItem(), self.tr("All customers"), {})
        ready = self._section(self.tr("Lists"))
        for title, spec in self._ready_made():
            self._entry(ready, title, spec)
        self.saved_section = self._section(self.tr("Smart lists"))
        for entry in filters.smart_lists():
            item = self._entry(self.saved_section, entry["name"], entry["filter"])
            item.setData(0, SAVED_NAME, entry["name"])
        if not filters.smart_lists():
            hint = QTreeWidgetItem(self.saved_section, [self.tr("(none yet: filter the list, "
                                                                "then save it)")])
            hint.setFlags(Qt.ItemFlag.NoItemFlags)
        self.tree.expandAll()
        if keep is None:
            self.tree.setCurrentItem(self.all_item)
        self.tree.blockSignals(False)
        if keep is not None:
            self._select_key(keep)
        if count:
            self.refresh_counts()

    def _section(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.tree, [title])
        font = QFont(item.font(0))
        font.setBold(True)
        item.setFont(0, font)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        return item

    @staticmethod
    def _entry(parent: QTreeWidgetItem, title: str, spec: dict[str, Any]) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [title, ""])
        item.setData(0, SPEC, spec)
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if spec:
            item.setToolTip(0, filter_text(spec))
        return item

    def entries(self) -> list[QTreeWidgetItem]:
        """Every choosable list, top to bottom."""
        found = []
        stack = [self.tree.invisibleRootItem()]
        while stack:
            parent = stack.pop(0)
            for row in range(parent.childCount()):
                child = parent.child(row)
                if child.data(0, SPEC) is not None:
                    found.append(child)
                stack.append(child)
        return found

    def entry_titled(self, title: str) -> QTreeWidgetItem | None:
        return next((item for item in self.entries() if item.text(0) == title), None)

    def _current_key(self) -> tuple | None:
        item = self.tree.currentItem()
        return None if item is None else (item.text(0), item.data(0, SAVED_NAME))

    def _select_key(self, key) -> None:
        if isinstance(key, str):  # a saved list's name
            key = (key, key)
        for item in self.entries():
            if key is not None and (item.text(0), item.data(0, SAVED_NAME)) == tuple(key):
                self.tree.setCurrentItem(item)
                return

    def clear_choice(self) -> None:
        """The user filtered the list by hand: no sidebar entry is the list any more."""
        self.tree.blockSignals(True)
        self.tree.setCurrentItem(None)
        self.tree.clearSelection()
        self.tree.blockSignals(False)

    def _current_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is not None and current.data(0, SPEC) is not None:
            self.chosen.emit(dict(current.data(0, SPEC)), current.text(0))

    # -- counts --------------------------------------------------------------------
    def refresh_counts(self) -> None:
        """Count every list in the background (a birthday month scans every customer:
        ~150 ms on 100,000); the numbers appear when ready."""
        items = self.entries()
        specs = [item.data(0, SPEC) for item in items]
        self._generation += 1
        generation = self._generation

        def work(_progress, _cancelled):
            return [filters.count(spec) for spec in specs]

        def show(counts):
            if not shiboken6.isValid(self.tree) or generation != self._generation:
                return  # the window was closed, or the tree rebuilt, meanwhile
            for item, count in zip(items, counts):
                item.setText(1, i18n.number(count))
            self.counted.emit()

        jobs.Job(self, "", work, quiet=True).success(show).failure(lambda exc: None).start()

    # -- saved smart lists -----------------------------------------------------------
    def set_editable(self, editable: bool) -> None:
        """A read-only window shows the lists but cannot save or change them."""
        self._editable = editable
        self.new_button.setEnabled(editable)

    def save_filter(self, spec: dict[str, Any]) -> None:
        """Save the list's current filter as a new smart list, asking its name."""
        name = self.ask_name(self.tr("Save as smart list"), filter_text(spec), "")
        if name is not None:
            self._store(name, spec)

    def new_smart_list(self) -> None:
        spec = self.ask_filter({})
        if spec:
            self.save_filter(spec)

    def edit_smart_list(self, item: QTreeWidgetItem) -> None:
        spec = self.ask_filter(item.data(0, SPEC))
        if spec is not None:
            self._store(item.data(0, SAVED_NAME), spec, replace=item.data(0, SAVED_NAME))

    def rename_smart_list(self, item: QTreeWidgetItem) -> None:
        old = item.data(0, SAVED_NAME)
        name = self.ask_name(self.tr("Rename smart list"), filter_text(item.data(0, SPEC)), old)
        if name is not None and name != old:
            self._store(name, item.data(0, SPEC), replace=old)

    def delete_smart_list(self, item: QTreeWidgetItem) -> None:
        name = item.data(0, SAVED_NAME)
        if self.confirm(self.tr("Delete the smart list “{name}”? No customer is deleted.")
                        .format(name=name)):
            filters.delete_smart_list(name)
            self.rebuild()

    def _store(self, name: str, spec: dict[str, Any], replace: str | None = None) -> None:
        try:
            filters.save_smart_list(name, spec, replace=replace)
        except KnownError as exc:
            self.warn(i18n.error_text(exc))
            return
        self.rebuild(select_saved=name.strip())

    def _context_menu(self, pos) -> None:
        item = self.tree.itemAt(pos)
        if item is None or item.data(0, SAVED_NAME) is None or not self._editable:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Edit filter…"), lambda: self.edit_smart_list(item))
        menu.addAction(self.tr("Rename…"), lambda: self.rename_smart_list(item))
        menu.addAction(self.tr("Delete"), lambda: self.delete_smart_list(item))
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    # -- questions (methods, so tests can answer them) -----------------------------------
    def ask_name(self, title: str, text: str, name: str) -> str | None:
        answer, ok = QInputDialog.getText(self, title, self.tr("Name of the list:") + "\n" + text,
                                          text=name)
        return answer if ok else None

    def ask_filter(self, spec: dict[str, Any]) -> dict[str, Any] | None:
        dialog = FilterDialog(spec, self)
        return dialog.spec() if dialog.exec() == QDialogCode.Accepted else None

    def confirm(self, text: str) -> bool:
        return QMessageBox.question(self, self.tr("ShopCRM"), text) == \
            QMessageBox.StandardButton.Yes

    def warn(self, text: str) -> None:
        QMessageBox.warning(self, self.tr("ShopCRM"), text)


QDialogCode = FilterDialog.DialogCode
