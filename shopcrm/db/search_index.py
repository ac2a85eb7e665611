"""The index behind the customer search box (schema version 2), for each database kind.

One place for its DDL: the migration runner calls `create` both for a new
database and in the upgrade from version 1 (which also fills it from the rows).

SQLite: an FTS5 table with the trigram tokenizer over " " + customer.search_key
(the stored tone-less text), contentless, kept in step by triggers on customer,
so every write (peewee, shopcrm.db.bulk's executemany, a copy) stays indexed.
A phrase of 3+ characters matches any substring; the leading space makes a
word's first two characters a trigram too (" vy"), so 2-character words are
found as word prefixes.

PostgreSQL: a GIN pg_trgm index on customer.search_key, which LIKE '%x%' uses.
Without the rights to create the extension the search keeps working (the same
LIKE, without the index); that is logged.

Pure database layer: never import Qt or core here.
"""

from __future__ import annotations

import logging

import peewee

log = logging.getLogger(__name__)

FTS_TABLE = "customer_search"  # SQLite: the FTS5 table (and its shadow tables: FTS_TABLE_*)
PG_INDEX = "customer_search_key_trgm"

_SQLITE_DDL = (
    (f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
     "search_key, content='', tokenize='trigram', detail='full')"),
    (f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON customer BEGIN "
     f"INSERT INTO {FTS_TABLE}(rowid, search_key) VALUES (new.id, ' ' || new.search_key); END"),
    (f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON customer BEGIN "
     f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_key) "
     f"VALUES ('delete', old.id, ' ' || old.search_key); END"),
    (f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_key, id ON customer "
     f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_key) "
     f"VALUES ('delete', old.id, ' ' || old.search_key); "
     f"INSERT INTO {FTS_TABLE}(rowid, search_key) VALUES (new.id, ' ' || new.search_key); END"),
)


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
