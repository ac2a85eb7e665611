"""Several counters on one database: no silent overwrite, no lost write.

Each thread has its own real database connection (peewee opens one per
thread), as two counters would; every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from shopcrm.core import care, customers
from shopcrm.core.errors import ConflictError
from shopcrm.db import connection
from shopcrm.db.models import CareTask, Interaction, Purchase

WRITES_PER_COUNTER = 1500


def in_other_counter(work):
    """Run `work` on another thread, i.e. over a second connection, and return its result."""
    result = {}

    def run():
        try:
            result["value"] = work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result["value"]


def test_a_stale_save_is_refused_and_shows_the_other_change(db):
    ha = customers.create({"name": "Nguyễn Thị Hà", "phone": "0912345678"})
    loaded = customers.get(ha.id)  # counter 1 opens the customer
    in_other_counter(lambda: customers.update(ha.id, {"phone": "0987654321"}, 1))

    with pytest.raises(ConflictError) as caught:
        customers.update(ha.id, {"notes": "Khách quen"}, loaded.version)
    changed = customers.changes_between(loaded, caught.value.current)
    assert changed == {"phone": ("0912345678", "0987654321")}
    assert customers.get(ha.id).notes is None  # nothing of the refused save was written

    saved = customers.update(ha.id, {"notes": "Khách quen"}, loaded.version, force=True)
    assert (saved.phone, saved.notes, saved.version) == ("0987654321", "Khách quen", 3)


def _counter(customer_ids: list[int], task_ids: list[int], errors: list) -> None:
    try:
        for i in range(WRITES_PER_COUNTER):
            Purchase.create(customer=customer_ids[i % len(customer_ids)], date=dt.date.today(),
                            amount=10_000 + i, description="Cà phê sữa đá")
            if i < len(task_ids):
                care.finish(task_ids[i], "done", f"Đã gọi ({i})")
    except Exception as exc:  # reported to the main thread
        errors.append(exc)
    finally:
        connection.close()


def test_two_counters_writing_at_once_lose_nothing(db):
    ids = [customers.create({"name": f"Khách {n}"}).id for n in range(20)]
    tasks = [CareTask.create(customer=ids[n % 20], due_date=dt.date.today()).id
             for n in range(400)]
    halves = (tasks[::2], tasks[1::2])
    errors: list = []
    threads = [threading.Thread(target=_counter, args=(ids, half, errors)) for half in halves]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert errors == []
    assert Purchase.select().count() == 2 * WRITES_PER_COUNTER
    assert CareTask.select().where(CareTask.status == "done").count() == 400
    assert Interaction.select().count() == 400
    print(f"{2 * WRITES_PER_COUNTER + 800} writes by two counters in {elapsed:.2f} s")


def test_updates_of_one_customer_from_two_counters_never_overwrite_silently(db):
    """Each counter retries on conflict, as a user choosing Reload would: every edit lands."""
    customer = customers.create({"name": "Trần Văn Đức", "notes": ""})
    errors: list = []

    def append_notes(tag: str) -> None:
        try:
            for n in range(50):
                while True:
                    current = customers.get(customer.id)
                    try:
                        customers.update(customer.id,
                                         {"notes": f"{current.notes or ''}{tag}{n};"},
                                         current.version)
                        break
                    except ConflictError:
                        continue
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append_notes, args=(tag,)) for tag in "AB"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    notes = customers.get(customer.id).notes.split(";")
    assert sorted(n for n in notes if n) == sorted(f"{t}{n}" for t in "AB" for n in range(50))
    assert customers.get(customer.id).version == 101
