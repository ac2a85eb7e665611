"""Small questions the care pane asks: the day to put a task off to."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QCalendarWidget, QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from shopcrm.ui.labels import label


class SnoozeDialog(QDialog):
    """A calendar from today on; `ask()` returns the chosen day or None."""

    def __init__(self, parent, task, today: dt.date):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Snooze to a date"))
        what = QLabel(self.tr("Put off {task} ({name}) to:").format(
            task=task.title or label("task_type", task.task_type), name=task.customer_name))
        what.setWordWrap(True)
        self.calendar = QCalendarWidget()
        self.calendar.setMinimumDate(QDate(today.year, today.month, today.day))
        start = max(task.due_date, today) + dt.timedelta(days=1)
        self.calendar.setSelectedDate(QDate(start.year, start.month, start.day))
        self.calendar.activated.connect(self.accept)  # double click or Enter on a day
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(self.calendar)
        layout.addWidget(buttons)

    def day(self) -> dt.date:
        return self.calendar.selectedDate().toPython()

    @classmethod
    def ask(cls, parent, task, today: dt.date) -> dt.date | None:
        dialog = cls(parent, task, today)
        try:
            return dialog.day() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
