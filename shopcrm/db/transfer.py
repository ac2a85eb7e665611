"""Copy a whole shop to another, empty database: SQLite -> PostgreSQL, and back.

    counts = copy_database(connection.db.obj, "postgresql://shop:pw@server/crm")

The target is opened apart from the app's database (`connection.open_url`), gets
the current schema from the migration runner, and receives every table in
foreign-key order with its ids kept, all in ONE transaction on the target: a
failure anywhere (a dropped connection, a row the target refuses, counts that
do not match at the end) leaves it as it was. A new SQLite file made for the
copy is removed again. The source is only read, inside one read transaction, so
a counter saving meanwhile does not make the copy inconsistent.

Rows go straight from the source cursor (keyset pages of CHUNK rows) to the
target driver: sqlite3's executemany, or on PostgreSQL (psycopg2) COPY FROM STDIN
in CSV; peewee's row wrapping would cost seconds per 100,000 customers. Secondary
indexes, and on PostgreSQL foreign keys, are dropped after the schema is made and
made again from their own definitions once the rows are in (one sort or one join
each instead of a check per row). Values are only converted when the database
kinds differ (SQLite keeps dates and times as text and booleans as integers):
through each field's python_value, then db_value, as peewee would read and store
them. Measured by benchmarks/bench_transfer.py.

While the target's schema is made, the models are bound to the target (the
migration runner works on them) for every thread: run a copy while nothing else
uses the app's database (the command line, or a window waiting for it).

Pure Python: never import Qt here.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import peewee

from shopcrm.db import connection, migrations, search_index
from shopcrm.db.errors import QT_TRANSLATE_NOOP, KnownError
from shopcrm.db.models import ALL_MODELS, SchemaVersion

Progress = Callable[[int, int], None]  # (rows copied, rows in all)

CHUNK = 5_000  # rows read, converted and written together
PG_PAGE = 1_000  # rows per multi-row VALUES statement on psycopg2 (updates)

# Field classes whose values every driver gives and takes alike: copied as they come.
_PLAIN_FIELDS = (peewee.AutoField, peewee.BigAutoField, peewee.IntegerField,
                 peewee.BigIntegerField, peewee.SmallIntegerField, peewee.CharField,
                 peewee.TextField)

# Fields whose values psycopg2 gives as the Python objects peewee's fields hold.
_SERVER_NATIVE = (peewee.BooleanField, peewee.DateField, peewee.DateTimeField, peewee.TimeField)


class TransferError(KnownError):
    """The shop could not be copied; the target database was left as it was."""


def copy_database(source: peewee.Database, target_url: str,
                  progress: Progress | None = None) -> dict[str, int]:
    """Copy every table of `source` into the empty database at `target_url`.

    Returns the rows copied per table, in copy order (the schema version row is the
    target's own stamp and not counted). Raises TransferError (a KnownError) when the
    target already holds data, when the source is not at this ShopCRM's schema
    version, or when anything fails on the way; the target then holds nothing new.
    """
    path = connection.sqlite_path(target_url)
    made_file = path is not None and not path.exists()
    target = connection.open_url(target_url)
    try:
        with _failure_of(None, target_url), _read_transaction(source):
            _check_source_version(source)
            models = _copy_order()
            expected = {m._meta.table_name: _count(source, m) for m in models}
            counts = _copy_all(source, target, target_url, models, expected, progress)
    except BaseException:
        target.close()
        if made_file:
            _remove_sqlite_file(path)
        raise
    target.close()
    return counts


def _copy_all(source: peewee.Database, target: peewee.Database, target_url: str,
              models: list[type[peewee.Model]], expected: dict[str, int],
              progress: Progress | None) -> dict[str, int]:
    total, done = sum(expected.values()), 0
    counts: dict[str, int] = {}
    with target.atomic():
        _refuse_non_empty(target, target_url)
        # The runner works on the bound models: bound to the target for this call only.
        with target.bind_ctx(ALL_MODELS):
            migrations.migrate(target)
        deferred = _drop_deferrable(target, [m._meta.table_name for m in models])
        for model in models:
            table = model._meta.table_name
            counts[table] = 0
            with _failure_of(table, target_url):
                for written in _copy_table(source, target, model):
                    counts[table] += written
                    done += written
                    if progress is not None:
                        progress(done, total)
        # One sort per index and one join per foreign key, not a check per row.
        for table, statement in deferred:
            with _failure_of(table, target_url):
                target.execute_sql(statement)
        if not isinstance(target, peewee.SqliteDatabase):
            _reset_sequences(target)
        for model in models:
            table = model._meta.table_name
            found = _count(target, model)
            if found != expected[table] or counts[table] != expected[table]:
                raise TransferError(
                    QT_TRANSLATE_NOOP("errors", "The copy of the table {table} holds {found} "
                                      "rows where the shop has {expected}; nothing was written "
                                      "to {url}."),
                    table=table, found=found, expected=expected[table],
                    url=connection.redact(target_url),
                )
    return counts


@contextlib.contextmanager
def _failure_of(table: str | None, target_url: str):
    """A database error (a refused row, a lost connection) while copying `table`, or
    anywhere, as a TransferError; the target's transaction rolls everything back."""
    try:
        yield
    except (peewee.DatabaseError, peewee.InterfaceError) as exc:
        url, reason = connection.redact(target_url), str(exc).strip()
        if table is None:
            raise TransferError(
                QT_TRANSLATE_NOOP("errors", "The copy to {url} failed: {reason}. Nothing "
                                  "was written there."), url=url, reason=reason) from exc
        raise TransferError(
            QT_TRANSLATE_NOOP("errors", "The table {table} could not be copied to {url}: "
                              "{reason}. Nothing was written there."),
            table=table, url=url, reason=reason,
        ) from exc


def _copy_order() -> list[type[peewee.Model]]:
    """Every model, referenced tables first; the version stamp is the target's own."""
    return [m for m in peewee.sort_models(ALL_MODELS) if m is not SchemaVersion]


def _read_transaction(source: peewee.Database):
    """One consistent view of the source that does not hold up its other users."""
    if isinstance(source, peewee.SqliteDatabase):
        return source.atomic(lock_type="DEFERRED")  # a WAL snapshot; writers go on
    if isinstance(source, peewee.PostgresqlDatabase):
        return source.atomic(isolation_level="REPEATABLE READ")  # one snapshot for all
    return source.atomic()


def _check_source_version(source: peewee.Database) -> None:
    table = SchemaVersion._meta.table_name
    found = None
    if source.table_exists(table):
        found = source.execute_sql(
            f"SELECT MAX({_quote(source, SchemaVersion.version.column_name)}) "
            f"FROM {_quote(source, table)}").fetchone()[0]
    if found is None:
        raise TransferError(
            QT_TRANSLATE_NOOP("errors", "This database holds no ShopCRM shop; there is "
                              "nothing to copy."))
    migrations.refuse_newer(found)
    if found != migrations.CURRENT_VERSION:
        raise TransferError(
            QT_TRANSLATE_NOOP("errors", "This shop's database is at schema version {found}, "
                              "and this ShopCRM copies version {current} only. Open it once "
                              "with this ShopCRM to upgrade it, then copy it."),
            found=found, current=migrations.CURRENT_VERSION,
        )


def _refuse_non_empty(target: peewee.Database, target_url: str) -> None:
    """Never merge into or overwrite a shop: only an empty database (or an empty,
    freshly made ShopCRM schema) is taken."""
    ours = {m._meta.table_name for m in ALL_MODELS}
    tables = [t for t in target.get_tables()
              if not t.startswith("sqlite_") and not search_index.is_index_table(t)]
    holds_data = any(t not in ours for t in tables) or any(
        target.execute_sql(f"SELECT 1 FROM {_quote(target, t)} LIMIT 1").fetchone()
        for t in tables if t != SchemaVersion._meta.table_name
    )
    if holds_data:
        raise TransferError(
            QT_TRANSLATE_NOOP("errors", "The database {url} is not empty. A shop is copied "
                              "only into an empty database, never merged into another or "
                              "written over it; nothing was changed there."),
            url=connection.redact(target_url),
        )


def _copy_table(source: peewee.Database, target: peewee.Database,
                model: type[peewee.Model]) -> Iterator[int]:
    """Copy one table chunk by chunk, ids kept; yields the rows written per chunk.

    A reference of the table to itself (a customer's referrer) is written as NULL,
    then set once every row is there, so that rows may point to later ones.
    """
    fields = model._meta.sorted_fields
    self_refs = [i for i, f in enumerate(fields)
                 if isinstance(f, peewee.ForeignKeyField) and f.rel_model is model]
    converters = [(i, _converter(f)) for i, f in enumerate(fields)
                  if _needs_conversion(f, source, target)]
    insert = _Writer(target, model, fields)
    links: list[tuple] = []
    for rows in _read_chunks(source, model, fields):
        if converters:
            rows = [_convert(row, converters) for row in rows]
        if self_refs:
            rows = [list(row) for row in rows]
            for row in rows:
                for i in self_refs:
                    if row[i] is not None:
                        links.append((i, row[i], row[0]))
                        row[i] = None
        yield insert.rows(rows)
    pk = model._meta.primary_key
    for i in self_refs:
        pairs = [(ref, key) for (j, ref, key) in links if j == i]
        _Writer(target, model, [fields[i]], key=pk).update(pairs)


def _read_chunks(source: peewee.Database, model: type[peewee.Model],
                 fields: Sequence[peewee.Field]) -> Iterator[list[tuple]]:
    """The table's rows in primary-key order, CHUNK at a time (keyset pages: flat memory
    on drivers that fetch a whole result at once)."""
    pk = model._meta.primary_key
    if fields[0] is not pk:  # the key comes first in sorted_fields; the paging needs it
        raise ValueError(f"{model.__name__}: the primary key is not the first column")
    columns = ", ".join(_quote(source, f.column_name) for f in fields)
    table, key = _quote(source, model._meta.table_name), _quote(source, pk.column_name)
    first = f"SELECT {columns} FROM {table} ORDER BY {key} LIMIT {CHUNK}"
    after = (f"SELECT {columns} FROM {table} WHERE {key} > {source.param} "
             f"ORDER BY {key} LIMIT {CHUNK}")
    rows = source.execute_sql(first).fetchall()
    while rows:
        yield rows
        if len(rows) < CHUNK:
            return
        rows = source.execute_sql(after, (rows[-1][0],)).fetchall()


def _needs_conversion(field: peewee.Field, source: peewee.Database,
                      target: peewee.Database) -> bool:
    """Between databases of one kind values are copied as stored. SQLite keeps dates and
    times as text and booleans as integers: from SQLite, all but plain values go through
    their field; from a server, those come as the Python objects SQLite's driver takes."""
    from_sqlite, to_sqlite = connection.is_sqlite(source), connection.is_sqlite(target)
    if from_sqlite == to_sqlite or _is_plain(field):
        return False
    return from_sqlite or not isinstance(field, _SERVER_NATIVE)


def _is_plain(field: peewee.Field) -> bool:
    if isinstance(field, peewee.ForeignKeyField):
        return _is_plain(field.rel_field)
    return type(field) in _PLAIN_FIELDS


def _converter(field: peewee.Field) -> Callable:
    """The value as peewee reads it from the source, then as it stores it in the target."""
    python_value, db_value = field.python_value, field.db_value
    return lambda value: db_value(python_value(value))


def _convert(row: Sequence, converters: list[tuple[int, Callable]]) -> list:
    row = list(row)
    for i, convert in converters:
        if row[i] is not None:
            row[i] = convert(row[i])
    return row


class _CopyNull(int):
    """NULL for PostgreSQL's COPY ... (FORMAT csv): the csv module writes it as an unquoted
    empty field (it quotes None like a string under QUOTE_NONNUMERIC: an empty text)."""

    def __str__(self) -> str:
        return ""

    __repr__ = __str__


_NULL = _CopyNull()

# Fields whose values the csv module writes as PostgreSQL reads them (text, numbers,
# True/False, ISO dates and times); a table with any other kind is written by INSERTs.
_COPY_FIELDS = _PLAIN_FIELDS + (peewee.BooleanField, peewee.DateField, peewee.DateTimeField,
                                peewee.TimeField)


class _Writer:
    """INSERT (or UPDATE by key) many rows of one table through the target's driver.

    On psycopg2, rows go in by COPY FROM STDIN, a CSV page per chunk: ~4x faster
    than multi-row INSERTs (`execute_values`, which renders every value in the
    client), which remain for the updates and for tables COPY would not fit."""

    def __init__(self, database: peewee.Database, model: type[peewee.Model],
                 fields: Sequence[peewee.Field], key: peewee.Field | None = None):
        self.database = database
        self.table = _quote(database, model._meta.table_name)
        self.columns = [_quote(database, f.column_name) for f in fields]
        self.key = _quote(database, key.column_name) if key is not None else None
        self.pages = _execute_values(database)
        self.copy = self.pages is not None and all(
            type(f.rel_field if isinstance(f, peewee.ForeignKeyField) else f) in _COPY_FIELDS
            for f in fields)

    def rows(self, rows: list) -> int:
        """INSERT the rows (values in field order); the number written."""
        if not rows:
            return 0
        columns = ", ".join(self.columns)
        if self.copy:
            page = io.StringIO()
            writer = csv.writer(page, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
            writer.writerows([_NULL if v is None else v for v in row] for row in rows)
            page.seek(0)
            with _driver_errors():
                self.database.cursor().copy_expert(
                    f"COPY {self.table} ({columns}) FROM STDIN WITH (FORMAT csv)", page)
        elif self.pages is not None:
            self._paged(f"INSERT INTO {self.table} ({columns}) VALUES %s", rows)
        else:
            marks = ", ".join([self.database.param] * len(self.columns))
            self._many(f"INSERT INTO {self.table} ({columns}) VALUES ({marks})", rows)
        return len(rows)

    def update(self, rows: list) -> None:
        """UPDATE the table's fields by key: each row holds the new values, then the key."""
        if not rows:
            return
        if self.pages is not None:
            names = [f"c{i}" for i in range(len(self.columns))]
            sets = ", ".join(f"{c} = v.{n}" for c, n in zip(self.columns, names))
            self._paged(f"UPDATE {self.table} AS t SET {sets} FROM (VALUES %s) "
                        f"AS v({', '.join(names)}, k) WHERE t.{self.key} = v.k", rows)
        else:
            param = self.database.param
            sets = ", ".join(f"{c} = {param}" for c in self.columns)
            self._many(f"UPDATE {self.table} SET {sets} WHERE {self.key} = {param}", rows)

    def _paged(self, sql: str, rows: list) -> None:
        with _driver_errors():
            self.pages(self.database.cursor(), sql, rows, page_size=PG_PAGE)

    def _many(self, sql: str, rows: Iterable) -> None:
        with _driver_errors():
            self.database.cursor().executemany(sql, rows)


def _execute_values(database: peewee.Database):
    """psycopg2's multi-row VALUES pages, when the target runs on psycopg2 (its
    executemany is a round trip per row); None for other drivers."""
    if not isinstance(database, peewee.PostgresqlDatabase):
        return None
    try:
        import psycopg2
        from psycopg2.extras import execute_values
    except ImportError:
        return None
    return execute_values if isinstance(database.connection(), psycopg2.extensions.connection) \
        else None


def _driver_errors():
    """Driver errors as peewee's own (IntegrityError...), as `execute_sql` gives them."""
    return peewee.__exception_wrapper__


def _reset_sequences(target: peewee.Database) -> None:
    """PostgreSQL hands out ids from a sequence that the copied ids did not move: set each
    to the highest id copied, so the next customer gets the next id (1 for an empty table)."""
    for model in ALL_MODELS:
        pk = model._meta.primary_key
        if not isinstance(pk, peewee.AutoField):  # Setting's key is its text
            continue
        table, key = model._meta.table_name, _quote(target, pk.column_name)
        target.execute_sql(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX({key}), 1), "
            f"MAX({key}) IS NOT NULL) FROM {_quote(target, table)}",
            (_quote(target, table), pk.column_name),
        )


def _drop_deferrable(target: peewee.Database, tables: list[str]) -> list[tuple[str, str]]:
    """Drop what the migration runner made on `tables` that costs a tree update or a
    lookup per row written: secondary indexes, and on PostgreSQL foreign keys (SQLite
    cannot drop those). Returns the (table, statement) pairs that make them again, taken
    from the database itself, so they come back exactly as they were."""
    if isinstance(target, peewee.SqliteDatabase):
        marks = ", ".join("?" * len(tables))
        indexes = target.execute_sql(
            f"SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' "
            f"AND sql IS NOT NULL AND tbl_name IN ({marks}) ORDER BY name", tables).fetchall()
        keys = []
    else:
        # Indexes a constraint relies on (primary keys, referenced keys) stay.
        indexes = target.execute_sql(
            "SELECT tc.relname, ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid "
            "WHERE tc.relnamespace = current_schema()::regnamespace AND tc.relname = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "ORDER BY ic.relname", (tables,)).fetchall()
        keys = target.execute_sql(
            "SELECT tc.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "JOIN pg_class tc ON tc.oid = k.conrelid WHERE k.contype = 'f' "
            "AND tc.relnamespace = current_schema()::regnamespace AND tc.relname = ANY(%s) "
            "ORDER BY tc.relname, k.conname", (tables,)).fetchall()
    make_keys = []
    for table, name, definition in keys:
        table_sql, name_sql = _quote(target, table), _quote(target, name)
        target.execute_sql(f"ALTER TABLE {table_sql} DROP CONSTRAINT {name_sql}")
        make_keys.append((table, f"ALTER TABLE {table_sql} ADD CONSTRAINT {name_sql} "
                                 f"{definition}"))
    for _table, name, _create in indexes:
        target.execute_sql(f"DROP INDEX {_quote(target, name)}")
    # Indexes first: checking a foreign key may use them.
    return [(table, create) for table, _name, create in indexes] + make_keys


def _count(database: peewee.Database, model: type[peewee.Model]) -> int:
    return database.execute_sql(
        f"SELECT COUNT(*) FROM {_quote(database, model._meta.table_name)}").fetchone()[0]


def _quote(database: peewee.Database, name: str) -> str:
    return f"{database.quote[0]}{name}{database.quote[-1]}"


def _remove_sqlite_file(path: Path) -> None:
    """The file made for a copy that failed, with its WAL companions."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
