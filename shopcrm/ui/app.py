"""Starting the window: the QApplication, its language, the database, the main window."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from shopcrm import APP_NAME, __version__
from shopcrm.core.errors import KnownError
from shopcrm.db import connection
from shopcrm.db.session import open_database
from shopcrm.ui import i18n

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
    resolved = connection.resolve_url(url)
    try:
        open_database(resolved)
    except KnownError as exc:
        QMessageBox.critical(None, APP_NAME, i18n.error_text(exc))
        return 2
    window = MainWindow(resolved, demo=demo)
    window.show()
    try:
        return app.exec()
    finally:
        connection.close()
