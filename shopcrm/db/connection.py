"""One database for the whole app, opened from a URL.

`sqlite:///path/to/shop.db` (the default, in the user data folder) or
`postgresql://user:pass@host/dbname` for a shop with several counters.
Everything else talks to the `db` proxy and never knows which one it is.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from urllib.parse import urlparse

import peewee
import platformdirs
from playhouse.db_url import connect as connect_url
from playhouse.db_url import register_database
from playhouse.shortcuts import ReconnectMixin

from shopcrm.db.errors import QT_TRANSLATE_NOOP, DatabaseOpenError

log = logging.getLogger(__name__)

db = peewee.DatabaseProxy()

ENV_VAR = "SHOPCRM_DB"
BUSY_TIMEOUT_MS = 10_000

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    # A crash or power cut never loses a committed save.
    "synchronous": "full",
    "busy_timeout": BUSY_TIMEOUT_MS,
    "cache_size": -32_000,  # 32 MB
}


class SharedPostgresqlDatabase(ReconnectMixin, peewee.PostgresqlDatabase):
    """A shared server's connection can drop (a restart, the shop's Wi-Fi).

    Outside a transaction the next query reconnects; inside one the error goes
    up, because silently starting again could lose half of the work.
    """

    reconnect_errors = (
        (peewee.OperationalError, "server closed the connection"),
        (peewee.OperationalError, "terminating connection"),
        (peewee.OperationalError, "could not receive data"),
        (peewee.OperationalError, "ssl syscall"),
        (peewee.InterfaceError, "connection already closed"),
    )


register_database(SharedPostgresqlDatabase, "postgresql", "postgres")

# What a lost server or a locked file raises: the UI says "cannot reach the database".
CONNECTION_ERRORS = (peewee.OperationalError, peewee.InterfaceError)

# Seconds to wait for an unreachable server before saying so.
CONNECT_TIMEOUT = 5


def data_dir() -> Path:
    """The per-user folder where ShopCRM keeps its database (platformdirs)."""
    return Path(platformdirs.user_data_dir("ShopCRM", appauthor=False))


def default_url() -> str:
    return sqlite_url(data_dir() / "shopcrm.db")


def sqlite_url(path: Path | str) -> str:
    return "sqlite:///" + str(Path(path).absolute())


def resolve_url(url: str | None) -> str:
    """The URL given on the command line, else $SHOPCRM_DB, else the default file."""
    return url or os.environ.get(ENV_VAR) or default_url()


def is_sqlite(database: peewee.Database | None = None) -> bool:
    target = database or db.obj
    return isinstance(target, peewee.SqliteDatabase)


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and :memory:."""
    parsed = urlparse(url)
    if not parsed.scheme.startswith("sqlite"):
        return None
    path = parsed.path[1:] if parsed.path.startswith("/") else parsed.path
    if parsed.netloc:  # sqlite://relative/path
        path = parsed.netloc + "/" + path
    return None if path in ("", ":memory:") else Path(path)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder, and the file readable by its owner only (customer data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
        return
    with open(path, "rb") as fh:
        header = fh.read(16)
    if header and header != b"SQLite format 3\x00":
        raise DatabaseOpenError(
            QT_TRANSLATE_NOOP("errors", "{path} is not a ShopCRM database."), path=str(path)
        )


def open_url(url: str) -> peewee.Database:
    """A connected database object for `url`, without binding the app's proxy to it.

    Used as it is to test a connection or copy a shop; `connect()` binds it.
    """
    path = sqlite_path(url)
    kwargs: dict = {}
    scheme = urlparse(url).scheme
    if scheme.startswith("sqlite"):
        if path is not None:
            _prepare_sqlite_file(path)
        # Writers take the write lock when they begin: a deferred transaction that reads
        # and then writes fails at once (SQLITE_BUSY_SNAPSHOT) when another process wrote
        # in between, where an immediate one waits its turn for up to the busy timeout.
        kwargs = {"pragmas": SQLITE_PRAGMAS, "timeout": BUSY_TIMEOUT_MS / 1000,
                  "lock_type": "IMMEDIATE"}
    elif scheme.startswith("postgres") and "connect_timeout" not in url:
        kwargs = {"connect_timeout": CONNECT_TIMEOUT}
    try:
        database = connect_url(url, **kwargs)
    except (RuntimeError, ValueError, peewee.ImproperlyConfigured) as exc:
        raise DatabaseOpenError(
            QT_TRANSLATE_NOOP("errors", "Cannot use the database address {url}: {reason}"),
            url=redact(url),
            reason=str(exc),
        ) from exc
    if database is None:
        raise DatabaseOpenError(
            QT_TRANSLATE_NOOP("errors", "Unknown kind of database address: {url}"), url=redact(url)
        )
    try:
        database.connect(reuse_if_open=True)
    except (peewee.DatabaseError, peewee.InterfaceError) as exc:  # "not a database" too
        raise DatabaseOpenError(
            QT_TRANSLATE_NOOP("errors", "Cannot open the database {url}: {reason}"),
            url=redact(url),
            reason=str(exc).strip(),
        ) from exc
    if isinstance(database, peewee.SqliteDatabase):
        log.info("SQLite %s at %s", sqlite3.sqlite_version, path or ":memory:")
    return database


def connect(url: str) -> peewee.Database:
    """Open the database at `url`, bind the app's `db` proxy to it and return it."""
    database = open_url(url)
    db.initialize(database)
    return database


def read_transaction():
    """A transaction for consistent reading that does not hold up writers (exports, reports)."""
    if is_sqlite():
        return db.atomic(lock_type="DEFERRED")  # a WAL snapshot; writers go on
    return db.atomic()


def close() -> None:
    if db.obj is not None and not db.obj.is_closed():
        db.obj.close()


def redact(url: str) -> str:
    """The URL without its password, fit for messages and logs."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(":" + parsed.password + "@", ":***@", 1)
    return url
