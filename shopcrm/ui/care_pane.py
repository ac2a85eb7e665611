"""The care-schedule pane: the shop's overdue and due-today tasks, and the customer's own."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QInputDialog, QLabel, QPushButton, QTableView,
    QVBoxLayout, QWidget,
)

from shopcrm.core import care
from shopcrm.ui import i18n
from shopcrm.ui.labels import label
from shopcrm.ui.rows_model import RowsModel, rows_view

OVERDUE_COLOUR = QColor("#b3261e")


class TaskTableModel(RowsModel):
    """A short list of care tasks (hundreds, not 100,000: loaded whole)."""

    def __init__(self, show_customer: bool, parent=None):
        super().__init__(parent)
        self.show_customer = show_customer
        self.today = dt.date.today()

    @property
    def tasks(self) -> list[care.TaskRow]:
        return self.rows

    def set_tasks(self, tasks: list[care.TaskRow], today: dt.date) -> None:
        self.today = today
        self.set_rows(tasks)

    def columns(self) -> list[str]:
        return ["due", "customer", "task"] if self.show_customer else ["due", "task", "status"]

    def titles(self) -> tuple[str, ...]:
        names = {"due": self.tr("Due"), "customer": self.tr("Customer"),
                 "task": self.tr("Task"), "status": self.tr("Status")}
        return tuple(names[column] for column in self.columns())

    def cell(self, task: care.TaskRow, column: int) -> str:
        name = self.columns()[column]
        if name == "due":
            return i18n.date_text(task.due_date)
        if name == "customer":
            return task.customer_name
        if name == "status":
            return label("status", task.status)
        return task.title or label("task_type", task.task_type)

    def extra(self, task: care.TaskRow, column: int, role: Qt.ItemDataRole):
        overdue = task.status == "planned" and task.due_date < self.today
        if role == Qt.ItemDataRole.ForegroundRole and overdue and self.columns()[column] == "due":
            return QBrush(OVERDUE_COLOUR)
        if role == Qt.ItemDataRole.ToolTipRole:
            return task.title or label("task_type", task.task_type)
        return None


class CarePane(QWidget):
    """`open_customer(id)` asks the window to show a task's customer."""

    open_customer = Signal(int)
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.customer_id: int | None = None
        self.shop_title = QLabel()
        self.shop_title.setStyleSheet("font-weight: 600;")
        self.shop_title.setWordWrap(True)
        self.shop_model = TaskTableModel(show_customer=True, parent=self)
        self.shop_view = self._view(self.shop_model)
        self.shop_view.doubleClicked.connect(self._open_from_shop_list)
        self.customer_title = QLabel()
        self.customer_title.setStyleSheet("font-weight: 600;")
        self.customer_model = TaskTableModel(show_customer=False, parent=self)
        self.customer_view = self._view(self.customer_model)
        self._active = (self.shop_view, self.shop_model)

        self.done_button = QPushButton(self.tr("&Done…"))
        self.done_button.setToolTip(self.tr("Mark the selected task done and note the outcome"))
        self.done_button.clicked.connect(lambda: self._finish("done"))
        self.skip_button = QPushButton(self.tr("S&kip"))
        self.skip_button.clicked.connect(lambda: self._finish("skipped"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.done_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.shop_title)
        layout.addWidget(self.shop_view, 3)
        layout.addWidget(self.customer_title)
        layout.addWidget(self.customer_view, 2)
        layout.addLayout(buttons)
        self._enable_buttons()

    def _view(self, model: TaskTableModel) -> QTableView:
        view = rows_view(model, single=True)
        # Only the date fits its contents: long titles and names are cut, not the pane.
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        view.setColumnWidth(1, 110)  # the last column takes the rest
        view.selectionModel().selectionChanged.connect(lambda *_: self._activate(view, model))
        return view

    def refresh(self, today: dt.date | None = None) -> None:
        """Read the tasks again, keeping the selected task selected."""
        today = today or dt.date.today()
        selected = self.selected_task()
        due = care.due_by(today)
        overdue, due_today = care.counts(today)
        if overdue or due_today:
            self.shop_title.setText(self.tr("Care schedule: {overdue} overdue, {today} due today")
                                    .format(overdue=overdue, today=due_today))
        else:
            self.shop_title.setText(self.tr("Care schedule: nothing overdue or due today."))
        self.shop_model.set_tasks(due, today)
        self._refresh_customer(today)
        if selected is not None:
            self._reselect(selected.id)
        self._enable_buttons()

    def _reselect(self, task_id: int) -> None:
        view, model = self._active
        for row, task in enumerate(model.tasks):
            if task.id == task_id:
                view.selectRow(row)
                return

    def show_customer(self, customer_id: int | None, name: str = "") -> None:
        self.customer_id = customer_id
        self._customer_name = name
        self._refresh_customer(dt.date.today())

    def _refresh_customer(self, today: dt.date) -> None:
        if self.customer_id is None:
            self.customer_title.setText(self.tr("Select a customer to see their care tasks."))
            self.customer_model.set_tasks([], today)
            return
        self.customer_title.setText(self.tr("Tasks for {name}").format(name=self._customer_name))
        self.customer_model.set_tasks(care.tasks_of(self.customer_id), today)

    def _activate(self, view: QTableView, model: TaskTableModel) -> None:
        """Done and Skip act on the list the user selected in last."""
        self._active = (view, model)
        self._enable_buttons()

    def _enable_buttons(self) -> None:
        task = self.selected_task()
        for button in (self.done_button, self.skip_button):
            button.setEnabled(task is not None and task.status == "planned")

    def selected_task(self) -> care.TaskRow | None:
        view, model = self._active
        rows = view.selectionModel().selectedRows()
        return model.tasks[rows[0].row()] if rows else None

    def _finish(self, status: str) -> None:
        task = self.selected_task()
        if task is None or task.status != "planned":
            return
        outcome = self.ask_outcome(task)
        if outcome is None:
            return
        care.finish(task.id, status, outcome)
        self.refresh()
        self.changed.emit()

    def ask_outcome(self, task: care.TaskRow) -> str | None:
        """The outcome text, or None when cancelled (a method so tests can answer it)."""
        text, ok = QInputDialog.getText(
            self, self.tr("Outcome"),
            self.tr("What happened? ({task}, {name})").format(
                task=task.title or label("task_type", task.task_type), name=task.customer_name))
        return text if ok else None

    def _open_from_shop_list(self, index: QModelIndex) -> None:
        self.open_customer.emit(self.shop_model.tasks[index.row()].customer_id)
