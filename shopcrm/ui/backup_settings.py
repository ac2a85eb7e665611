"""Where this computer keeps its backups: a per-computer setting (QSettings "backup/folder").

Declared once here; the window, the restore dialog and the command line read it and
pass the folder down to the Qt-free code (db.auto_backup, db.restore…). Empty means
the default folder, `backups` beside the database in the user data folder
(db.backup.backup_dir()). Only QtCore is needed: the command line reads it too.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from shopcrm import APP_NAME
from shopcrm.db import backup

SETTING = "backup/folder"


def _settings() -> QSettings:
    """The application's settings, also from the command line (no QApplication there)."""
    return QSettings(QSettings.defaultFormat(), QSettings.Scope.UserScope, APP_NAME, APP_NAME)


def folder() -> Path:
    """The backups folder chosen on this computer, else the default one."""
    chosen = _settings().value(SETTING, "")
    return Path(chosen) if chosen else backup.backup_dir()


def set_folder(path: Path | str | None) -> None:
    """Choose the backups folder; None (or the default folder) goes back to the default."""
    value = "" if path is None or Path(path) == backup.backup_dir() else str(Path(path).absolute())
    settings = _settings()
    settings.setValue(SETTING, value)
    settings.sync()
