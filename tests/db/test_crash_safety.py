"""Killing ShopCRM in the middle of real work never leaves half of it in the database.

Each kind of multi-row write runs in a separate process (crash_worker.py) on a copy of
a prepared SQLite file and is killed with SIGKILL at random moments, seeded so that a
run can be repeated. After every kill the file must pass `PRAGMA integrity_check`, and
hold either exactly what it held before (nothing of the work) or exactly what a run that
was left to finish holds (all of it): every multi-row write is one transaction. Then
open_database() must open it again (the lock died with the process).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

from shopcrm.core import demo
from shopcrm.db import connection, migrations
from shopcrm.db.session import open_database
from shopcrm.io import importer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kills with SIGKILL (POSIX)")

WORKER = Path(__file__).with_name("crash_worker.py")
# The migration starts from the fixture of the current version, as a released app left it.
FIXTURE = Path(__file__).parents[1] / "fixtures" / f"schema_v{migrations.CURRENT_VERSION}.db"
KILLS = {"import": 11, "demo": 11, "trash": 10, "migrate": 12, "purge": 8, "merge": 8}  # 60
EARLY_KILLS = 2  # of each kind, aimed at the start-up (importing, opening the file)
WORK_SPAN = 1.0  # the others land within the measured duration of the work (after "ready")
DEMO_CUSTOMERS = 2_000
IMPORT_ROWS = 3_000
BASE_ROWS = 500


# -- the files ---------------------------------------------------------------------------

def write_csv(path: Path, first: int, rows: int, bad_every: int = 0,
              duplicates: int = 0) -> Path:
    """Customers numbered from `first`; every `bad_every`-th has a bad phone (rejected);
    `duplicates` rows repeat phones of customers 0, 1... (skipped when those exist)."""
    lines = ["Họ tên,Số điện thoại,Email,Ngày sinh,Giới tính,Tỉnh/Thành phố,Nhãn"]
    for number in range(first, first + rows):
        phone = "12345" if bad_every and number % bad_every == 0 else f"0912{number:06d}"
        tags = "VIP" if number % 3 else "VIP; Khách sỉ"
        lines.append(f"Nguyễn Văn Khách {number},{phone},khach{number}@example.com,"
                     f"12/03/1990,Nam,Hà Nội,{tags}")
    lines += [f"Trùng Lặp {number},0912{number:06d},,,,," for number in range(duplicates)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def import_into(path: Path, csv: Path) -> None:
    open_database(connection.sqlite_url(path))
    importer.run_import(importer.plan_import(csv))
    connection.close()


def build(kind: str, folder: Path) -> tuple[Path, list[str]]:
    """The file the work starts from, and the worker's extra argument."""
    base = folder / "base.db"
    if kind == "migrate":
        shutil.copy(FIXTURE, base)
        import_into(base, write_csv(folder / "base.csv", 0, IMPORT_ROWS))
        return base, []
    import_into(base, write_csv(folder / "base.csv", 0, BASE_ROWS))
    if kind == "import":
        work = write_csv(folder / "work.csv", 1_000, IMPORT_ROWS, bad_every=50, duplicates=5)
        return base, [str(work)]
    if kind == "demo":
        return base, [str(DEMO_CUSTOMERS)]
    open_database(connection.sqlite_url(base))  # trash, purge, merge: thousands of customers
    demo.generate(DEMO_CUSTOMERS, seed=3)
    if kind == "purge":  # half of them in the trash, with their purchases, tasks...
        from shopcrm.core import customers
        from shopcrm.db.models import Customer

        customers.trash([cid for (cid,) in Customer.select(Customer.id)
                         .where(Customer.id % 2 == 0).tuples()])
    connection.close()
    return base, []


def snapshot(path: Path) -> dict:
    """What the file holds, read with plain sqlite3: row counts and the rows that matter.

    Everything here is the same for two runs of the same work (no timestamps)."""
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        tables = [name for (name,) in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        columns = [row[1] for row in raw.execute("PRAGMA table_info(customer)")]
        wanted = ["code", "name", "phone", "email", "version", "deleted_at IS NULL"]
        wanted += ["points"] if "points" in columns else []
        digest = hashlib.sha256()
        for row in raw.execute(f"SELECT {', '.join(wanted)} FROM customer ORDER BY id"):
            digest.update(repr(row).encode())
        return {
            "counts": {table: raw.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                       for table in tables},
            "version": raw.execute("SELECT MAX(version) FROM schema_version").fetchone()[0],
            "columns": columns,
            "customers": digest.hexdigest(),
            "live": raw.execute("SELECT COUNT(*) FROM customer WHERE deleted_at IS NULL"
                                ).fetchone()[0],
            "batches": raw.execute(
                "SELECT file_name, rows_total, rows_created, rows_updated, rows_skipped, "
                "rows_rejected, finished_at IS NOT NULL FROM import_batch ORDER BY id").fetchall(),
            "audit": raw.execute("SELECT action FROM audit_log ORDER BY id").fetchall(),
            # The import drops the search index's triggers inside its transaction
            # (search_index.bulk_writes): a kill must leave them as they were.
            "triggers": raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                    "ORDER BY name").fetchall(),
            "indexed": _indexed(raw),
        }


