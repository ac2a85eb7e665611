"""Errors of the persistence layer that a user can act on.

Messages are English source strings marked for Qt's translation tools; the UI
translates them in the "errors" context and formats them with `params`.
"""


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks `text` for pyside6-lupdate without importing Qt (the core stays Qt-free)."""
    return text


class KnownError(Exception):
    """An error the user can understand and act on; never shown as a traceback."""

    def __init__(self, message: str, **params):
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params


class DatabaseOpenError(KnownError):
    """The database could not be opened (bad URL, unreachable server, not a database)."""


class NewerSchemaError(KnownError):
    """The database was written by a newer ShopCRM; opening it could damage it."""


class DamagedDatabaseError(KnownError):
    """SQLite's quick_check found damage; nothing was written, it can be opened read-only.

    `backup` is the newest backup file found (to offer restoring it), or None.
    """

    def __init__(self, message: str, backup=None, **params):
        super().__init__(message, **params)
        self.backup = backup


class DatabaseInUseError(KnownError):
    """Another ShopCRM process has this SQLite file open for writing (see connection.WriterLock)."""


class ConflictError(KnownError):
    """Another counter saved the same record since we read it (optimistic locking)."""

    def __init__(self, message: str, current=None, **params):
        super().__init__(message, **params)
        self.current = current
