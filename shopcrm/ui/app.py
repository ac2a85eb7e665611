"""Starting the window: the QApplication, its language, the database, the main window."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from shopcrm import APP_NAME, __version__
from shopcrm.core.errors import KnownError
from shopcrm.db import connection
from shopcrm.db.session import open_database
from shopcrm.ui import i18n
from shopcrm.ui.database_dialog import DatabaseDialog, saved_url

log = logging.getLogger(__name__)


def make_application(lang: str | None = None) -> QApplication:
    """The application object with ShopCRM's names (QSettings uses them) and language."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    i18n.install(i18n.chosen_language(lang))
    return app


def run(url: str | None, lang: str | None = None, demo: bool = False) -> int:
    """Open the window on the database at `url` and run until it is closed."""
    from shopcrm.ui.main_window import MainWindow

    app = make_application(lang)
    resolved = open_or_ask(
        connection.resolve_url(url or os.environ.get(connection.ENV_VAR) or saved_url()))
    if resolved is None:
        return 2
    window = MainWindow(resolved, demo=demo)
    window.show()
    try:
        return app.exec()
    finally:
        connection.close()


def open_or_ask(url: str) -> str | None:
    """Open `url`; when that fails, say why and let the user retry, change it or quit.

    Returns the address finally opened, or None when the user quit.
    """
    while True:
        try:
            open_database(url)
            return url
        except KnownError as exc:
            choice = ask_after_open_error(i18n.error_text(exc))
        if choice == "quit":
            return None
        if choice == "change":
            dialog = DatabaseDialog(url)
            if dialog.exec() == DatabaseDialog.DialogCode.Accepted:
                url = connection.resolve_url(saved_url())


def ask_after_open_error(text: str) -> str:
    """'retry', 'change' (the database address) or 'quit'."""
    box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, text)
    retry = box.addButton(QCoreApplication.translate("app", "Try again"),
                          QMessageBox.ButtonRole.AcceptRole)
    change = box.addButton(QCoreApplication.translate("app", "Change database…"),
                           QMessageBox.ButtonRole.ActionRole)
    box.addButton(QCoreApplication.translate("app", "Quit"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return {retry: "retry", change: "change"}.get(box.clickedButton(), "quit")
