"""The imports done so far, and undoing one of them.

Every import is an ImportBatch row (file, sheet, time, counts). Undoing one, in ONE
transaction (after an SQLite "before-undo" backup):
- deletes the customers it created (Customer.import_batch), with what hangs on them
  (purchases, tasks, tag links… by the foreign keys' ON DELETE CASCADE);
- puts the customers it updated back to their previous values, and removes the tag
  links it added to them;
- deletes the purchases a purchases import added;
- deletes the tags it created that nothing uses any more;
- marks the batch undone (ImportBatch.undone_at) and writes an "import_undo" audit entry.

It refuses (KnownError, nothing changed) to undo a batch twice, a batch when a later
import that is not undone touched some of the same customers (undo that one first),
and, unless `force`, a batch whose customers were edited since (their version moved
on): undoing would silently throw those edits away.

Where undo finds what it needs (schema version 3, see db.models):
- customers it created: Customer.import_batch; purchases it added: Purchase.import_batch;
- customers it updated: one ImportChange row each, holding the version the import left
  it at and JSON {field: old value} of the fields it changed (`record_changes`);
- tag links it added to customers it updated, and tags it created: ImportTagLink rows;
- its kind ("customers" or "purchases"): ImportBatch.kind;
- contacts, feedback and care tasks it added (schema version 4): their import_batch;
  undo deletes them. Those of imports made before version 4 cannot be told from the
  others, and that undo is refused (NOT_UNDOABLE).
A customer anonymised since (an erasure request, core.privacy) never gets its old
personal data back: the erasure deleted its ImportChange and ImportTagLink rows, so
undo neither restores it nor waits for it (a customer the import created is still
deleted, after the EDITED_SINCE question: the erasure changed it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import peewee

from shopcrm.core import customers as customers_core
from shopcrm.core import care_rules, segments
from shopcrm.core.errors import QT_TRANSLATE_NOOP, KnownError
from shopcrm.db import auto_backup, backup, bulk
from shopcrm.db.connection import db
from shopcrm.db.models import (
    AuditLog, CareTask, Customer, CustomerTag, Feedback, ImportBatch, ImportChange,
    ImportTagLink, Interaction, Purchase, Tag, utcnow,
)

CHUNK = 500

NO_SUCH_IMPORT = QT_TRANSLATE_NOOP("errors", "There is no import number {batch}.")
NOT_UNDOABLE = QT_TRANSLATE_NOOP(
    "errors", "The import of {file} was made by an older ShopCRM, which did not note the "
              "contacts, feedback or care tasks it added, so it cannot be undone: restore the "
              "backup taken before it instead (File > Restore from backup).")
# The records of these kinds point to their import (schema version 4): undo deletes them.
RECORD_MODELS = {"interactions": Interaction, "feedback": Feedback, "tasks": CareTask}
UNDOABLE_KINDS = ("customers", "purchases", *RECORD_MODELS)
ALREADY_UNDONE = QT_TRANSLATE_NOOP(
    "errors", "The import of {file} was already undone on {date}.")
UNFINISHED = QT_TRANSLATE_NOOP(
    "errors", "The import of {file} never finished, so there is nothing to undo.")
LATER_IMPORT = QT_TRANSLATE_NOOP(
    "errors",
    "The later import of {file} ({date}) changed some of the same customers: undo that "
    "import first.")
EDITED_SINCE = QT_TRANSLATE_NOOP(
    "errors",
    "{count} customers of this import were changed after it (for example {code} {name}); "
    "undoing it would lose those changes, so nothing was undone.")


@dataclass(frozen=True)
class ImportSummary:
    """One line of the import history."""

    id: int
    file_name: str
    sheet: str | None
    kind: str  # "customers", "purchases", "interactions", "feedback" or "tasks"
    started_at: dt.datetime
    finished_at: dt.datetime | None
    total: int
    created: int
    updated: int
    skipped: int
    rejected: int
    undone_at: dt.datetime | None

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


@dataclass(frozen=True)
class UndoResult:
    batch_id: int
    customers_removed: int
    customers_restored: int
    purchases_removed: int
    records_removed: int = 0  # contacts, feedback or care tasks of a records import


# -- the record of what an import changed --------------------------------------------

def to_json(value):
    """A column value as JSON can hold it (dates as ISO text)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _from_json(field: peewee.Field, value):
    if value is None:
        return None
    if isinstance(field, peewee.DateTimeField):
        return dt.datetime.fromisoformat(value)
    if isinstance(field, peewee.DateField):
        return dt.date.fromisoformat(value)
    return value


