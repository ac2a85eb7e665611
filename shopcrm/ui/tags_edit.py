"""A line for a customer's tags ("áo dài, VIP") that completes the tag being typed."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QLineEdit


class TagsEdit(QLineEdit):
    """Comma-separated tags; the completer offers the shop's tags for the last one."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setPlaceholderText(self.tr("e.g. áo dài, VIP (separate with commas)"))
        self._known = QStringListModel(self)
        self.completer_ = QCompleter(self._known, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer_.setWidget(self)
        self.completer_.activated.connect(self._insert)
        self.textEdited.connect(self._complete)

    def set_known_tags(self, tags: list[str]) -> None:
        self._known.setStringList(tags)

    def _last_part(self) -> str:
        return self.text()[:self.cursorPosition()].split(",")[-1].strip()

    def _complete(self, _text: str) -> None:
        prefix = self._last_part()
        if not prefix:
            self.completer_.popup().hide()
            return
        self.completer_.setCompletionPrefix(prefix)
        self.completer_.complete()

    def _insert(self, tag: str) -> None:
        """Replace the tag being typed with the chosen one, and start the next."""
        before = self.text()[:self.cursorPosition()]
        after = self.text()[self.cursorPosition():]
        head = before.rsplit(",", 1)[0] + ", " if "," in before else ""
        self.setText(head + tag + ", " + after.lstrip(", "))
        self.setCursorPosition(len(head + tag) + 2)
