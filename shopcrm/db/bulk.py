"""Bulk writes for peewee models: peewee writes the SQL, the driver binds the rows.

peewee's `insert_many` renders every value of every row in Python: 3.6-4.5 µs a
value written on a 2-core machine, against ~1 µs here (the table below), and
70-80 % of the write time for 100,000 customers. Here peewee still writes the
statement, for ONE row (its quoting, its parameter style, its conflict clause:
SQLite and PostgreSQL alike), and the driver runs it over all the rows with
`cursor.executemany`, binding the values in C:

    with db.atomic():
        bulk.insert_rows(Tag, ["name"], [("VIP",), ("Khách sỉ",)])
        matched = bulk.update_rows(Customer, ["name", "version"], ["id", "version"],
                                   [("An", 2, 7, 1)])  # SET name, version WHERE id, version

Values of the plain types below go to the driver as they are (the form peewee's
fields give them anyway); others go through their field's `db_value`, as peewee
would do. Driver errors come out as peewee's own (IntegrityError...), and all runs
in the caller's transaction: an enclosing `db.atomic()` rolls it back as usual.

Why executemany: measured on SQLite 3.40, Python 3.11, 2 busy cores, WAL with
synchronous=full, replaying the exact calls of a run into a fresh file in one
transaction, the strategies taking turns; best CPU time of each of two rounds:

    the rows written by                  executemany   multi-row VALUES   insert_many
    demo.generate(100000, seed=1)        5.9 / 6.0 s   6.5 / 7.8 s
      (1,401 calls, 794,124 rows, 7.1 M values)
    bench_import.py's 100,000-row CSV    2.4 / 2.6 s   2.3 / 2.6 s        9.0 s
      (53 calls, 258,013 rows, 2.5 M values)

Multi-row VALUES (peewee's one-row INSERT repeated to batches, run by execute_sql,
which demo.py used) is no faster, and needs batches under the driver's variable
limit (999 before SQLite 3.32), fills sqlite3's prepared-statement cache with
statements of thousands of parameters, and holds each batch in memory, whereas
executemany takes the rows lazily: a generator of rows is written in flat memory.
Whole runs, before -> after: bench_demo.py 22.5 -> 19.2 s (peak 97 -> 90 MB);
bench_import.py writes 7.9 -> 5.6 s (CSV), 8.3 -> 7.7 s (xlsx), 8.3 -> 8.3 s
(update), on a machine shared with other work (±20 %).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Sequence

import peewee

from shopcrm.db.connection import db

# Values the drivers take as they are; others go through the field's db_value.
PLAIN_TYPES = frozenset((type(None), str, int, bool, float, dt.date, dt.datetime))

FieldRef = str | peewee.Field


def insert_rows(model: type[peewee.Model], fields: Sequence[FieldRef],
                rows: Iterable[Sequence], *, ignore_conflicts: bool = False) -> int:
    """INSERT `rows` (values in the order of `fields`) into `model`'s table; rows written.

    peewee would fill in the defaults of the fields left out, row by row; one fixed
    statement cannot, so every field with a default must be given (ValueError).
    With `ignore_conflicts`, rows breaking a unique constraint are skipped, and not
    counted (SQLite INSERT OR IGNORE, which also skips NOT NULL and CHECK failures;
    PostgreSQL ON CONFLICT DO NOTHING).
    """
    columns = _resolve(model, fields)
    defaulted = [f.name for f in model._meta.defaults if f not in columns]
    if defaulted:
        raise ValueError(f"{model.__name__}: give values for {defaulted}")
    sql = _insert_sql(model, tuple(columns), ignore_conflicts, type(db.obj))
    return _execute_many(sql, columns, rows)


def update_rows(model: type[peewee.Model], set_fields: Sequence[FieldRef],
                key_fields: Sequence[FieldRef], rows: Iterable[Sequence]) -> int:
    """UPDATE t SET <set_fields> WHERE <key_fields> = ... AND ..., per row; rows matched.

    Each row holds the new values of `set_fields`, then the values of `key_fields`
    to find the row by. With the version among the keys, a total below the number
    of rows given means someone saved one of them meanwhile (optimistic locking):
    the caller decides what then (usually: roll back and say so).
    """
    sets, keys = _resolve(model, set_fields), _resolve(model, key_fields)
    if not sets or not keys:
        raise ValueError("update_rows needs fields to set and key fields to match")
    sql = _update_sql(model, tuple(sets), tuple(keys), type(db.obj))
    return _execute_many(sql, sets + keys, rows)


WRITE_CACHE_MB = 128


@contextlib.contextmanager
def write_cache(megabytes: int = WRITE_CACHE_MB):
    """SQLite: a bigger page cache for the block (a big write keeps its indexes' pages
    in memory: 100,000 customers inserted in 1.7 s instead of 2.3 s), then the one the
    connection had. A per-connection setting, not part of any transaction; other
    databases: nothing."""
    if not isinstance(db.obj, peewee.SqliteDatabase):
        yield
        return
    (before,) = db.execute_sql("PRAGMA cache_size").fetchone()
    if before < 0 and -before >= megabytes * 1024 or before > 0:
        yield  # already as big (a size in pages is left alone)
        return
    db.execute_sql(f"PRAGMA cache_size = {-megabytes * 1024}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(before)}")


DEFER_INDEXES_MIN = 10_000  # rows: below this, keeping the indexes up to date is cheap


@contextlib.contextmanager
def deferred_indexes(model: type[peewee.Model], coming: int):
    """SQLite: the table's non-unique indexes dropped for a big write and built again
    at the end of the block, when the `coming` rows inserted or updated are at least
    as many as the table holds.

    Measured with bench_import.py's 100,000 customers into an empty table (13
    indexes): inserting with the indexes 2.4 s + 0.5 s more to commit; without
    them 0.7 s, and building them afterwards (sorting once) 0.55 s. Updating all
    of them: 5.6 -> 3.6 s. For a write smaller than the table, the rebuild would
    sort more rows than the write touches, so the indexes stay.

    Run inside the caller's transaction: SQLite rolls the DDL back with it, so a
    cancel or error leaves the indexes as they were. Unique indexes stay, as they
    are constraints the insert must meet. The indexes are made again from their
    own SQL (sqlite_master), so they come back exactly as they were; also when the
    block fails, in case the caller keeps the transaction. Other databases: nothing.
    """
    if not isinstance(db.obj, peewee.SqliteDatabase) or coming < DEFER_INDEXES_MIN:
        yield
        return
    table = model._meta.table_name
    (present,) = db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()
    if coming < present:
        yield
        return
    dropped = [(name, sql) for name, sql in db.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL", (table,)) if not sql.upper().startswith("CREATE UNIQUE")]
    for name, _ in dropped:
        db.execute_sql(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        for _, sql in dropped:
            db.execute_sql(sql)


# Fields whose python_value gives back what the drivers return (str, int or None).
_AS_READ = frozenset((peewee.CharField, peewee.TextField, peewee.IntegerField,
                      peewee.BigIntegerField, peewee.AutoField, peewee.ForeignKeyField))
SELECT_CHUNK = 500  # ids per SELECT (under SQLite's old 999-variable limit)


def select_by_ids(model: type[peewee.Model], fields: Sequence[FieldRef],
                  ids: Iterable[int], key: FieldRef = "id") -> Iterable[tuple]:
    """The rows of `model` whose `key` is one of `ids`, as tuples of `fields`' Python
    values (as peewee's .tuples() gives them), in pages of SELECT_CHUNK ids.

    peewee renders an IN list value by value (~10 µs an id) and converts every value
    read; here the statement is written once per page size and only values the
    driver does not give in their Python form (dates, booleans...) are converted.
    """
    columns = _resolve(model, fields)
    match = _resolve(model, [key])[0]
    converters = [None if type(f) in _AS_READ else f.python_value for f in columns]
    convert = any(converters)
    ids = list(ids)
    for start in range(0, len(ids), SELECT_CHUNK):
        chunk = ids[start:start + SELECT_CHUNK]
        sql = _select_sql(model, tuple(columns), match, len(chunk), type(db.obj))
        with driver_errors_as_peewee():
            cursor = db.cursor()
            cursor.execute(sql, chunk)
            rows = cursor.fetchall()
        if not convert:
            yield from rows
            continue
        for row in rows:
            yield tuple([value if to_python is None or value is None else to_python(value)
                         for to_python, value in zip(converters, row)])


@functools.lru_cache(maxsize=64)
def _select_sql(model: type[peewee.Model], columns: tuple[peewee.Field, ...],
                match: peewee.Field, count: int, dialect: type[peewee.Database]) -> str:
    def quote(name: str) -> str:
        return f"{db.quote[0]}{name}{db.quote[-1]}"

    return (f"SELECT {', '.join(quote(f.column_name) for f in columns)} "
            f"FROM {quote(model._meta.table_name)} "
            f"WHERE {quote(match.column_name)} IN ({', '.join([db.param] * count)})")


def driver_errors_as_peewee():
    """The context `Database.execute_sql` runs in: driver errors become peewee's own
    (sqlite3.IntegrityError -> peewee.IntegrityError...). A no-op if peewee lacks it."""
    return getattr(peewee, "__exception_wrapper__", None) or contextlib.nullcontext()


def _resolve(model: type[peewee.Model], fields: Sequence[FieldRef]) -> list[peewee.Field]:
    return [model._meta.fields[f] if isinstance(f, str) else f for f in fields]


def _execute_many(sql: str, fields: list[peewee.Field], rows: Iterable[Sequence]) -> int:
    """Run `sql` once per row with the driver's executemany; the rows it changed.

    sqlite3 and psycopg2 both sum rowcount over executemany. psycopg2's executemany
    is a round trip per row, though: when PostgreSQL comes, its fast path for inserts
    is `psycopg2.extras.execute_values` (multi-row VALUES pages; its rowcount is the
    last page's only, so update_rows, which counts matches, keeps executemany).
    """
    rows = iter(rows)
    first = next(rows, None)
    if first is None:  # drivers disagree on the rowcount of nothing
        return 0
    params = _params(fields, itertools.chain((first,), rows))
    with driver_errors_as_peewee():
        cursor = db.cursor()
        cursor.executemany(sql, params)
        return cursor.rowcount


def _params(fields: list[peewee.Field], rows: Iterable[Sequence]) -> Iterable[Sequence]:
    """Each row as the driver takes it: unchanged when every value is plain (checked in C)."""
    converters, width = [f.db_value for f in fields], len(fields)
    plain = PLAIN_TYPES.issuperset
    for row in rows:
        if plain(map(type, row)):
            yield row  # a wrong length is the driver's error to raise
            continue
        if len(row) != width:
            raise ValueError(f"a row of {len(row)} values for {width} fields")
        yield tuple([value if type(value) in PLAIN_TYPES else convert(value)
                     for convert, value in zip(converters, row)])


@functools.lru_cache(maxsize=64)
def _insert_sql(model: type[peewee.Model], columns: tuple[peewee.Field, ...],
                ignore_conflicts: bool, dialect: type[peewee.Database]) -> str:
    """peewee's INSERT of one row, per database kind (cached: 0.4 ms each)."""
    query = model.insert_many([[None] * len(columns)], fields=list(columns))
    if ignore_conflicts:
        query = query.on_conflict_ignore()
    sql, params = query.returning().sql()  # PostgreSQL would add RETURNING id by default
    if len(params) != len(columns):
        raise ValueError(f"{model.__name__}: peewee did not make one parameter a field: {sql}")
    return sql


@functools.lru_cache(maxsize=64)
def _update_sql(model: type[peewee.Model], sets: tuple[peewee.Field, ...],
                keys: tuple[peewee.Field, ...], dialect: type[peewee.Database]) -> str:
    """UPDATE t SET a = ?, b = ? WHERE k = ? AND ..., in the database's quoting and style."""
    def quote(name: str) -> str:
        return f"{db.quote[0]}{name}{db.quote[-1]}"

    assignments = ", ".join(f"{quote(f.column_name)} = {db.param}" for f in sets)
    match = " AND ".join(f"{quote(f.column_name)} = {db.param}" for f in keys)
    return f"UPDATE {quote(model._meta.table_name)} SET {assignments} WHERE {match}"