def record_changes(batch_id: int, updated: dict[int, tuple[int, dict]],
                   links: list[tuple[int, int]], created_tags: list[int]) -> None:
    """Store what undo needs of a customers import (inside its transaction).

    `updated`: customer id -> (version the import left it at, {field: value before});
    `links`: (customer id, tag id) links it added to those customers; `created_tags`:
    ids of the tags it created. Rows go to the driver lazily (bulk.insert_rows).
    """
    bulk.insert_rows(
        ImportChange, (ImportChange.batch, ImportChange.customer, ImportChange.version_after,
                       ImportChange.old_values),
        ((batch_id, cid, version, json.dumps(old, ensure_ascii=False, default=to_json))
         for cid, (version, old) in updated.items()))
    bulk.insert_rows(
        ImportTagLink, (ImportTagLink.batch, ImportTagLink.customer, ImportTagLink.tag,
                        ImportTagLink.tag_created),
        [*((batch_id, cid, tid, False) for cid, tid in links),
         *((batch_id, None, tid, True) for tid in created_tags)])


def load_changes(batch_id: int) -> dict[int, tuple[int, dict]]:
    """customer id -> (version the import left it at, {field: old value}) of `batch_id`."""
    query = (ImportChange.select(ImportChange.customer, ImportChange.version_after,
                                 ImportChange.old_values)
             .where(ImportChange.batch == batch_id).tuples())
    return {cid: (version, json.loads(old)) for cid, version, old in query.iterator()}


# -- history ------------------------------------------------------------------------

def list_imports(limit: int = 50) -> list[ImportSummary]:
    """The last `limit` imports, newest first."""
    batches = ImportBatch.select().order_by(ImportBatch.id.desc()).limit(limit)
    return [ImportSummary(
        id=b.id, file_name=b.file_name, sheet=b.sheet, kind=b.kind,
        started_at=b.started_at, finished_at=b.finished_at, total=b.rows_total,
        created=b.rows_created, updated=b.rows_updated, skipped=b.rows_skipped,
        rejected=b.rows_rejected, undone_at=b.undone_at) for b in batches]


# -- undo ---------------------------------------------------------------------------

