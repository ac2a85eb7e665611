"""Backup, restore and export of a large shop: prints times and sizes (no assertions).

    python benchmarks/bench_backup_export.py [--customers 100000] [--seed 1]
    python benchmarks/bench_backup_export.py --database /tmp/b100/shop.db [--no-export]

Uses shopcrm.core.demo.generate(customers, seed) when it exists, else inserts
plain rows with insert_many. `--database` measures on a copy of an existing shop
database instead (the file itself is only read).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from shopcrm.core import customers as core_customers
from shopcrm.db import auto_backup, backup, connection, restore
from shopcrm.db.connection import db
from shopcrm.db.models import Customer, CustomerTag, Tag
from shopcrm.db.session import open_database
from shopcrm.io import export

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Bảo", "")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khoa",
         "Lan", "Linh", "Long", "Mai", "Nam", "Ngọc", "Phúc", "Quân", "Tâm", "Thảo", "Trang",
         "Tuấn", "Uyên", "Vy", "Yến", "Đạt", "Ánh")
PROVINCES = ("Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Huế", "Nghệ An")
SOURCES = ("walk_in", "social", "website", "referral", "advertising", "media", "other", None)
NOTES = (None, None, None, "Thích cà phê sữa đá", "Hay mua buổi tối", "- khách quen, giảm 5%",
         "Giao hàng tận nhà, gọi trước 30 phút")


def fill_plain(count: int, seed: int) -> None:
    rng = random.Random(seed)
    fields = [Customer.code, Customer.name, Customer.search_key, Customer.sort_key,
              Customer.phone, Customer.email, Customer.birthday, Customer.gender,
              Customer.address, Customer.province, Customer.source, Customer.notes]
    rows = []
    for number in range(1, count + 1):
        name = " ".join(p for p in (rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)) if p)
        code = f"KH{number:06d}"
        phone = f"09{rng.randrange(10**8):08d}"
        keys = core_customers.derived({"name": name, "code": code, "phone": phone})
        birthday = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(25_000))
        rows.append((code, name, keys["search_key"], keys["sort_key"], phone,
                     f"kh{number}@example.com" if rng.random() < 0.3 else None,
                     birthday if rng.random() < 0.6 else None,
                     rng.choice(("male", "female", "unknown")),
                     f"{rng.randrange(1, 300)} đường Lê Lợi", rng.choice(PROVINCES),
                     rng.choice(SOURCES), rng.choice(NOTES)))
    with db.atomic():
        for start in range(0, len(rows), 5000):
            Customer.insert_many(rows[start:start + 5000], fields=fields).execute()
        tags = [Tag.create(name=name).id for name in ("VIP", "Khách sỉ", "Khách quen")]
        links = [(cid, rng.choice(tags)) for cid in range(1, count + 1) if rng.random() < 0.4]
        for start in range(0, len(links), 5000):
            CustomerTag.insert_many(links[start:start + 5000],
                                    fields=[CustomerTag.customer, CustomerTag.tag]).execute()


def timed(label: str, action):
    start = time.perf_counter()
    result = action()
    print(f"{label:<28} {time.perf_counter() - start:7.2f} s", flush=True)
    return result


def size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", type=Path, metavar="FILE",
                        help="measure on a copy of this SQLite shop database (left unchanged)")
    parser.add_argument("--no-export", action="store_true", help="backups and restore only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if args.database:
            copy_database(args.database, folder / "shop.db")
            open_database("sqlite:///" + str(folder / "shop.db"), backup_folder=folder / "b")
        else:
            open_database("sqlite:///" + str(folder / "shop.db"))
            fill(args)
        print(f"customers in database: {core_customers.count()}, "
              f"file {size(folder / 'shop.db')} (+ WAL {size(folder / 'shop.db-wal')})")

        steps = []
        copy = timed("backup_to", lambda: backup.backup_to(
            folder / "copy.db", progress=lambda done, total: steps.append(done)))
        print(f"  backup {size(copy)}, {len(steps)} progress calls")
        info = timed("describe(backup)", lambda: backup.describe(copy))
        print(f"  {info.customers} customers in the backup")
        measure_automatic_backups(folder)
        if args.no_export:
            connection.close()
            return

        for suffix in (".xlsx", ".csv"):
            target = folder / ("export" + suffix)
            calls = []
            written = timed(f"export_customers {suffix}", lambda: export.export_customers(
                target, progress=lambda done, total: calls.append(done)))
            print(f"  {written} rows, {size(target)}, {len(calls)} progress calls")
        try:
            import resource  # POSIX only
        except ImportError:
            return
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB, bytes on macOS
        print(f"peak RSS {peak / (2**20 if sys.platform == 'darwin' else 1024):.0f} MB")
        connection.close()


def fill(args: argparse.Namespace) -> None:
    try:
        from shopcrm.core import demo  # written in another issue; may not exist yet
    except ImportError:
        demo = None
    if demo is not None and hasattr(demo, "generate"):
        timed(f"demo.generate({args.customers})",
              lambda: demo.generate(args.customers, args.seed))
    else:
        timed(f"insert_many {args.customers} rows",
              lambda: fill_plain(args.customers, args.seed))


def copy_database(source: Path, target: Path) -> None:
    """Plain file copies (its -wal too): opening `source` with SQLite, even read-only,
    would leave -shm/-wal files beside it."""
    if not source.is_file():
        raise SystemExit(f"no database at {source}")
    for end in ("", "-wal"):
        if Path(f"{source}{end}").exists():
            shutil.copyfile(f"{source}{end}", f"{target}{end}")
    print(f"copied {source} ({size(source)}) to a temporary folder")


def measure_automatic_backups(folder: Path) -> None:
    """What the window, imports and restores pay: take_backup = backup_to + rotation."""
    backups = folder / "backups"
    backups.mkdir()
    now = dt.datetime.now()
    for days in range(1, 41):  # forty days of older backups to rotate
        shutil.copy(folder / "copy.db",
                    backups / auto_backup.backup_name(now - dt.timedelta(days=days), "auto"))
    made = timed("take_backup (+ rotation)", lambda: auto_backup.take_backup(backups, "auto"))
    print(f"  {made.name}; {len(list(backups.glob('*.db')))} of 41 backups kept")
    timed("verify (integrity_check)", lambda: backup.verify(made))
    start = time.perf_counter()
    for _ in range(1000):
        auto_backup.change_stamp()
    print(f"{'change_stamp':<28} {(time.perf_counter() - start) * 1000:7.1f} µs each")
    before = timed("restore (all steps)", lambda: restore.restore(
        folder / "copy.db", folder / "shop.db", backups))
    print(f"  the data before kept as {before.name}; {core_customers.count()} customers now")


if __name__ == "__main__":
    main()
