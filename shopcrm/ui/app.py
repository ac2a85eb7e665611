"""Starting the window: the QApplication, its language, the database, the main window."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from shopcrm import APP_NAME, __version__
from shopcrm.core.errors import KnownError
from shopcrm.db import connection, restore
from shopcrm.db.errors import DamagedDatabaseError, DatabaseInUseError
from shopcrm.db.session import open_database
from shopcrm.ui import backup_settings, i18n
from shopcrm.ui.database_dialog import DatabaseDialog, saved_url

log = logging.getLogger(__name__)

# Errors after which the file can still be opened read-only, to look and export.
READ_ONLY_HELPS = (DamagedDatabaseError, DatabaseInUseError)


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
    window = MainWindow(resolved, demo=demo, read_only=connection.is_read_only())
    if not window.lock(at_start=True):
        connection.close()
        return 0
    window.show()
    try:
        return app.exec()
    finally:
        connection.close()


def open_or_ask(url: str) -> str | None:
    """Open `url`; when that fails, say why and let the user retry, change it or quit.

    A damaged database, or one open in another ShopCRM, can also be opened read-only
    (then `connection.is_read_only()`). Returns the address finally opened, or None when
    the user quit.
    """
    read_only = False
    while True:
        try:
            open_database(url, read_only=read_only, backup_folder=backup_settings.folder())
            return url
        except KnownError as exc:
            newest = getattr(exc, "backup", None)  # a damaged file names its newest backup
            choice = ask_after_open_error(i18n.error_text(exc),
                                          offer_read_only=isinstance(exc, READ_ONLY_HELPS),
                                          offer_restore=newest is not None)
        read_only = choice == "read_only"
        if choice == "restore":
            _restore_newest(newest, url)
        if choice == "quit":
            return None
        if choice == "change":
            dialog = DatabaseDialog(url)
            accepted = dialog.exec() == DatabaseDialog.DialogCode.Accepted
            dialog.deleteLater()  # no parent: deleted by Qt, never after the application
            if accepted:
                url = connection.resolve_url(saved_url())


def _restore_newest(backup_file, url: str) -> None:
    """Put the newest good backup in place of a damaged file (the damaged one is kept)."""
    try:
        restore.restore(backup_file, restore.database_file(url), backup_settings.folder())
    except KnownError as exc:
        QMessageBox.warning(None, APP_NAME, i18n.error_text(exc))
    finally:
        connection.close()


def ask_after_open_error(text: str, offer_read_only: bool = False,
                         offer_restore: bool = False) -> str:
    """'retry', 'change' (the database address), 'read_only' or 'restore' (if offered),
    or 'quit'."""
    box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, text)
    choices = {}
    if offer_restore:
        restore_button = box.addButton(
            QCoreApplication.translate("app", "Restore the newest backup"),
            QMessageBox.ButtonRole.AcceptRole)
        choices[restore_button] = "restore"
    if offer_read_only:
        read_only = box.addButton(QCoreApplication.translate("app", "Open read-only"),
                                  QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(read_only)
        choices[read_only] = "read_only"
    choices[box.addButton(QCoreApplication.translate("app", "Try again"),
                          QMessageBox.ButtonRole.AcceptRole)] = "retry"
    choices[box.addButton(QCoreApplication.translate("app", "Change database…"),
                          QMessageBox.ButtonRole.ActionRole)] = "change"
    box.addButton(QCoreApplication.translate("app", "Quit"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return choices.get(box.clickedButton(), "quit")