def undo_import(batch_id: int, user: str | None = None, force: bool = False,
                backup_folder: Path | None = None) -> UndoResult:
    """Undo import `batch_id` in one transaction (see the module docstring).

    With `force`, customers edited since the import are removed or put back all the
    same (the user confirmed it after the EDITED_SINCE message).
    """
    batch = ImportBatch.get_or_none(ImportBatch.id == batch_id)
    if batch is None:
        raise KnownError(NO_SUCH_IMPORT, batch=batch_id)
    _check_undoable(batch)
    if batch.kind in RECORD_MODELS:
        return _undo_records(batch, user, backup_folder)
    created = [cid for (cid,) in Customer.select(Customer.id)
               .where(Customer.import_batch == batch_id).tuples()]
    # Removing a purchases import's own purchases never conflicts with later imports;
    # removing or restoring customers does, when a later import changed them or added
    # purchases to them.
    bumps = _check_later_imports(batch)
    if not force:
        _check_not_edited(created, load_changes(batch_id), bumps)
    auto_backup.take_backup(backup_folder or backup.backup_dir(), "before-undo")
    with db.atomic():
        batch = ImportBatch.get_by_id(batch_id)  # again, inside the transaction
        _check_undoable(batch)
        changes = load_changes(batch_id)  # an erasure meanwhile took its customer's row
        links = list(ImportTagLink.select(ImportTagLink.customer, ImportTagLink.tag).where(
            (ImportTagLink.batch == batch_id) & ImportTagLink.customer.is_null(False)).tuples())
        new_tags = [tid for (tid,) in ImportTagLink.select(ImportTagLink.tag).where(
            (ImportTagLink.batch == batch_id) & ImportTagLink.tag_created).tuples()]
        care_rules.purchases_of_import_deleted(batch_id)  # their thank-yous go with them
        purchases = Purchase.delete().where(Purchase.import_batch == batch_id).execute()
        removed = _delete_ids(Customer, created)
        # The indexes stay for the deletes: SQLite finds the referrals to each customer
        # removed (ON DELETE SET NULL) through the referred_by index.
        with bulk.deferred_indexes(Customer, len(changes)):
            restored = _restore(changes)
        _remove_links(links)
        _remove_unused_tags(new_tags)
        if purchases or removed:
            segments.recompute_all()  # purchases feed the segments and the value cuts
        ImportBatch.update(undone_at=utcnow()).where(ImportBatch.id == batch_id).execute()
        AuditLog.create(user=user, action="import_undo", details=json.dumps({
            "batch": batch_id, "file": batch.file_name, "removed": removed,
            "restored": restored, "purchases_removed": purchases}, ensure_ascii=False))
    return UndoResult(batch_id, removed, restored, purchases)


def _undo_records(batch: ImportBatch, user: str | None, backup_folder: Path | None) -> UndoResult:
    """Undo an import of contacts, feedback or care tasks: its rows deleted (edited since
    or not: they are the import's own), with the planned follow-ups of its complaints."""
    model = RECORD_MODELS[batch.kind]
    mine = model.select(model.id).where(model.import_batch == batch.id)
    if batch.rows_created and not mine.exists():  # imported before schema version 4
        raise KnownError(NOT_UNDOABLE, file=batch.file_name)
    auto_backup.take_backup(backup_folder or backup.backup_dir(), "before-undo")
    with db.atomic():
        batch = ImportBatch.get_by_id(batch.id)  # again, inside the transaction
        _check_undoable(batch)
        if model is Feedback:
            care_rules.complaints_of_import_deleted(batch.id)
        removed = model.delete().where(model.import_batch == batch.id).execute()
        ImportBatch.update(undone_at=utcnow()).where(ImportBatch.id == batch.id).execute()
        AuditLog.create(user=user, action="import_undo", details=json.dumps({
            "batch": batch.id, "kind": batch.kind, "file": batch.file_name,
            "removed": removed}, ensure_ascii=False))
    return UndoResult(batch.id, 0, 0, 0, removed)


def _check_undoable(batch: ImportBatch) -> None:
    if batch.undone_at is not None:
        raise KnownError(ALREADY_UNDONE, file=batch.file_name, date=_date(batch.undone_at))
    if batch.finished_at is None:
        raise KnownError(UNFINISHED, file=batch.file_name)


def _date(value: dt.datetime) -> str:
    local = value.replace(tzinfo=dt.timezone.utc).astimezone()
    return local.strftime("%d/%m/%Y %H:%M")


def _touched(batch_id: int):
    """The ids of the customers import `batch_id` created or updated (a subquery)."""
    return (Customer.select(Customer.id).where(Customer.import_batch == batch_id)
            | ImportChange.select(ImportChange.customer).where(ImportChange.batch == batch_id))


