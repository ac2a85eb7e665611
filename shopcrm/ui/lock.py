"""The app password screen: at start, after some idle minutes, and on Lock now (Ctrl+L)."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication, QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from shopcrm.core import security

INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel,
                QEvent.Type.MouseMove}


class LockDialog(QDialog):
    """Asks for the app password until it is right (or the user quits, when allowed)."""

    def reject(self) -> None:
        if self.allow_quit:  # otherwise Escape or closing must not get past the lock
            super().reject()


    def __init__(self, parent: QWidget | None = None, allow_quit: bool = True):
        super().__init__(parent)
        self.allow_quit = allow_quit
        self.setWindowTitle(self.tr("ShopCRM is locked"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel(self.tr("Enter the app password to continue."))
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        buttons.addButton(self.tr("Unlock"), QDialogButtonBox.ButtonRole.AcceptRole)
        if allow_quit:
            buttons.addButton(self.tr("Quit"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.password)
        layout.addWidget(buttons)

    def try_unlock(self) -> None:
        if security.check_password(self.password.text()):
            self.accept()
            return
        self.password.clear()
        self.message.setText(self.tr("Wrong password. Try again."))

    @classmethod
    def ask(cls, parent: QWidget | None = None, allow_quit: bool = True) -> bool:
        """True once the right password was given (a classmethod so tests can answer it)."""
        dialog = cls(parent, allow_quit)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        return accepted


class IdleWatcher(QObject):
    """Emits `idle` when nobody touched the keyboard or mouse for `minutes`."""

    idle = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None):
        super().__init__(parent)
        self.minutes = minutes
        self.last_input = time.monotonic()
        QApplication.instance().installEventFilter(self)
        self.timer = QTimer(self, interval=15_000)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def eventFilter(self, obj, event) -> bool:
        if event.type() in INPUT_EVENTS:
            self.last_input = time.monotonic()
        return False

    def check(self) -> None:
        if self.minutes > 0 and time.monotonic() - self.last_input >= self.minutes * 60:
            self.last_input = time.monotonic()
            self.idle.emit()
