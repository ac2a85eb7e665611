"""Errors for the user, shared by every layer (re-exported from the db layer)."""

from shopcrm.db.errors import (  # noqa: F401  (the public names of this module)
    QT_TRANSLATE_NOOP,
    ConflictError,
    DatabaseOpenError,
    KnownError,
    NewerSchemaError,
)


class ValidationError(KnownError):
    """Input that cannot be stored as it is (a bad phone, a date that is not a date…)."""
