"""Schema versions and the migration runner.

A new database gets the current schema at once. An older one is upgraded in
place, one version at a time, inside one transaction (playhouse.migrate's
`migration_context`), after `before_upgrade` had the chance to back it up.

To change the schema: bump CURRENT_VERSION, change the models, add a function
to UPGRADES that brings version N-1 to N with the migrator, and save a fixture
database of the old version under tests/fixtures (see make_fixture.py there).
What the models cannot express (version 2: the customer search index, an SQLite
FTS5 table with its triggers or a PostgreSQL pg_trgm index) lives in a module of
its own whose DDL both _create_schema and the upgrade step call.
"""

from __future__ import annotations

from typing import Callable

import peewee
from playhouse.migrate import SchemaMigrator

from shopcrm.db import search_index
from shopcrm.db.errors import QT_TRANSLATE_NOOP, NewerSchemaError
from shopcrm.db.models import ALL_MODELS, Customer, SchemaVersion, utcnow

CURRENT_VERSION = 2


def _add_search_index(migrator: SchemaMigrator) -> None:
    """Version 2: the customer search index (SQLite FTS5 trigram, PostgreSQL pg_trgm)."""
    search_index.create(migrator.database)


# UPGRADES[n] upgrades a database at version n-1 to version n.
UPGRADES: dict[int, Callable[[SchemaMigrator], None]] = {
    2: _add_search_index,
}


def schema_version(database: peewee.Database) -> int | None:
    """The version stamped in the database, or None for a database without our schema."""
    if not database.table_exists(SchemaVersion._meta.table_name):
        return None
    row = SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar()
    return row


def migrate(
    database: peewee.Database,
    before_upgrade: Callable[[int, int], None] | None = None,
) -> int:
    """Bring the database to CURRENT_VERSION and return the version it had (0 if new)."""
    found = schema_version(database)
    if found is None:
        _create_schema(database)
        return 0
    refuse_newer(found)
    if found < CURRENT_VERSION:
        if before_upgrade is not None:
            before_upgrade(found, CURRENT_VERSION)
        _upgrade(database, found)
    return found


def refuse_newer(found: int | None) -> None:
    """A newer ShopCRM's database is refused before anything writes to it."""
    if found is not None and found > CURRENT_VERSION:
        raise NewerSchemaError(
            QT_TRANSLATE_NOOP(
                "errors",
                "This database was made by a newer ShopCRM (schema {found}, this one knows "
                "{current}). Update ShopCRM to open it; nothing was changed.",
            ),
            found=found,
            current=CURRENT_VERSION,
        )


def _create_schema(database: peewee.Database) -> None:
    if database.table_exists(Customer._meta.table_name):
        raise NewerSchemaError(
            QT_TRANSLATE_NOOP("errors", "This database has customer tables but no schema version; "
                              "it was not made by ShopCRM and was left unchanged.")
        )
    with database.atomic():
        database.create_tables(ALL_MODELS)
        search_index.create(database)  # the same DDL as the upgrade to version 2
        SchemaVersion.create(version=CURRENT_VERSION)


def _upgrade(database: peewee.Database, found: int) -> None:
    migrator = SchemaMigrator.from_database(database)
    with migrator.migration_context():
        for version in range(found + 1, CURRENT_VERSION + 1):
            UPGRADES[version](migrator)
            SchemaVersion.update(version=version, upgraded_at=utcnow()).execute()
