"""The customer list pane: a search box and a filter over a sortable table of customers."""

from __future__ import annotations

import html

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu,
    QStackedWidget, QTableView, QToolButton, QVBoxLayout, QWidget,
)

from shopcrm.ui.customer_model import CustomerTableModel
from shopcrm.ui.filter_dialog import FilterDialog, filter_text

# Typing pauses this long before the list is searched again.
SEARCH_DELAY_MS = 150


class CustomerList(QWidget):
    """Emits `current_changed(id or None)` when the selected customer changes, and
    `reloaded` after each new query (a search, a refresh)."""

    current_changed = Signal(object)
    reloaded = Signal()
    # The user set a filter of their own (Filter…, Clear): no sidebar list is shown now.
    filter_edited = Signal()
    # "Save as smart list…" for the filter shown.
    save_filter_requested = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.can_save = True  # smart lists can be saved (not in a read-only window)
        self.model = CustomerTableModel(self)
        # The rest of a long list arrives after its first page: the counts follow it.
        self.model.rowsInserted.connect(lambda *_: self.reloaded.emit())
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            self.tr("Search by name (no tones needed), phone, email, code or note…"))
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self._timer.start)
        self.filter_button = QToolButton()
        self.filter_button.setText(self.tr("Filter…"))
        self.filter_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.filter_button.clicked.connect(self.edit_filter)
        self._build_filter_bar()

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Indicator first: enabling sorting then sorts by it, which the model already is.
        self.view.horizontalHeader().setSortIndicator(self.model.COLUMNS.index("name"),
                                                      Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in zip(range(5), (80, 200, 110, 120, 90)):
            self.view.setColumnWidth(column, width)
        for column, name in enumerate(self.model.COLUMNS):
            header.setSectionHidden(column, name not in self.model.DEFAULT_COLUMNS)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(
            lambda pos: self.column_menu().exec(header.mapToGlobal(pos)))
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)

        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.filter_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(search_row)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.stack, 1)

    def _build_filter_bar(self) -> None:
        """What the list is filtered by, with Save as smart list and Clear (hidden unfiltered)."""
        self.filter_label = QLabel()
        self.filter_label.setWordWrap(True)
        self.save_filter_button = QToolButton()
        self.save_filter_button.setText(self.tr("Save as smart list…"))
        self.save_filter_button.clicked.connect(
            lambda: self.save_filter_requested.emit(dict(self.model.filter)))
        self.clear_filter_button = QToolButton()
        self.clear_filter_button.setText(self.tr("Clear filter"))
        self.clear_filter_button.clicked.connect(self._clear_filter)
        self.filter_bar = QFrame()
        self.filter_bar.setStyleSheet("QFrame { background: #e8f0fe; border-radius: 4px; }")
        row = QHBoxLayout(self.filter_bar)
        row.setContentsMargins(6, 3, 6, 3)
        row.addWidget(self.filter_label, 1)
        row.addWidget(self.save_filter_button)
        row.addWidget(self.clear_filter_button)
        self.filter_bar.hide()
        self.filter_title: str | None = None

    def set_filter(self, spec: dict, title: str | None = None) -> None:
        """Show the customers `spec` keeps (a sidebar list when it has a `title`)."""
        self.model.filter = dict(spec)
        self.filter_title = title if spec else None
        description = filter_text(spec)
        self.filter_label.setText(f"<b>{html.escape(title)}</b>: {html.escape(description)}"
                                  if title else html.escape(description))
        self.filter_bar.setVisible(bool(spec))
        self.save_filter_button.setVisible(bool(spec) and title is None and self.can_save)
        self.reload()
        if self.current_id() is None and self.model.rowCount():
            self.select_row(0)  # a new list opens on its first customer

    def edit_filter(self) -> None:
        """Filter…: change the filter shown; it becomes the user's own (not a sidebar list)."""
        spec = self.ask_filter(self.model.filter)
        if spec is not None:
            self.set_filter(spec)
            self.filter_edited.emit()

    def ask_filter(self, spec: dict) -> dict | None:
        """The filter dialog (a method so tests can answer it)."""
        dialog = FilterDialog(spec, self)
        return dialog.spec() if dialog.exec() == FilterDialog.DialogCode.Accepted else None

    def _clear_filter(self) -> None:
        self.set_filter({})
        self.filter_edited.emit()

    def column_menu(self) -> QMenu:
        """Right-click on the header: a tick per column to show or hide it (the name stays)."""
        header = self.view.horizontalHeader()
        menu = QMenu(self)
        for column, title in enumerate(self.model.titles()):
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(self.model.COLUMNS[column] != "name")
            action.toggled.connect(lambda shown, column=column: header.setSectionHidden(
                column, not shown))
        return menu

    def apply_search(self) -> None:
        self._timer.stop()
        self.model.search = self.search.text()
        self.reload()

    def reload(self, keep: int | None = None) -> None:
        """Query again, keeping the current customer selected when it is still listed."""
        keep = keep if keep is not None else self.current_id()
        scrolled = self.view.verticalScrollBar().value()
        self.model.refresh()
        if scrolled:  # scrolled down: the whole list, so the position can be kept
            self.model.load_all()
        self.view.verticalScrollBar().setValue(scrolled)
        self._show_empty_state()
        self.reloaded.emit()
        row = self.model.row_of(keep) if keep is not None else -1
        if row >= 0:
            self.select_row(row, scroll=False)
        else:
            self.current_changed.emit(None)

    def _show_empty_state(self) -> None:
        if self.model.rowCount():
            self.stack.setCurrentWidget(self.view)
            return
        if self.model.search.strip():
            self.empty.setText(self.tr("No customer matches “{text}”.").format(text=self.model.search))
        elif self.model.filter:
            self.empty.setText(self.tr("No customer is in this list."))
        else:
            self.empty.setText(self.tr("No customers yet: add one with New customer (Ctrl+N) "
                                       "or import a spreadsheet (Ctrl+I)."))
        self.stack.setCurrentWidget(self.empty)

    def current_id(self) -> int | None:
        index = self.view.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.view.selectionModel().selectedRows()})
        return [self.model.id_at(row) for row in rows]

    def select_row(self, row: int, scroll: bool = True) -> None:
        index = self.model.index(row, 0)
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                 | QItemSelectionModel.SelectionFlag.Rows)
        self.view.selectionModel().setCurrentIndex(index, flags)
        if scroll:
            self.view.scrollTo(index)

    def select_id(self, customer_id: int) -> bool:
        row = self.model.row_of(customer_id)
        if row < 0 and (self.model.search or self.model.filter):  # hidden: show everyone
            self.search.clear()
            self._timer.stop()
            self.model.search = ""
            if self.model.filter:
                self._clear_filter()
            else:
                self.reload()
            row = self.model.row_of(customer_id)
        if row >= 0:
            self.select_row(row)
        return row >= 0

    def _row_changed(self, current, _previous) -> None:
        self.current_changed.emit(self.model.id_at(current.row()) if current.isValid() else None)