def _indexed(raw: sqlite3.Connection) -> str | None:
    """A digest of the search index's entries (its rowids), None without the index; the
    FTS5 integrity check must pass."""
    if not raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'customer_search'").fetchone():
        return None
    raw.execute("INSERT INTO customer_search(customer_search) VALUES ('integrity-check')")
    rowids = raw.execute("SELECT rowid FROM customer_search ORDER BY rowid").fetchall()
    assert rowids == raw.execute("SELECT id FROM customer ORDER BY id").fetchall()
    return hashlib.sha256(repr(rowids).encode()).hexdigest()


# -- running and killing the worker --------------------------------------------------------

def start(kind: str, path: Path, argument: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), kind, str(path), *argument],
                            stdout=subprocess.PIPE, text=True)


def run_to_the_end(kind: str, path: Path, argument: list[str]) -> dict[str, float]:
    """Seconds from the start to each line the worker printed."""
    started = time.perf_counter()
    worker = start(kind, path, argument)
    marks = {line.strip(): time.perf_counter() - started for line in worker.stdout}
    worker.stdout.close()
    assert worker.wait(timeout=60) == 0 and "done" in marks, marks
    return marks


def kill_somewhere(kind: str, path: Path, argument: list[str], delay: float,
                   early: bool) -> str:
    """Kill a run `delay` seconds after it starts (`early`) or after it printed "ready".

    Returns where the kill landed, by what the worker printed: 'before' the work,
    'mid' (begun, nothing written yet), 'written' (rows written; maybe committed, not
    told yet) or 'after' it."""
    worker = start(kind, path, argument)
    try:
        seen = []
        if not early:
            seen.append(worker.stdout.readline().strip())  # "ready": the work begins now
        time.sleep(delay)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=60)
        seen += worker.stdout.read().split()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        worker.stdout.close()
    assert worker.returncode == -signal.SIGKILL or "done" in seen, (worker.returncode, seen)
    if "done" in seen:
        return "after"
    return "written" if "wrote" in seen else "mid" if "begin" in seen else "before"


@pytest.mark.parametrize("kind", list(KILLS))
def test_killed_work_is_all_or_nothing(kind, tmp_path, monkeypatch):
    base, argument = build(kind, tmp_path)
    before = snapshot(base)
    complete = tmp_path / "complete.db"
    shutil.copy(base, complete)
    marks = run_to_the_end(kind, complete, argument)
    after = snapshot(complete)
    assert after != before
    if kind == "migrate":  # this process opens the files as the upgraded app would
        spec = importlib.util.spec_from_file_location("crash_worker", WORKER)
        worker = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(worker)
        monkeypatch.setattr(migrations, "CURRENT_VERSION", worker.PRETEND_VERSION)
        monkeypatch.setitem(migrations.UPGRADES, worker.PRETEND_VERSION,
                            lambda migrator: worker.upgrade(migrator, report=lambda: None))
        assert after["version"] == worker.PRETEND_VERSION and "points" in after["columns"]
        with closing(sqlite3.connect(complete)) as raw:  # the column, on every row
            rows = raw.execute("SELECT id, points FROM customer").fetchall()
        assert len(rows) > IMPORT_ROWS and all(p == worker.points_of(i) for i, p in rows)

    work = marks["done"] - marks["ready"]
    rng = random.Random(f"shopcrm crash safety/{kind}")
    landed: Counter[str] = Counter()  # kills by where they landed
    kept: Counter[str] = Counter()  # of those, the kills after which all the work was there
    for attempt in range(KILLS[kind]):
        path = tmp_path / f"killed-{attempt}.db"
        shutil.copy(base, path)
        early = attempt < EARLY_KILLS
        delay = rng.uniform(0, marks["ready"] if early else WORK_SPAN * work)
        phase = kill_somewhere(kind, path, argument, delay, early)
        state = snapshot(path)
        landed[phase] += 1
        kept[phase] += state == after
        assert state in (before, after), f"kill {attempt} ({phase}): half of the {kind} is there"
        assert phase != "after" or state == after
        assert phase != "before" or state == before

        open_database(connection.sqlite_url(path))  # after a migrate kill: upgrades now
        connection.close()
        assert snapshot(path) == (after if kind == "migrate" else state)
        for leftover in tmp_path.glob(f"killed-{attempt}.db*"):
            leftover.unlink()

    during = landed["mid"] + landed["written"]
    print(f"\n{kind}: {sum(landed.values())} kills, {work:.2f} s of work: "
          f"{landed['before']} before it; {during} during it, {landed['written']} of them "
          f"after rows were written ({kept['mid'] + kept['written']} found it all done, "
          f"{during - kept['mid'] - kept['written']} none of it); {landed['after']} after it")
    assert during >= KILLS[kind] // 3  # the point: many kills land mid-work
