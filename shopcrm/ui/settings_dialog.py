"""Settings: the window's language, the shop's name, where the data lives."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QSpinBox,
)

from shopcrm.core import security
from shopcrm.core import settings as shop_settings
from shopcrm.core.errors import KnownError
from shopcrm.db.connection import redact
from shopcrm.ui import i18n


class SettingsDialog(QDialog):
    def __init__(self, url: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.language = QComboBox()
        self.language.addItem("Tiếng Việt", "vi")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(i18n.current_language())))
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
        self._password_rows(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _password_rows(self, form: QFormLayout) -> None:
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(
            self.tr("Leave empty to keep it") if security.has_password()
            else self.tr("Leave empty for no password"))
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.remove_password = QCheckBox(self.tr("Remove the app password"))
        self.remove_password.setVisible(security.has_password())
        self.lock_minutes = QSpinBox()
        self.lock_minutes.setRange(0, 240)
        self.lock_minutes.setSpecialValueText(self.tr("never"))
        self.lock_minutes.setSuffix(self.tr(" min"))
        self.lock_minutes.setValue(shop_settings.get("lock_after_minutes"))
        self.password_error = QLabel()
        self.password_error.setStyleSheet("color: #b3261e;")
        self.password_error.hide()
        form.addRow(self.tr("App password (asked at start)"), self.password)
        form.addRow(self.tr("Repeat the password"), self.repeat)
        form.addRow("", self.remove_password)
        form.addRow(self.tr("Lock when idle for"), self.lock_minutes)
        form.addRow("", self.password_error)

    def _save_password(self) -> bool:
        """Store a new or removed password; False (with the reason shown) if it cannot be."""
        if self.remove_password.isChecked():
            security.set_password(None)
            return True
        if not self.password.text():
            return True
        if self.password.text() != self.repeat.text():
            self.password_error.setText(self.tr("The two passwords are not the same."))
            self.password_error.show()
            return False
        try:
            security.set_password(self.password.text())
        except KnownError as exc:
            self.password_error.setText(i18n.error_text(exc))
            self.password_error.show()
            return False
        return True

    def accept(self) -> None:
        if not self._save_password():
            return
        QSettings().setValue("ui/language", self.language.currentData())
        shop_settings.put("shop_name", self.shop_name.text().strip())
        shop_settings.put("lock_after_minutes", self.lock_minutes.value())
        super().accept()
