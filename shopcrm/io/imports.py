"""One entry for every kind of import (customers, purchases, and the interactions,
feedback and care tasks of io.records_import), as the command line and the wizard use
them: read and check a file, then write it or test it (dry run).

The mapping starts from the one remembered for files with the same headers
(mapping_memory: customers and purchases only), else the automatic one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from shopcrm.io import importer, mapping_memory, purchases, records_import
from shopcrm.io.importer import ImportPlan, ImportResult, Progress
from shopcrm.io.readers import read_table

KINDS = ("customers", "purchases", *records_import.KINDS)


def plan_file(path: Path, kind: str = "customers", sheet: str | None = None,
              mapping: dict[int, str] | None = None) -> ImportPlan:
    """Read `path` and check every row; `mapping` None: remembered, else automatic."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    path = Path(path)
    if kind in records_import.KINDS:
        table = read_table(path, sheet, is_header=records_import.header_checker(kind))
        return records_import.plan_record_table(table, path, kind, mapping)
    if kind == "purchases":
        table = read_table(path, sheet, is_header=purchases.is_purchase_header)
    else:
        table = read_table(path, sheet)
    if mapping is None:
        mapping = mapping_memory.remembered_mapping(table.headers, kind)
    if kind == "purchases":
        return purchases.plan_purchase_table(table, path, mapping)
    return importer.plan_table(table, path, mapping)


def run_plan(plan: ImportPlan, kind: str = "customers", duplicate_policy: str = "skip",
             dry_run: bool = False, progress: Progress | None = None,
             cancel: Callable[[], bool] | None = None, user: str | None = None,
             backup_folder: Path | None = None) -> ImportResult:
    """Write (or with `dry_run` only test) a plan made by plan_file()."""
    if kind in records_import.KINDS:
        return records_import.run_record_import(
            plan, kind, duplicate_policy, progress=progress, cancel=cancel, user=user,
            backup_folder=backup_folder, dry_run=dry_run)
    run = purchases.run_purchase_import if kind == "purchases" else importer.run_import
    return run(plan, duplicate_policy, progress=progress, cancel=cancel, user=user,
               backup_folder=backup_folder, dry_run=dry_run)


def counts(result: ImportResult) -> dict[str, int]:
    return {"created": result.created, "updated": result.updated, "skipped": result.skipped,
            "rejected": result.rejected}
