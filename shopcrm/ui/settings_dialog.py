"""Settings: the window's language, the shop's name, where the data lives."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit

from shopcrm.core import settings as shop_settings
from shopcrm.db.connection import redact
from shopcrm.ui import i18n


class SettingsDialog(QDialog):
    def __init__(self, url: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.language = QComboBox()
        self.language.addItem("Tiếng Việt", "vi")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(i18n.chosen_language())))
        self.shop_name = QLineEdit(shop_settings.get("shop_name"))
        self.shop_name.setPlaceholderText(self.tr("e.g. Tiệm may Hà Linh"))
        location = QLabel(redact(url))
        location.setWordWrap(True)
        note = QLabel(self.tr("A new language applies the next time ShopCRM starts."))
        note.setWordWrap(True)

        form = QFormLayout(self)
        form.addRow(self.tr("Language"), self.language)
        form.addRow("", note)
        form.addRow(self.tr("Shop name (in messages and printouts)"), self.shop_name)
        form.addRow(self.tr("Database"), location)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        QSettings().setValue("ui/language", self.language.currentData())
        shop_settings.put("shop_name", self.shop_name.text().strip())
        super().accept()
