"""One database for the whole app, opened from a URL.

`sqlite:///path/to/shop.db` (the default, in the user data folder) or
`postgresql://user:pass@host/dbname` for a shop with several counters.
Everything else talks to the `db` proxy and never knows which one it is.

An SQLite file is opened for writing by one ShopCRM process at a time (`WriterLock`),
or read-only (`open_url(url, read_only=True)`) by any number of them.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from pathlib import Path
from urllib.parse import urlparse

import filelock
import peewee
import platformdirs
from playhouse.db_url import connect as connect_url
from playhouse.db_url import register_database
from playhouse.shortcuts import ReconnectMixin

from shopcrm.db.errors import QT_TRANSLATE_NOOP, DatabaseInUseError, DatabaseOpenError

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
# A read-only open changes nothing: no switch to WAL, and SQLite refuses every write.
READ_ONLY_PRAGMAS = {
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    "cache_size": -32_000,
    "query_only": 1,
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


class ReadOnlySqliteDatabase(peewee.SqliteDatabase):
    """An SQLite file opened with mode=ro: shows and exports the data, can never change it."""


def open_url(url: str, read_only: bool = False) -> peewee.Database:
    """A connected database object for `url`, without binding the app's proxy to it.

    Used as it is to test a connection or copy a shop; `connect()` binds it.
    `read_only` (SQLite files only) opens an existing file without writing to it.
    """
    path = sqlite_path(url)
    kwargs: dict = {}
    scheme = urlparse(url).scheme
    if read_only:
        if path is None:
            raise ValueError("read_only is for SQLite database files")
        database = _read_only_sqlite(path)
    elif scheme.startswith("sqlite"):
        if path is not None:
            _prepare_sqlite_file(path)
        # Writers take the write lock when they begin: a deferred transaction that reads
        # and then writes fails at once (SQLITE_BUSY_SNAPSHOT) when another process wrote
        # in between, where an immediate one waits its turn for up to the busy timeout.
        kwargs = {"pragmas": SQLITE_PRAGMAS, "timeout": BUSY_TIMEOUT_MS / 1000,
                  "lock_type": "IMMEDIATE"}
    elif scheme.startswith("postgres") and "connect_timeout" not in url:
        kwargs = {"connect_timeout": CONNECT_TIMEOUT}
    if not read_only:
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
        log.info("SQLite %s at %s%s", sqlite3.sqlite_version, path or ":memory:",
                 " (read-only)" if read_only else "")
    return database


def _read_only_sqlite(path: Path) -> ReadOnlySqliteDatabase:
    """mode=ro through a file: URI (peewee hands uri=True on to sqlite3.connect)."""
    if not path.is_file():
        raise DatabaseOpenError(QT_TRANSLATE_NOOP("errors", "There is no database at {path}."),
                                path=str(path))
    uri = Path(path).absolute().as_uri() + "?mode=ro"
    return ReadOnlySqliteDatabase(uri, uri=True, pragmas=READ_ONLY_PRAGMAS,
                                  timeout=BUSY_TIMEOUT_MS / 1000)


def connect(url: str, read_only: bool = False) -> peewee.Database:
    """Open the database at `url`, bind the app's `db` proxy to it and return it."""
    database = open_url(url, read_only=read_only)
    db.initialize(database)
    return database


def is_read_only(database: peewee.Database | None = None) -> bool:
    """Whether the app's database (or `database`) was opened read-only."""
    return isinstance(database or db.obj, ReadOnlySqliteDatabase)


def read_transaction():
    """A transaction for consistent reading that does not hold up writers (exports, reports)."""
    if is_sqlite():
        return db.atomic(lock_type="DEFERRED")  # a WAL snapshot; writers go on
    return db.atomic()


def close() -> None:
    """Close the app's database, and let go of its writer lock (a clean shutdown)."""
    global _writer
    try:
        if db.obj is not None and not db.obj.is_closed():
            db.obj.close()
    finally:
        writer, _writer = _writer, None
        if writer is not None:
            writer.release(clean=True)


# -- one writer per SQLite file --------------------------------------------------------

class WriterLock:
    """`shop.db.lock`, locked by the one ShopCRM process that has `shop.db` open for writing.

    Why: two processes writing one SQLite file in WAL mode is what SQLite supports, but
    the SQLite in Python here is 3.40, older than the fix (3.51.3) for the WAL corruption
    that two processes writing and checkpointing at the same moment can cause
    (https://sqlite.org/howtocorrupt.html, section 8.1); over a shared network folder WAL
    is not safe at all. Several counters share a PostgreSQL server instead.

    The lock is the operating system's (flock on POSIX, msvcrt.locking on Windows, by
    the filelock package): it goes with the process, so a crash or a power cut never
    leaves the file locked. Beside it, `shop.db.open` exists while the file is open for
    writing: found by the next start, it says the last session did not end cleanly.
    """

    def __init__(self, database: Path):
        self.database = Path(database).absolute()
        self.path = self.database.with_name(self.database.name + ".lock")
        self.marker = self.database.with_name(self.database.name + ".open")
        self._lock: filelock.BaseFileLock | None = None
        self._held = False

    def acquire(self) -> bool:
        """Take the lock, or raise DatabaseInUseError; True if the last session crashed."""
        self.database.parent.mkdir(parents=True, exist_ok=True)
        lock = _file_lock(self.path)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise DatabaseInUseError(QT_TRANSLATE_NOOP(
                "errors", "This database is already open in another ShopCRM window on this "
                "computer (or another computer through a shared folder). Several counters "
                "should share a PostgreSQL database instead; you can open this one read-only."),
                path=str(self.database)) from None
        except (NotImplementedError, OSError) as exc:
            if isinstance(exc, NotImplementedError) or exc.errno == errno.ENOSYS:
                # A (network) file system without flock: better open unguarded than not at all.
                log.warning("%s cannot be locked (%s): one ShopCRM at a time, please",
                            self.database, exc)
                lock = None
            else:
                raise DatabaseOpenError(
                    QT_TRANSLATE_NOOP("errors", "Cannot open the database {url}: {reason}"),
                    url=str(self.database), reason=exc.strerror or str(exc)) from exc
        self._lock, self._held = lock, True
        return self.marker.exists()

    def mark_open(self) -> None:
        """From now until release(clean=True), a crash leaves the marker behind."""
        self.marker.touch()

    def release(self, clean: bool = True) -> None:
        """Let go; `clean` (the database was closed properly) removes the marker too."""
        if not self._held:
            return
        try:
            if clean:
                self.marker.unlink(missing_ok=True)
        finally:
            lock, self._lock, self._held = self._lock, None, False
            if lock is not None:
                lock.release()


def _file_lock(path: Path) -> filelock.BaseFileLock:
    """A non-blocking lock usable from any thread (close() may run on another one)."""
    try:  # filelock 4 would fall back to a plain lock file, which a crash leaves behind
        return filelock.FileLock(path, timeout=0, thread_local=False, fallback_to_soft=False)
    except TypeError:  # older filelock: no such fallback to turn off
        return filelock.FileLock(path, timeout=0, thread_local=False)


_writer: WriterLock | None = None


def hold_writer(lock: WriterLock) -> None:
    """Keep `lock` until close(): the app's database was opened for writing under it."""
    global _writer
    _writer = lock


def held_writer() -> WriterLock | None:
    """The writer lock this process holds for the app's database, if any."""
    return _writer


def redact(url: str) -> str:
    """The URL without its password, fit for messages and logs."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(":" + parsed.password + "@", ":***@", 1)
    return url
