"""Real work on a real database file, run as a process that test_crash_safety.py kills.

    python crash_worker.py KIND DATABASE [ARGUMENT]

KIND is one of:
  import   run_import() of the CSV file ARGUMENT (planned before the work begins)
  demo     demo.generate(ARGUMENT customers)
  trash    customers.trash() of every customer not in the trash
  purge    customers.purge_trash(): a backup, then the trashed customers deleted for good
  merge    duplicates.merge() of 999 customers, with all they have, into one
  migrate  open a file of the current schema version with a pretend next version, whose
           upgrade adds a column and rewrites every customer row, one UPDATE per row

It prints "ready" once imported, "begin" just before the work, "wrote" each time the
work reports progress (rows written, inside its transaction) and "done" once the work
is committed, each flushed at once, so the test can tell where a kill landed.
Not a test module: pytest collects test_*.py only.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import peewee
from playhouse.migrate import migrate as run_operations

from shopcrm.db import connection, migrations
from shopcrm.db.session import open_database

DEMO_SEED = 7
DEMO_TODAY = dt.date(2026, 5, 15)


def say(word: str) -> None:
    print(word, flush=True)


def points_of(customer_id: int) -> int:
    """What the pretend upgrade writes into every customer row."""
    return customer_id % 97 + 1


def progress(done: int = 0, total: int = 0) -> None:
    say("wrote")


PRETEND_VERSION = migrations.CURRENT_VERSION + 1


def upgrade(migrator, report=progress) -> None:
    """A pretend next version: a column, then every customer row rewritten one by one."""
    run_operations(migrator.add_column("customer", "points",
                                       peewee.IntegerField(default=0)))
    report()
    database = migrator.database
    ids = [row[0] for row in database.execute_sql("SELECT id FROM customer ORDER BY id")]
    for number, customer_id in enumerate(ids, 1):
        database.execute_sql("UPDATE customer SET points = ?, version = version + 1 WHERE id = ?",
                             (points_of(customer_id), customer_id))
        if number % 500 == 0:
            report()


def main(kind: str, path: str, argument: str | None = None) -> None:
    url = connection.sqlite_url(path)
    if kind == "migrate":
        migrations.CURRENT_VERSION = PRETEND_VERSION
        migrations.UPGRADES[PRETEND_VERSION] = upgrade
        say("ready")
        say("begin")
        open_database(url)
        say("done")
        connection.close()
        return
    if kind == "import":
        from shopcrm.io import importer

        open_database(url)
        plan = importer.plan_import(Path(argument))
        say("ready")
        say("begin")
        importer.run_import(plan, duplicate_policy="skip", progress=progress)
    elif kind == "demo":
        from shopcrm.core import demo

        open_database(url)
        say("ready")
        say("begin")
        demo.generate(int(argument), seed=DEMO_SEED, today=DEMO_TODAY, progress=progress)
    elif kind == "trash":
        from shopcrm.core import customers
        from shopcrm.db.models import Customer

        open_database(url)
        ids = [cid for (cid,) in Customer.select(Customer.id)
               .where(Customer.deleted_at.is_null()).tuples()]
        say("ready")
        say("begin")
        customers.trash(ids, user="crash-test")
    elif kind == "merge":
        from shopcrm.core import duplicates
        from shopcrm.db.models import Customer

        open_database(url)
        ids = [cid for (cid,) in Customer.select(Customer.id).order_by(Customer.id).tuples()]
        say("ready")
        say("begin")
        duplicates.merge(ids[0], ids[1:1000], {"notes": "Gộp từ 1000 khách"}, user="crash-test")
    elif kind == "purge":
        from shopcrm.core import customers

        open_database(url)
        say("ready")
        say("begin")
        customers.purge_trash(user="crash-test", backup_folder=Path(path).parent / "backups")
    else:
        raise SystemExit(f"unknown kind {kind!r}")
    say("done")
    connection.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
