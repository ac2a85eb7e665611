"""Typing into widgets the way a user does, Vietnamese included.

qtbot.keyClicks aborts Qt on non-ASCII characters (DESIGN.md), so each
character goes in as a QKeyEvent carrying its text.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget


def type_text(widget: QWidget, text: str) -> None:
    widget.setFocus()
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                     Qt.KeyboardModifier.NoModifier, char))


def replace_text(widget: QWidget, text: str) -> None:
    """Select all, then type: what a user does to overwrite a field."""
    widget.setFocus()
    widget.selectAll()
    type_text(widget, text)
