"""The index behind the customer search box (schema version 2), for each database kind.

One place for its DDL: the migration runner calls `create` both for a new
database and in the upgrade from version 1 (which also fills it from the rows).

SQLite: an FTS5 table with the trigram tokenizer over " " + customer.search_key
(the stored tone-less text), contentless, kept in step by triggers on customer,
so every write (peewee, shopcrm.db.bulk's executemany, a copy) stays indexed.
A big write (the import) drops the insert and update triggers inside its
transaction and indexes its rows set by set instead: `bulk_writes`.
A phrase of 3+ characters matches any substring; the leading space makes a
word's first two characters a trigram too (" vy"), so 2-character words are
found as word prefixes.

PostgreSQL: a GIN pg_trgm index on customer.search_key, which LIKE '%x%' uses.
Without the rights to create the extension the search keeps working (the same
LIKE, without the index); that is logged.

Pure database layer: never import Qt or core here.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence

import peewee

log = logging.getLogger(__name__)

FTS_TABLE = "customer_search"  # SQLite: the FTS5 table (and its shadow tables: FTS_TABLE_*)
PG_INDEX = "customer_search_key_trgm"

_TABLE_DDL = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
              "search_key, content='', tokenize='trigram', detail='full')")
# The triggers by name: bulk_writes() drops the insert and update ones for a big write.
_TRIGGERS = {
    "ai": (f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON customer BEGIN "
           f"INSERT INTO {FTS_TABLE}(rowid, search_key) VALUES (new.id, ' ' || new.search_key); END"),
    "ad": (f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON customer BEGIN "
           f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_key) "
           f"VALUES ('delete', old.id, ' ' || old.search_key); END"),
    "au": (f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_key, id ON customer "
           f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_key) "
           f"VALUES ('delete', old.id, ' ' || old.search_key); "
           f"INSERT INTO {FTS_TABLE}(rowid, search_key) VALUES (new.id, ' ' || new.search_key); END"),
}
_SQLITE_DDL = (_TABLE_DDL, *_TRIGGERS.values())
_SUSPENDED = ("ai", "au")  # the triggers bulk_writes() drops, doing their work itself


def is_sqlite(database: peewee.Database) -> bool:
    return isinstance(database, peewee.SqliteDatabase)


def create(database: peewee.Database) -> None:
    """Make the search index of `database` and fill it from the customers already there."""
    if is_sqlite(database):
        for statement in _SQLITE_DDL:
            database.execute_sql(statement)
        database.execute_sql(
            f"INSERT INTO {FTS_TABLE}(rowid, search_key) SELECT id, ' ' || search_key FROM customer")
        return
    try:
        with database.atomic():  # a savepoint: a refusal must not spoil the migration
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except peewee.DatabaseError as exc:
        log.warning("pg_trgm is not available (%s): the customer search works without its "
                    "index, scanning every row", str(exc).strip())
        return
    database.execute_sql(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON customer "
                         "USING gin (search_key gin_trgm_ops)")


def has_index(database: peewee.Database) -> bool:
    """Whether the search can use the index (SQLite: the FTS table; PostgreSQL: pg_trgm)."""
    if is_sqlite(database):
        return database.execute_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            (FTS_TABLE,)).fetchone() is not None
    return database.execute_sql(
        "SELECT 1 FROM pg_indexes WHERE indexname = %s", (PG_INDEX,)).fetchone() is not None


def is_index_table(name: str) -> bool:
    """A table that belongs to the search index (SQLite's FTS table and its shadows)."""
    return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")


def trigger_names() -> list[str]:
    """The names of the SQLite triggers that keep the index in step (for checks)."""
    return [f"{FTS_TABLE}_{suffix}" for suffix in _TRIGGERS]


@contextlib.contextmanager
def bulk_writes(database: peewee.Database) -> Iterator[BulkIndexer]:
    """Index a big write of customers set by set instead of row by row.

    Run INSIDE the caller's transaction. SQLite: the insert and update triggers are
    dropped, and the caller tells the yielded BulkIndexer what it writes (inserted()
    after each batch of inserts; before_update(ids) and after_update(ids) around each
    batch of updates); the triggers are made again on the way out. An FTS5 insert from
    a trigger costs ~100 µs a row (9-13 s for 100,000 customers), one INSERT ... SELECT
    over the same rows a tenth of it.

    SQLite rolls DDL back with the transaction, so a crash, cancel or error leaves the
    schema and the index as they were; the triggers are made again even when the block
    fails, in case the caller keeps the transaction. The transaction must hold the write
    lock (BEGIN IMMEDIATE, as every write here does): nobody else writes meanwhile, so
    no row goes unindexed. Other databases (PostgreSQL's GIN index keeps itself in step)
    and a database without the index: an indexer that does nothing.
    """
    if not (is_sqlite(database) and has_index(database)):
        yield BulkIndexer(None)
        return
    present = {name for (name,) in database.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'customer'")}
    suspended = [suffix for suffix in _SUSPENDED if f"{FTS_TABLE}_{suffix}" in present]
    if len(suspended) != len(_SUSPENDED):  # not the schema this module made: hands off
        yield BulkIndexer(None)
        return
    for suffix in suspended:
        database.execute_sql(f"DROP TRIGGER {FTS_TABLE}_{suffix}")
    try:
        yield BulkIndexer(database)
    finally:
        for suffix in suspended:
            database.execute_sql(_TRIGGERS[suffix])


class BulkIndexer:
    """What bulk_writes() yields: index the rows just written, set by set."""

    CHUNK = 500  # ids per statement (under SQLite's old 999-variable limit)

    def __init__(self, database: peewee.Database | None):
        self.database = database
        self.last_id = 0
        if database is not None:
            self.last_id = database.execute_sql(
                "SELECT COALESCE(MAX(id), 0) FROM customer").fetchone()[0]

    def inserted(self) -> None:
        """Index every customer inserted since the last call (new ids are above the old)."""
        if self.database is None:
            return
        cursor = self.database.execute_sql(
            f"INSERT INTO {FTS_TABLE}(rowid, search_key) "
            "SELECT id, ' ' || search_key FROM customer WHERE id > ? ORDER BY id",
            (self.last_id,))
        if cursor.rowcount:
            self.last_id = self.database.execute_sql(
                "SELECT COALESCE(MAX(id), 0) FROM customer").fetchone()[0]

    def before_update(self, ids: Sequence[int]) -> None:
        """Remove the entries of customers about to be updated (with their old keys)."""
        self._each_chunk(ids, f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_key) "
                              "SELECT 'delete', id, ' ' || search_key FROM customer WHERE id IN")

    def after_update(self, ids: Sequence[int]) -> None:
        """Index the customers updated since before_update(ids), with their new keys."""
        self._each_chunk(ids, f"INSERT INTO {FTS_TABLE}(rowid, search_key) "
                              "SELECT id, ' ' || search_key FROM customer WHERE id IN")

    def _each_chunk(self, ids: Sequence[int], sql: str) -> None:
        if self.database is None:
            return
        ids = list(ids)
        for start in range(0, len(ids), self.CHUNK):
            chunk = ids[start:start + self.CHUNK]
            self.database.execute_sql(f"{sql} ({', '.join('?' * len(chunk))}) ORDER BY id",
                                      tuple(chunk))
