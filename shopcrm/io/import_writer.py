"""Writing an import plan: matching rows to customers, then one transaction.

`write()` is what `importer.run_import()` runs once the plan was shown: every row is
matched against the customers (code, else phone, else email) and the earlier rows
of the file, then new customers, updates and tag links are written in ONE
transaction, so a cancel or any unexpected error leaves the database as it was.

Speed matters (shops bring 100,000-row lists): existing customers are indexed once
in memory, and rows are written by shopcrm.db.bulk in large batches (peewee's SQL,
the driver's executemany), so no row costs a query of its own. Cancel is checked
and progress told between batches.
"""

from __future__ import annotations

import json
import operator
import re
from pathlib import Path
from typing import Callable

import peewee

from shopcrm.core import customers
from shopcrm.core.errors import QT_TRANSLATE_NOOP, ConflictError, ValidationError
from shopcrm.core.text import fold
from shopcrm.db import auto_backup, backup, bulk, search_index
from shopcrm.db.connection import db
from shopcrm.db.models import AuditLog, Customer, CustomerTag, ImportBatch, Tag, utcnow
from shopcrm.io import import_history
from shopcrm.io import mapping as mapping_module
from shopcrm.io.importer import (
    CellError, ImportCancelled, ImportPlan, ImportResult, PlannedRow, Progress,
)

REFERRER_REFUSED = QT_TRANSLATE_NOOP(
    "errors", "The referrer {code} is the customer of a row of this file that was refused: "
              "fix that row too.")
CHECK_EVERY = 2_000  # rows between cancel checks while matching
INSERT_BATCH = 5_000  # rows per bulk insert: cancel is checked and progress told between them
UPDATE_BATCH = 1_000


def write(plan: ImportPlan, policy: str, progress: Progress | None = None,
          cancel: Callable[[], bool] | None = None, user: str | None = None,
          backup_folder: Path | None = None) -> ImportResult:
    """Back up (SQLite), then write the plan's valid rows in one transaction (see
    importer.run_import)."""
    auto_backup.take_backup(backup_folder or backup.backup_dir(), "before-import")
    with db.atomic():
        return write_in_transaction(plan, policy, progress, cancel, user)


def write_in_transaction(plan: ImportPlan, policy: str, progress: Progress | None = None,
                         cancel: Callable[[], bool] | None = None,
                         user: str | None = None) -> ImportResult:
    """The writing itself, inside the caller's transaction (no backup)."""
    return _Run(plan, policy, progress, cancel).execute(user)


