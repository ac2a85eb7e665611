"""The care-schedule pane: what the shop has to do (overdue, today, the next 7 days),
the selected customer's tasks, and the selected task's message ready to send.

Every action is one click or one shortcut while the pane has the focus (shown in the
tooltips): done Ctrl+D, skip Ctrl+K, snooze to tomorrow Ctrl+T, to next week
Ctrl+Shift+T, to a date Ctrl+Shift+D, reassign Ctrl+Shift+A, copy the message
Ctrl+Shift+C, open the customer Enter (or a double click). Questions (outcome, date,
who) go through methods tests replace: ask_outcome, ask_date, ask_assignee.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from PySide6.QtCore import QModelIndex, Qt, QUrl, QUrlQuery, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QInputDialog, QLabel, QMenu, QMessageBox, QPlainTextEdit,
    QTableView, QTabWidget, QToolButton, QVBoxLayout, QWidget,
)

from shopcrm.core import care, phones, templates
from shopcrm.core.errors import KnownError
from shopcrm.db.models import CareRule, CareTask, Customer
from shopcrm.ui import i18n
from shopcrm.ui.labels import label
from shopcrm.ui.rows_model import RowsModel, rows_view

OVERDUE_COLOUR = QColor("#b3261e")
LISTS = ("overdue", "today", "upcoming")


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


class TaskDetails(NamedTuple):
    """What the pane shows of the selected task beyond its row."""

    phone: str | None
    email: str | None
    zalo: str | None
    assigned_to: str | None
    outcome: str | None
    message: str


def task_details(task_id: int, today: dt.date | None = None) -> TaskDetails | None:
    """The customer's contacts and the task's filled message (the rule's template, else
    the task type's default); None when the task is gone."""
    task = CareTask.get_or_none(CareTask.id == task_id)
    if task is None:
        return None
    customer = Customer.get_by_id(task.customer_id)
    rule = CareRule.get_or_none(CareRule.id == task.rule_id) if task.rule_id else None
    template = templates.template_for(task.task_type, rule.template if rule else None)
    message = templates.fill(template, customer, today=today) or task.title or ""
    return TaskDetails(customer.phone, customer.email, customer.zalo, task.assigned_to,
                       task.outcome, message)


def contact_url(how: str, details: TaskDetails) -> QUrl | None:
    """tel:, mailto: (the message as its body) or a zalo.me link; None without the contact."""
    if how == "call" and details.phone:
        return QUrl("tel:" + details.phone)
    if how == "zalo":
        number = details.zalo if details.zalo and details.zalo.isdigit() else details.phone
        return QUrl("https://zalo.me/" + number) if number else None
    if how == "email" and details.email:
        url = QUrl("mailto:" + details.email)
        query = QUrlQuery()
        query.addQueryItem("body", details.message)
        url.setQuery(query)
        return url
    return None


class CarePane(QWidget):
    """`open_customer(id)` asks the window to show a task's customer; `changed` says
    tasks were finished, moved or reassigned (counts to update)."""

    open_customer = Signal(int)
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.customer_id: int | None = None
        self._customer_name = ""
        self.today = dt.date.today()
        self._contacted: dict[int, str] = {}  # task id -> how the customer was reached
        self.details: TaskDetails | None = None
        self.shop_title = QLabel()
        self.shop_title.setStyleSheet("font-weight: 600;")
        self.shop_title.setWordWrap(True)
        self.tabs = QTabWidget()
        self.models: dict[str, TaskTableModel] = {}
        self.views: dict[str, QTableView] = {}
        for name in LISTS:
            self.models[name] = TaskTableModel(show_customer=True, parent=self)
            self.views[name] = self._view(self.models[name])
            self.views[name].doubleClicked.connect(self._open_index)
            self.tabs.addTab(self.views[name], "")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.customer_title = QLabel()
        self.customer_title.setStyleSheet("font-weight: 600;")
        self.customer_model = TaskTableModel(show_customer=False, parent=self)
        self.customer_view = self._view(self.customer_model)
        self.customer_view.doubleClicked.connect(self._open_index)
        self._active = (self.shop_view, self.shop_model)
        self._make_actions()
        self.buttons: dict[str, QToolButton] = {}

        self.task_title = QLabel()
        self.task_title.setWordWrap(True)
        self.message = QPlainTextEdit()
        self.message.setReadOnly(True)
        self.message.setMaximumHeight(110)
        self.message.setPlaceholderText(self.tr("Select a task to see its message."))
        contact = QHBoxLayout()
        for name in ("copy", "call", "zalo", "email"):
            contact.addWidget(self._button(name))
        contact.addStretch(1)
        contact.addWidget(self._button("open"))
        buttons = QHBoxLayout()
        buttons.addWidget(self._button("reassign"))
        buttons.addStretch(1)
        self.snooze_button = self._button("snooze")
        self.snooze_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.snooze_button)
        for name in ("tomorrow", "next_week", "snooze_date"):
            menu.addAction(self.actions[name])
        self.snooze_button.setMenu(menu)
        self.skip_button = self._button("skip")
        self.done_button = self._button("done")
        for widget in (self.snooze_button, self.skip_button, self.done_button):
            buttons.addWidget(widget)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.shop_title)
        layout.addWidget(self.tabs, 3)
        layout.addWidget(self.customer_title)
        layout.addWidget(self.customer_view, 2)
        layout.addWidget(self.task_title)
        layout.addWidget(self.message, 1)
        layout.addLayout(contact)
        layout.addLayout(buttons)
        self.editable = True
        self._show_counts(0, 0, 0)
        self._selection_changed()

    # -- building ---------------------------------------------------------------------
    def _view(self, model: TaskTableModel) -> QTableView:
        view = rows_view(model, single=True)
        # Only the date fits its contents: long titles and names are cut, not the pane.
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        view.setColumnWidth(1, 110)  # the last column takes the rest
        view.selectionModel().selectionChanged.connect(lambda *_: self._activate(view, model))
        return view

    def _make_actions(self) -> None:
        spec = [
            ("done", self.tr("&Done…"), "Ctrl+D",
             self.tr("Mark the task done and note the outcome"),
             lambda: self.finish("done")),
            ("skip", self.tr("S&kip…"), "Ctrl+K",
             self.tr("Skip the task (not needed, unreachable) and note why"),
             lambda: self.finish("skipped")),
            ("snooze", self.tr("Sn&ooze"), "",
             self.tr("Put the task off to tomorrow (Ctrl+T); the arrow: next week or a date"),
             lambda: self.snooze_days(1)),
            ("tomorrow", self.tr("Snooze to &tomorrow"), "Ctrl+T",
             self.tr("Put the task off to tomorrow"), lambda: self.snooze_days(1)),
            ("next_week", self.tr("Snooze to &next week"), "Ctrl+Shift+T",
             self.tr("Put the task off by a week"), lambda: self.snooze_days(7)),
            ("snooze_date", self.tr("Snooze to a d&ate…"), "Ctrl+Shift+D",
             self.tr("Put the task off to a date you choose"), self.snooze_to_date),
            ("reassign", self.tr("Re&assign…"), "Ctrl+Shift+A",
             self.tr("Give the task to someone else"), self.reassign),
            ("open", self.tr("&Open"), "Return",
             self.tr("Show the task's customer"), self._open_selected),
            ("copy", self.tr("&Copy"), "Ctrl+Shift+C",
             self.tr("Copy the message to the clipboard"), self.copy_message),
            ("call", self.tr("Ca&ll"), "", self.tr("Call the customer's phone"),
             lambda: self.contact("call")),
            ("zalo", self.tr("&Zalo"), "", self.tr("Open a Zalo chat with the customer"),
             lambda: self.contact("zalo")),
            ("email", self.tr("&Email"), "", self.tr("Write an email with the message"),
             lambda: self.contact("email")),
        ]
        self.actions: dict[str, QAction] = {}
        for name, text, keys, tip, slot in spec:
            action = QAction(text, self)
            if keys:
                action.setShortcut(QKeySequence(keys))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                native = QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)
                tip = f"{tip} ({native})"
            action.setToolTip(tip)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            self.addAction(action)
            self.actions[name] = action

    def _button(self, name: str) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(self.actions[name])
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.buttons[name] = button
        return button

    def set_editable(self, editable: bool) -> None:
        """A read-only window: the task can be read, copied and called, not changed."""
        self.editable = editable
        for widget in (self.done_button, self.skip_button, self.snooze_button):
            widget.setVisible(editable)
        self._selection_changed()

    # -- the lists ----------------------------------------------------------------------
    @property
    def shop_view(self) -> QTableView:
        """The shop-wide list on show (overdue, today or upcoming)."""
        return self.views[LISTS[self.tabs.currentIndex()]]

    @property
    def shop_model(self) -> TaskTableModel:
        return self.models[LISTS[self.tabs.currentIndex()]]

    def show_list(self, name: str) -> None:
        """Show the shop-wide list "overdue", "today" or "upcoming"."""
        self.tabs.setCurrentIndex(LISTS.index(name))

    def refresh(self, today: dt.date | None = None) -> None:
        """Read the tasks again, keeping the selected task selected."""
        today = self.today = today or dt.date.today()
        selected = self.selected_task()
        due = care.due_by(today)
        overdue, due_today = care.counts(today)
        upcoming = care.upcoming(today)
        self.models["overdue"].set_tasks([t for t in due if t.due_date < today], today)
        self.models["today"].set_tasks([t for t in due if t.due_date >= today], today)
        self.models["upcoming"].set_tasks(upcoming, today)
        self._show_counts(overdue, due_today, len(upcoming))
        self._refresh_customer(today)
        if not self.shop_model.tasks:  # never an empty list while work waits elsewhere
            for name in ("overdue", "today"):
                if self.models[name].tasks:
                    self.show_list(name)
                    break
        if selected is not None:
            self._reselect(selected.id)
        self._selection_changed()

    def _show_counts(self, overdue: int, due_today: int, upcoming: int) -> None:
        if overdue or due_today:
            self.shop_title.setText(self.tr("Care schedule: {overdue} overdue, {today} due today")
                                    .format(overdue=overdue, today=due_today))
        else:
            self.shop_title.setText(self.tr("Care schedule: nothing overdue or due today."))
        for index, text in enumerate((self.tr("Overdue ({n})"), self.tr("Today ({n})"),
                                      self.tr("Next 7 days ({n})"))):
            number = (overdue, due_today, upcoming)[index]
            self.tabs.setTabText(index, text.format(n=i18n.number(number)))

    def _reselect(self, task_id: int) -> None:
        view, model = self._active
        for row, task in enumerate(model.tasks):
            if task.id == task_id:
                view.selectRow(row)
                return

    def show_customer(self, customer_id: int | None, name: str = "") -> None:
        self.customer_id = customer_id
        self._customer_name = name
        self._refresh_customer(self.today)
        self._selection_changed()

    def _refresh_customer(self, today: dt.date) -> None:
        if self.customer_id is None:
            self.customer_title.setText(self.tr("Select a customer to see their care tasks."))
            self.customer_model.set_tasks([], today)
            return
        self.customer_title.setText(self.tr("Tasks for {name}").format(name=self._customer_name))
        self.customer_model.set_tasks(care.tasks_of(self.customer_id), today)

    def _tab_changed(self, _index: int) -> None:
        self._activate(self.shop_view, self.shop_model)

    def _activate(self, view: QTableView, model: TaskTableModel) -> None:
        """The actions work on the list the user selected in last."""
        self._active = (view, model)
        self._selection_changed()

    def selected_task(self) -> care.TaskRow | None:
        view, model = self._active
        rows = view.selectionModel().selectedRows()
        return model.tasks[rows[0].row()] if rows and rows[0].row() < len(model.tasks) else None

    def select_task(self, task_id: int) -> bool:
        """Select the task in the list on show, else in the customer's; False if in neither."""
        for view, model in ((self.shop_view, self.shop_model),
                            (self.customer_view, self.customer_model)):
            for row, task in enumerate(model.tasks):
                if task.id == task_id:
                    view.setFocus()
                    view.selectRow(row)
                    self._activate(view, model)
                    return True
        return False

    def _selection_changed(self) -> None:
        task = self.selected_task()
        self.details = task_details(task.id, self.today) if task is not None else None
        planned = task is not None and task.status == "planned" and self.details is not None
        for name in ("done", "skip", "snooze", "tomorrow", "next_week", "snooze_date",
                     "reassign"):
            self.actions[name].setEnabled(planned and self.editable)
        self.actions["open"].setEnabled(task is not None)
        details = self.details
        self.actions["copy"].setEnabled(bool(details and details.message))
        for how in ("call", "zalo", "email"):
            self.actions[how].setEnabled(details is not None
                                         and contact_url(how, details) is not None)
        self._show_task(task, details)

    def _show_task(self, task: care.TaskRow | None, details: TaskDetails | None) -> None:
        if task is None or details is None:
            self.task_title.setText("")
            self.message.setPlainText("")
            return
        parts = [f"<b>{_escape(task.customer_name)}</b>",
                 _escape(task.title or label("task_type", task.task_type))]
        if details.phone:
            parts.append(_escape(phones.format_phone(details.phone)))
        if details.assigned_to:
            parts.append(_escape(self.tr("for {who}").format(who=details.assigned_to)))
        if task.status != "planned":
            parts.append(_escape(label("status", task.status)))
        self.task_title.setText(" · ".join(parts))
        self.message.setPlainText(details.message if task.status == "planned"
                                  else (details.outcome or ""))

    # -- acting on the selected task -----------------------------------------------------
    def _planned(self) -> care.TaskRow | None:
        task = self.selected_task()
        return task if task is not None and task.status == "planned" and self.editable else None

    def _run(self, work) -> bool:
        """Do a change, then show it; a KnownError (finished at another counter) is shown."""
        try:
            work()
        except KnownError as exc:
            self.show_error(exc)
            self.refresh(self.today)
            return False
        self.refresh(self.today)
        self.changed.emit()
        return True

    def finish(self, status: str) -> None:
        """Done or skipped, with the outcome asked; the interaction is logged by core."""
        task = self._planned()
        if task is None:
            return
        outcome = self.ask_outcome(task)
        if outcome is None:
            return
        if status == "done":
            kind = self._contacted.get(task.id, "note")
            self._run(lambda: care.complete(task.id, outcome, kind=kind, today=self.today))
        else:
            self._run(lambda: care.skip(task.id, outcome, today=self.today))

    def snooze_days(self, days: int) -> None:
        """Put the task off to `days` after today (an overdue task too: from today)."""
        task = self._planned()
        if task is not None:
            day = max(task.due_date, self.today) + dt.timedelta(days=days)
            self._run(lambda: care.snooze(task.id, day, today=self.today))

    def snooze_to_date(self) -> None:
        task = self._planned()
        if task is None:
            return
        day = self.ask_date(task)
        if day is not None:
            self._run(lambda: care.snooze(task.id, day, today=self.today))

    def reassign(self) -> None:
        task = self._planned()
        if task is None:
            return
        who = self.ask_assignee(task, self.details.assigned_to if self.details else None)
        if who is not None:
            self._run(lambda: care.reassign(task.id, who))

    def copy_message(self) -> None:
        if self.details and self.details.message:
            QGuiApplication.clipboard().setText(self.details.message)

    def contact(self, how: str) -> None:
        """Open tel:, zalo.me or mailto: for the task's customer (the desktop's handler)."""
        task = self.selected_task()
        url = contact_url(how, self.details) if self.details else None
        if task is None or url is None:
            return
        if how == "zalo":  # paste-ready: Zalo's chat cannot be pre-filled by a link
            self.copy_message()
        self._contacted[task.id] = how
        QDesktopServices.openUrl(url)

    def _open_selected(self) -> None:
        task = self.selected_task()
        if task is not None:
            self.open_customer.emit(task.customer_id)

    def _open_index(self, index: QModelIndex) -> None:
        model = index.model()
        if isinstance(model, TaskTableModel) and index.row() < len(model.tasks):
            self.open_customer.emit(model.tasks[index.row()].customer_id)

    # -- questions (methods so tests can answer them) ---------------------------------
    def ask_outcome(self, task: care.TaskRow) -> str | None:
        """The outcome text, or None when cancelled."""
        text, ok = QInputDialog.getText(
            self, self.tr("Outcome"),
            self.tr("What happened? ({task}, {name})").format(
                task=task.title or label("task_type", task.task_type), name=task.customer_name))
        return text if ok else None

    def ask_date(self, task: care.TaskRow) -> dt.date | None:
        """The day to put the task off to, or None when cancelled."""
        from shopcrm.ui.task_dialogs import SnoozeDialog

        return SnoozeDialog.ask(self, task, self.today)

    def ask_assignee(self, task: care.TaskRow, current: str | None) -> str | None:
        """Who does the task ("" for nobody), or None when cancelled."""
        text, ok = QInputDialog.getText(
            self, self.tr("Reassign"),
            self.tr("Who does this task? ({task}, {name}; empty: nobody)").format(
                task=task.title or label("task_type", task.task_type), name=task.customer_name),
            text=current or "")
        return text if ok else None

    def show_error(self, exc: KnownError) -> None:
        window = self.window()
        if window is not self and hasattr(window, "show_error"):
            window.show_error(exc)
        else:
            QMessageBox.warning(self, self.tr("Care schedule"), i18n.error_text(exc))


def _escape(text: str) -> str:
    from html import escape

    return escape(text or "")
