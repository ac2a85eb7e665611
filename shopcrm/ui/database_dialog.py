"""Settings > Database: which database this counter uses, with a connection test.

A shop with several counters points every copy of ShopCRM at one PostgreSQL
server; the address is kept per computer (QSettings) and used from the next start.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
)

from shopcrm.core.errors import KnownError
from shopcrm.db import connection, session
from shopcrm.ui import i18n, jobs

SETTING = "database/url"


def saved_url() -> str | None:
    """The address chosen in this dialog, if any."""
    return QSettings().value(SETTING, "") or None


class DatabaseDialog(QDialog):
    def __init__(self, current_url: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Database"))
        self.resize(620, 0)
        self.url = QLineEdit(saved_url() or current_url)
        self.url.setPlaceholderText("postgresql://user:password@server/shopcrm")
        explain = QLabel(self.tr(
            "One computer: leave the local file (sqlite:///…). Several counters: every counter "
            "uses the same PostgreSQL address, e.g. postgresql://shop:password@192.168.1.10/"
            "shopcrm. The new address is used the next time ShopCRM starts."))
        explain.setWordWrap(True)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.test_button = QPushButton(self.tr("&Test connection"))
        self.test_button.clicked.connect(self.test_connection)
        local = QPushButton(self.tr("Use the &local file"))
        local.clicked.connect(lambda: self.url.setText(connection.default_url()))
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(local)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Database address")))
        layout.addWidget(self.url)
        layout.addWidget(explain)
        layout.addLayout(row)
        layout.addWidget(self.result)
        layout.addWidget(buttons)

    def test_connection(self) -> jobs.Job:
        """Connect in the background and say what is there, or why it failed."""
        url = self.url.text().strip()
        self.result.setText(self.tr("Connecting…"))
        self.test_button.setEnabled(False)
        return jobs.Job(self, self.tr("Testing the connection…"),
                        lambda progress, cancelled: session.probe(url)) \
            .success(self._tested).failure(self._failed).start()

    def _tested(self, probe: session.Probe) -> None:
        self.test_button.setEnabled(True)
        if probe.schema_version is None:
            text = self.tr("Connected to {server}. The database is empty: ShopCRM will set it "
                           "up at the next start.")
        else:
            text = self.tr("Connected to {server}: a ShopCRM database with {count} customers.")
        self.result.setText(text.format(server=probe.server, count=i18n.number(probe.customers)))

    def _failed(self, exc: Exception) -> None:
        self.test_button.setEnabled(True)
        if not isinstance(exc, KnownError):
            raise exc
        self.result.setText(i18n.error_text(exc))

    def accept(self) -> None:
        url = self.url.text().strip()
        QSettings().setValue(SETTING, "" if url == connection.default_url() else url)
        super().accept()