def _check_later_imports(batch: ImportBatch) -> dict[int, int]:
    """Refuse when a later import, not undone, changed a customer this one created or
    updated (or added purchases to it). Returns, per customer, the version steps that
    later imports since undone account for (each updated it once and put it back once)."""
    touched = _touched(batch.id)
    updated_by: dict[int, list[int]] = {}
    for other, cid in (ImportChange.select(ImportChange.batch, ImportChange.customer)
                       .where((ImportChange.batch > batch.id)
                              & ImportChange.customer.in_(touched)).tuples().iterator()):
        updated_by.setdefault(other, []).append(cid)
    later = set(updated_by) | {other for (other,) in Purchase.select(Purchase.import_batch)
                               .distinct().where((Purchase.import_batch > batch.id)
                                                 & Purchase.customer.in_(touched)).tuples()}
    if not later:
        return {}
    pending = (ImportBatch.select().where(ImportBatch.id.in_(sorted(later))
                                          & ImportBatch.undone_at.is_null())
               .order_by(ImportBatch.id.desc()).first())
    if pending is not None:
        raise KnownError(LATER_IMPORT, file=pending.file_name, date=_date(pending.started_at))
    bumps: dict[int, int] = {}
    for cids in updated_by.values():
        for cid in cids:
            bumps[cid] = bumps.get(cid, 0) + 2
    return bumps


def _check_not_edited(created: list[int], updated: dict[int, tuple[int, dict]],
                      bumps: dict[int, int]) -> None:
    """Refuse when a customer created or updated by the batch was saved again since
    (its version moved beyond what this import and later undone imports explain)."""
    expected = {cid: 1 for cid in created}
    expected.update({cid: entry[0] for cid, entry in updated.items()})
    edited = []
    for chunk in peewee.chunked(list(expected), CHUNK):
        for cid, version in Customer.select(Customer.id, Customer.version).where(
                Customer.id.in_(chunk)).tuples():
            if version != expected[cid] + bumps.get(cid, 0):
                edited.append(cid)
    if edited:
        first = Customer.get_by_id(edited[0])
        raise KnownError(EDITED_SINCE, count=len(edited), code=first.code, name=first.name)


def _delete_ids(model, ids: list[int]) -> int:
    count = 0
    for chunk in peewee.chunked(ids, CHUNK):
        count += model.delete().where(model.id.in_(chunk)).execute()
    return count


def _restore(updated: dict[int, tuple[int, dict]]) -> int:
    """Put the old values back (derived keys recomputed, version + 1), by groups of the
    same changed fields, each group with one UPDATE statement run for every customer."""
    meta = Customer._meta
    groups: dict[tuple[str, ...], list[int]] = {}
    for cid, entry in updated.items():
        groups.setdefault(tuple(sorted(entry[1])), []).append(cid)
    read_names = list(dict.fromkeys(["id", "code", "version", *customers_core.EDITABLE]))
    read_fields = [meta.fields[name] for name in read_names]
    restored, now = 0, utcnow()
    for names, ids in groups.items():
        set_fields = [meta.fields[name] for name in
                      (*names, "search_key", "sort_key", "updated_at", "version")]
        for chunk in peewee.chunked(ids, CHUNK):
            params = []
            for row in Customer.select(*read_fields).where(Customer.id.in_(chunk)).tuples():
                current = dict(zip(read_names, row))
                old = {name: _from_json(meta.fields[name], value)
                       for name, value in updated[current["id"]][1].items()}
                merged = {**current, **old}
                merged.update(customers_core.derived(merged), updated_at=now,
                              version=current["version"] + 1)
                params.append([merged[f.name] for f in set_fields] + [current["id"]])
            restored += bulk.update_rows(Customer, set_fields, ("id",), params)
    return restored


def _remove_links(links: list[tuple[int, int]]) -> None:
    by_tag: dict[int, list[int]] = {}
    for cid, tid in links:
        by_tag.setdefault(tid, []).append(cid)
    for tid, cids in by_tag.items():
        for chunk in peewee.chunked(cids, CHUNK):
            CustomerTag.delete().where((CustomerTag.tag == tid)
                                       & CustomerTag.customer.in_(chunk)).execute()


def _remove_unused_tags(tag_ids: list[int]) -> None:
    for chunk in peewee.chunked(tag_ids, CHUNK):
        used = CustomerTag.select(CustomerTag.tag).where(CustomerTag.tag.in_(chunk))
        Tag.delete().where(Tag.id.in_(chunk) & Tag.id.not_in(used)).execute()