class _Run:
    """The state of one import inside its transaction."""

    def __init__(self, plan: ImportPlan, policy: str, progress: Progress | None,
                 cancel: Callable[[], bool] | None):
        self.plan, self.policy = plan, policy
        self.progress, self.cancel = progress, cancel
        # New customers as [values, code, tags]; values is the plan's dict, copied
        # only when a later row of the file is merged into it.
        self.creates: list[list] = []
        self.updates: dict[int, list] = {}  # existing customer id -> [changes, None, tags]
        self.keys: dict[tuple[str, str], tuple[str, int]] = {}  # (kind, key) -> target
        self.used_codes: set[str] = set()
        self.result = ImportResult(batch_id=0, headers=plan.table.headers)
        # What undo needs (import_history): updated customers' previous values and the
        # version this import left them at, tag links added to them, tags created.
        self.before: dict[int, tuple[int, dict]] = {}
        self.added_links: list[tuple[int, int]] = []
        self.new_tag_ids: list[int] = []
        self.index = search_index.BulkIndexer(None)  # execute() sets the real one

    def execute(self, user: str | None) -> ImportResult:
        plan, result = self.plan, self.result
        batch = ImportBatch.create(
            file_name=plan.path.name, sheet=plan.table.sheet, rows_total=len(plan.rows),
            kind="customers",
            mapping=json.dumps(mapping_module.mapping_by_header(plan.table.headers, plan.mapping),
                               ensure_ascii=False))
        result.batch_id = batch.id
        self._index_existing()
        self._match_all()
        total = len(self.creates) + len(self.updates)
        self._report(0, total)
        # SQLite: the search index is filled in one statement rather than by its per-row
        # triggers (a third of the write time), the other indexes are built after the
        # insert when it doubles the table, and a bigger page cache while writing.
        with bulk.write_cache(), search_index.bulk_writes(db.obj) as self.index:
            with bulk.deferred_indexes(Customer, len(self.creates)):
                new_ids = self._insert_creates(batch.id, total)
            self._resolve_referrers(new_ids)
            with bulk.deferred_indexes(Customer, len(self.updates)):
                self._apply_updates(len(self.creates), total)
        self._link_tags(new_ids)
        import_history.record_changes(batch.id, self.before, self.added_links,
                                      self.new_tag_ids)
        ImportBatch.update(finished_at=utcnow(), rows_created=result.created,
                           rows_updated=result.updated, rows_skipped=result.skipped,
                           rows_rejected=result.rejected).where(ImportBatch.id == batch.id).execute()
        AuditLog.create(user=user, action="import", details=json.dumps({
            "batch": batch.id, "kind": "customers", "file": plan.path.name,
            "sheet": plan.table.sheet, "created": result.created, "updated": result.updated, "skipped": result.skipped,
            "rejected": result.rejected, "policy": self.policy}, ensure_ascii=False))
        return result

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ImportCancelled()

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def _index_existing(self) -> None:
        """Codes of every customer (trash too: codes stay unique); keys of the live ones."""
        query = Customer.select(Customer.id, Customer.code, Customer.phone, Customer.phone2,
                                Customer.email, Customer.deleted_at.is_null())
        # Plain text and ids, read straight from the cursor (peewee's per-value
        # conversion was a second for 100,000 customers).
        setdefault, used = self.keys.setdefault, self.used_codes
        for cid, code, phone, phone2, email, live in db.execute(query):
            used.add(code)
            if live:
                target = ("db", cid)
                if code:
                    setdefault(("code", code), target)
                if phone:
                    setdefault(("phone", phone), target)
                if phone2:
                    setdefault(("phone", phone2), target)
                if email:
                    setdefault(("email", email), target)

    def _match_all(self) -> None:
        """_match_rows(), again without the rows whose referrer (a code of the file, see
        importer) ends up nobody: its row was refused while writing (code taken by a
        customer in the trash). Those rows are rejected, as at planning."""
        self.refused: dict[int, str] = {}  # row number -> the referrer code that is nobody
        self.code_targets: dict[str, tuple[str, int]] = {}
        if not any(row.values and "referrer_code" in row.values for row in self.plan.rows):
            self._match_rows()
            return
        keys, used = dict(self.keys), set(self.used_codes)
        while True:
            self._match_rows()
            orphans = {row.row_number: row.values["referrer_code"] for row in self.plan.rows
                       if row.values and row.values.get("referrer_code")
                       and row.row_number not in self.refused
                       and row.values["referrer_code"] not in self.code_targets}
            if not orphans:
                return
            self.refused.update(orphans)
            self.keys, self.used_codes = dict(keys), set(used)
            self.creates, self.updates, self.code_targets = [], {}, {}
            result = self.result  # execute() holds it: reset in place
            result.created = result.updated = result.skipped = 0
            result.rejected_rows, result.skipped_rows = [], []

    def _match_rows(self) -> None:
        """Decide for every row: create, merge into a customer (update), skip or reject."""
        reserved = self.used_codes | {row.values["code"] for row in self.plan.rows
                                      if row.values and "code" in row.values}
        codes = _code_numbers(reserved)
        for position, row in enumerate(self.plan.rows):
            if position % CHECK_EVERY == 0:
                self._check_cancel()
            if row.values is None:
                self.result.rejected_rows.append(row)
                continue
            if row.row_number in self.refused:
                self._reject(row, REFERRER_REFUSED, code=self.refused[row.row_number],
                             field="referred_by")
                continue
            keys = [(kind, row.values.get(kind)) for kind in ("code", "phone", "email")]
            keys = [key for key in keys if key[1]]
            target = next((self.keys[key] for key in keys if key in self.keys), None)
            if target is None or self.policy == "create":
                code = row.values.get("code")
                if code in self.used_codes:
                    self._reject(row, QT_TRANSLATE_NOOP(
                        "errors", "The code {code} is already used by another customer "
                                  "(perhaps one in the trash)."), code=code)
                    continue
                code = code or next(codes)
                self.used_codes.add(code)
                self.creates.append([row.values, code, row.tags])
                target = ("new", len(self.creates) - 1)
                self.result.created += 1
            elif self.policy == "skip":
                self.result.skipped += 1
                self.result.skipped_rows.append(row.row_number)
                if row.values.get("code"):  # a referrer code of the file: that customer
                    self.code_targets.setdefault(row.values["code"], target)
                continue
            else:
                self._merge(target, row)
                self.result.updated += 1
            if row.values.get("code"):
                self.code_targets.setdefault(row.values["code"], target)
            for key in keys:
                self.keys.setdefault(key, target)

    def _reject(self, row: PlannedRow, message: str, field: str = "code", **params) -> None:
        """Reports a row refused while writing (the plan itself is left as it was)."""
        column = next((i for i, name in self.plan.mapping.items() if name == field), None)
        header = self.plan.table.headers[column] if column is not None else ""
        error = CellError(header, ValidationError(message, **params), column)
        self.result.rejected_rows.append(
            PlannedRow(row.row_number, row.cells, None, row.tags, [error]))

    def _merge(self, target: tuple[str, int], row: PlannedRow) -> None:
        """Later rows win field by field; the code of a customer never changes."""
        where, ident = target
        if where == "new":
            entry = self.creates[ident]
        else:
            entry = self.updates.setdefault(ident, [{}, None, []])
        merged = {**entry[0], **{k: v for k, v in row.values.items() if k != "code"}}
        if "referred_by" in row.values:  # the row's referrer wins over an earlier one
            merged.pop("referrer_code", None)
        elif "referrer_code" in row.values:
            merged.pop("referred_by", None)
        entry[0] = merged
        entry[2] = entry[2] + [tag for tag in row.tags if tag not in entry[2]]

    def _insert_creates(self, batch_id: int, total: int) -> dict[str, int]:
        """Insert the new customers in big batches; returns their ids by code."""
        if not self.creates:
            return {}
        now, meta = utcnow(), Customer._meta
        present = {key for values, _, _ in self.creates for key in values}
        present |= {"code", "search_key", "sort_key", "import_batch", "created_at", "updated_at"}
        fields = [f for f in meta.sorted_fields
                  if f.name != "id" and (f.name in present or f.default is not None)]
        defaults = {f.name: (f.default() if callable(f.default) else f.default) for f in fields}
        if search_index.is_sqlite(db.obj):  # what sqlite3's adapter makes of it, made once
            now = now.isoformat(" ")
        defaults.update(import_batch=batch_id, created_at=now, updated_at=now)
        row_of = operator.itemgetter(*[f.name for f in fields])
        derived = customers.derived
        for start, chunk in zip(range(0, len(self.creates), INSERT_BATCH),
                                peewee.chunked(self.creates, INSERT_BATCH)):
            self._check_cancel()
            rows = []
            for values, code, _ in chunk:
                full = {**defaults, **values, "code": code}
                full.update(derived(full))
                rows.append(row_of(full))
            bulk.insert_rows(Customer, fields, rows)
            self._report(start + len(chunk), total)
        self.index.inserted()  # at once: an FTS5 insert per batch cost 1 s more in all
        query = Customer.select(Customer.code, Customer.id).where(Customer.import_batch == batch_id)
        return dict(db.execute(query).fetchall())  # plain values: peewee's rows cost 0.3 s

    def _resolve_referrers(self, new_ids: dict[str, int]) -> None:
        """Referrer codes of the file -> customer ids, once the new customers exist: the
        updates get "referred_by" (so undo restores the old one); the new customers
        are updated in place (the same transaction, their version unchanged)."""
        def resolve(code: str) -> int:
            where, ident = self.code_targets[code]
            return ident if where == "db" else new_ids[self.creates[ident][1]]

        for entry in self.updates.values():
            if "referrer_code" in entry[0]:
                entry[0] = {**entry[0], "referred_by": resolve(entry[0]["referrer_code"])}
                del entry[0]["referrer_code"]
        referrals: dict[int, list[int]] = {}
        for values, code, _ in self.creates:
            if values.get("referrer_code"):
                referrals.setdefault(resolve(values["referrer_code"]), []).append(new_ids[code])
        for referrer, ids in referrals.items():
            for chunk in peewee.chunked(ids, 900):
                Customer.update(referred_by=referrer).where(Customer.id.in_(chunk)).execute()

    def _apply_updates(self, done: int, total: int) -> None:
        """Each existing customer once: merged values, fresh derived keys, version + 1.

        One UPDATE statement for every customer (the columns any row changes), run
        by bulk.update_rows: a query built per customer cost 35 s for 100,000 updates.
        The version in the WHERE clause refuses a change saved meanwhile elsewhere.
        """
        if not self.updates:
            return
        meta = Customer._meta
        changed = {name for changes, _, _ in self.updates.values() for name in changes}
        changed |= {"search_key", "sort_key", "updated_at", "version"}
        set_fields = [f for f in meta.sorted_fields if f.name in changed]
        read_names = list(dict.fromkeys(["id", "code", "version", *customers.EDITABLE]))
        read_fields = [meta.fields[name] for name in read_names]
        now = utcnow()
        for chunk in peewee.chunked(list(self.updates), UPDATE_BATCH):
            self._check_cancel()
            params = []
            for row in bulk.select_by_ids(Customer, read_fields, chunk):
                current = dict(zip(read_names, row))
                changes = self.updates[current["id"]][0]
                # (version this import leaves, {field: old value}): an ImportChange row
                self.before[current["id"]] = (
                    current["version"] + 1,
                    {name: current[name] for name in changes
                     if name in current and current[name] != changes[name]})
                merged = {**current, **changes}
                merged.update(customers.derived(merged), updated_at=now,
                              version=current["version"] + 1)
                params.append([merged[f.name] for f in set_fields]
                              + [current["id"], current["version"]])
            self.index.before_update(chunk)
            written = bulk.update_rows(Customer, set_fields, ("id", "version"), params)
            self.index.after_update(chunk)
            if written != len(chunk):
                raise ConflictError(QT_TRANSLATE_NOOP(
                    "errors", "Customers were changed at another counter during the import, "
                              "so nothing was imported. Import the file again."))
            done += len(chunk)
            self._report(done, total)

    def _link_tags(self, new_ids: dict[str, int]) -> None:
        """Tags by name, matched without tones or case ("VIP" is "vip"); links added.

        A new tag is spelt as its first appearance in the file.
        """
        links = [(new_ids[code], tag) for _, code, tags in self.creates for tag in tags]
        links += [(cid, tag) for cid, (_, _, tags) in self.updates.items() for tag in tags]
        if not links:
            return
        folded = {tag: fold(tag) for tag in dict.fromkeys(tag for _, tag in links)}  # file order
        known = {fold(name): tid for tid, name in Tag.select(Tag.id, Tag.name).tuples()}
        new = {}
        for tag, key in folded.items():
            if key not in known:
                new.setdefault(key, tag)
        for chunk in peewee.chunked(list(new.values()), 1000):
            bulk.insert_rows(Tag, ("name",), [(name,) for name in chunk])
        if new:
            known = {fold(name): tid for tid, name in Tag.select(Tag.id, Tag.name).tuples()}
            self.new_tag_ids = [known[key] for key in new]
        pairs = list(dict.fromkeys((cid, known[folded[tag]]) for cid, tag in links))
        self._note_added_links(pairs)
        fields = [CustomerTag.customer, CustomerTag.tag]
        with bulk.deferred_indexes(CustomerTag, len(pairs)):
            for chunk in peewee.chunked(pairs, INSERT_BATCH):
                self._check_cancel()
                bulk.insert_rows(CustomerTag, fields, chunk, ignore_conflicts=True)

    def _note_added_links(self, pairs: list[tuple[int, int]]) -> None:
        """The links to updated customers that do not exist yet (undo removes them)."""
        updated = [cid for cid, _ in pairs if cid in self.updates]
        if not updated:
            return
        existing = set()
        existing.update(bulk.select_by_ids(CustomerTag, [CustomerTag.customer, CustomerTag.tag],
                                           dict.fromkeys(updated), key=CustomerTag.customer))
        self.added_links = [pair for pair in pairs
                            if pair[0] in self.updates and pair not in existing]


def _code_numbers(reserved: set[str]):
    """New codes after both customers.next_code() and the highest KHnnnnnn code in the file.

    Continuing after the file's codes keeps "newer customer, higher code" true; codes
    already taken are skipped all the same.
    """
    prefix, digits = customers.CODE_PREFIX, customers.CODE_DIGITS
    number = int(customers.next_code()[len(prefix):])
    pattern = re.compile(rf"^{prefix}(\d{{{digits}}})$")
    for code in reserved:
        if match := pattern.match(code):
            number = max(number, int(match.group(1)) + 1)
    while True:
        code = f"{prefix}{number:0{digits}d}"
        number += 1
        if code not in reserved:
            yield code
