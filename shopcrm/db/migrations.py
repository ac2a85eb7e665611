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

Versions: 1 the first release; 2 the customer search index; 3 what import undo needs
(tables import_change and import_tag_link, columns import_batch.kind and
purchase.import_batch_id; the step converts the records version 2 kept in audit_log,
see _add_import_undo); 4 undo of the contacts, feedback and care tasks imports (their
tables' import_batch_id columns).
"""

from __future__ import annotations

import json
from typing import Callable

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

from shopcrm.db import search_index
from shopcrm.db.errors import QT_TRANSLATE_NOOP, NewerSchemaError
from shopcrm.db.models import (
    ALL_MODELS, AuditLog, CareTask, Customer, Feedback, ImportBatch, ImportChange, ImportTagLink,
    Interaction, Purchase, SchemaVersion, Tag, utcnow,
)

CURRENT_VERSION = 4


def _add_search_index(migrator: SchemaMigrator) -> None:
    """Version 2: the customer search index (SQLite FTS5 trigram, PostgreSQL pg_trgm)."""
    search_index.create(migrator.database)


def _add_import_undo(migrator: SchemaMigrator) -> None:
    """Version 3: where import undo keeps its data (ImportChange, ImportTagLink,
    ImportBatch.kind, Purchase.import_batch), then version 2's records moved there.
    What exists already is left as it is (a database stamped back to an older version
    by a test or by hand)."""
    migrator.database.create_tables([ImportChange, ImportTagLink])  # IF NOT EXISTS
    _add_missing_columns(migrator, (ImportBatch.kind, Purchase.import_batch))
    _convert_v2_undo_records()


def _add_record_import_batches(migrator: SchemaMigrator) -> None:
    """Version 4: the import that added a contact, feedback or care task (undo deletes
    them). Rows already there stay without one: they cannot be undone, as before."""
    _add_missing_columns(
        migrator, (Interaction.import_batch, Feedback.import_batch, CareTask.import_batch))


def _add_missing_columns(migrator: SchemaMigrator, fields) -> None:
    """Each field's column (and its index) added to its table, unless already there."""
    for field in fields:
        table = field.model._meta.table_name
        if field.column_name not in {c.name for c in migrator.database.get_columns(table)}:
            run_operations(migrator.add_column(table, field.column_name, field))


V2_UNDO_ACTION = "import_before"
V2_CHUNK = 500


def _convert_v2_undo_records() -> None:
    """Version 2 kept what undo needs in audit_log rows (action "import_before", details
    JSON {"batch", "kind", "updated": {customer id: [version after, {field: old}]},
    "links": [[customer, tag]], "tags": [tag], "purchases": [purchase id]}) and an
    import's kind in its "import" entry. They become ImportChange and ImportTagLink rows,
    purchase.import_batch_id and import_batch.kind, so the imports done before the
    upgrade can still be undone; then the "import_before" rows are deleted (they were
    storage, not events, and held old personal data). Nothing is converted for a
    customer or tag that no longer exists, nor old values of a customer erased since
    the import (an "erase" entry: they must never come back)."""
    records: dict[int, dict] = {}
    for details, in (AuditLog.select(AuditLog.details).where(AuditLog.action == V2_UNDO_ACTION)
                     .order_by(AuditLog.id).tuples()):
        data = _json_object(details)
        if isinstance(data.get("batch"), int):
            records[data["batch"]] = data  # the newest record of a batch wins, as in v2
    purchase_batches = {b for b, data in records.items() if data.get("kind") == "purchases"}
    for details, in (AuditLog.select(AuditLog.details).where(
            (AuditLog.action == "import") & AuditLog.details.contains('"purchases"')).tuples()):
        data = _json_object(details)
        if data.get("kind") == "purchases" and isinstance(data.get("batch"), int):
            purchase_batches.add(data["batch"])
    for chunk in peewee.chunked(sorted(purchase_batches), V2_CHUNK):
        ImportBatch.update(kind="purchases").where(ImportBatch.id.in_(chunk)).execute()
    if records:
        _convert_records(records)
    AuditLog.delete().where(AuditLog.action == V2_UNDO_ACTION).execute()


def _json_object(text: str | None) -> dict:
    try:
        data = json.loads(text or "")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _convert_records(records: dict[int, dict]) -> None:
    started = dict(ImportBatch.select(ImportBatch.id, ImportBatch.started_at).tuples())
    customers = {cid for (cid,) in Customer.select(Customer.id).tuples()}
    tags = {tid for (tid,) in Tag.select(Tag.id).tuples()}
    erased = _erased_at()
    changes, links = [], []
    for batch_id, data in sorted(records.items()):
        if batch_id not in started:
            continue
        kept = {cid for cid in map(int, data.get("updated", {}))
                if cid in customers and (cid not in erased or erased[cid] < started[batch_id])}
        for cid, entry in data.get("updated", {}).items():
            if int(cid) in kept:
                changes.append((batch_id, int(cid), int(entry[0]),
                                json.dumps(entry[1], ensure_ascii=False)))
        links += [(batch_id, cid, tid, False) for cid, tid in data.get("links", [])
                  if cid in kept and tid in tags]
        links += [(batch_id, None, tid, True) for tid in data.get("tags", []) if tid in tags]
        for chunk in peewee.chunked(data.get("purchases", []), V2_CHUNK):
            Purchase.update(import_batch=batch_id).where(Purchase.id.in_(chunk)).execute()
    change_fields = [ImportChange.batch, ImportChange.customer, ImportChange.version_after,
                     ImportChange.old_values]
    for chunk in peewee.chunked(changes, V2_CHUNK):
        ImportChange.insert_many(chunk, fields=change_fields).as_rowcount().execute()
    link_fields = [ImportTagLink.batch, ImportTagLink.customer, ImportTagLink.tag,
                   ImportTagLink.tag_created]
    for chunk in peewee.chunked(links, V2_CHUNK):
        ImportTagLink.insert_many(chunk, fields=link_fields).as_rowcount().execute()


def _erased_at() -> dict:
    """customer id -> when its personal data was last erased ("erase" audit entries)."""
    prefix = "personal data of "
    by_code: dict = {}
    for at, details in (AuditLog.select(AuditLog.at, AuditLog.details)
                        .where(AuditLog.action == "erase").tuples()):
        if details and details.startswith(prefix):
            code = details[len(prefix):]
            by_code[code] = max(at, by_code.get(code, at))
    found = {}
    for chunk in peewee.chunked(list(by_code), V2_CHUNK):
        for cid, code in Customer.select(Customer.id, Customer.code).where(
                Customer.code.in_(chunk)).tuples():
            found[cid] = by_code[code]
    return found


# UPGRADES[n] upgrades a database at version n-1 to version n.
UPGRADES: dict[int, Callable[[SchemaMigrator], None]] = {
    2: _add_search_index,
    3: _add_import_undo,
    4: _add_record_import_batches,
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
