"""Benchmark: import 100,000 customers from CSV and from .xlsx into a fresh SQLite db.

    /work/venv/bin/python benchmarks/bench_import.py [--rows 100000] [--keep DIR]

Writes a realistic shop list (Vietnamese names, phones typed every way, dates as
text and as Excel dates, tags, a title row and a total row), then imports each
file in a fresh process (so peak memory is that import's alone) and prints the
time to read + validate (plan_import), to write (run_import) and the peak RSS.
The reference is measured in the same run, also in a fresh process: python-calamine
alone reading every cell of the .xlsx (open, parse, every row as Python values).
Issue 7's target: a full import (read, validate, deduplicate, insert, commit) in at
most 4 times that, under 500 MB; each import prints its ratio and rows per second.
A last run re-imports the CSV over the same database with the "update" policy.
The .xlsx import and the "update" run are then undone (import_history.undo_import:
removing the created customers, restoring the updated ones), and that time printed.
Figures only: the test suite never asserts on speed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Tống", "Đinh"]
MIDDLE = ["Thị", "Văn", "Thu", "Ngọc", "Minh", "Đức", "Thanh", "Hoài", "Quốc", "Thị Thu", "Bảo"]
GIVEN = ["Hà", "Lan", "Dung", "Bình", "Cường", "Dũng", "Hương", "Mai", "Nam", "Phúc", "Quân",
         "Thảo", "Trang", "Tuấn", "Việt", "Yến", "Đạt", "Ánh", "Hằng", "Khoa"]
PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035", "036",
            "037", "038", "039", "070", "076", "077", "078", "079", "081", "082", "083", "084",
            "085", "086", "088", "056", "058"]
OLD = {"038": "0168", "039": "0169", "070": "0120", "079": "0121", "083": "0123"}
PLACES = [("Hồ Chí Minh", "Quận 1", "Phường Bến Nghé"), ("Hà Nội", "Quận Ba Đình", "Phường Kim Mã"),
          ("Đà Nẵng", "Quận Hải Châu", "Phường Thạch Thang"), ("Cần Thơ", "Quận Ninh Kiều", "Phường An Hòa"),
          ("Hải Phòng", "Quận Lê Chân", "Phường An Biên")]
TAGS = ["VIP", "Khách sỉ", "Khách lẻ", "Mua online", "Ẩm thực", "Du lịch", ""]
HEADERS = ["STT", "Mã KH", "Họ và tên", "Số điện thoại", "Email", "Ngày sinh", "Giới tính",
           "Địa chỉ", "Phường/Xã", "Quận/Huyện", "Tỉnh/Thành phố", "Nhóm khách hàng", "Ghi chú"]


def fake_rows(count: int, excel: bool):
    rng = random.Random(91)
    seen: set[str] = set()
    for n in range(1, count + 1):
        while True:
            prefix = rng.choice(PREFIXES)
            rest = f"{rng.randrange(10**7):07d}"
            if prefix + rest not in seen:
                seen.add(prefix + rest)
                break
        style = n % 6
        phone: object = {0: prefix + rest, 1: f"{prefix[:4]} {rest[:3]} {rest[3:]}",
                         2: f"+84 {prefix[1:]} {rest[:3]} {rest[3:]}",
                         3: f"{prefix}.{rest[:3]}.{rest[3:]}", 4: OLD.get(prefix, prefix) + rest,
                         5: int(prefix + rest) if excel else prefix[1:] + rest}[style]
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        birthday: object = born if excel and n % 2 else born.strftime("%d/%m/%Y")
        province, district, ward = rng.choice(PLACES)
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        yield [n, "", name, phone, f"kh{n}@example.com" if n % 3 == 0 else "",
               birthday if n % 4 else "", rng.choice(["Nam", "Nữ", "nữ", "M", "F", ""]),
               f"{rng.randrange(1, 300)} Lê Lợi", ward, district, province,
               "|".join(t for t in {rng.choice(TAGS), rng.choice(TAGS)} if t),
               "khách quen" if n % 10 == 0 else ""] if n % 200 else [  # 0.5% rows to reject
            n, "", "", "0912 345", "không có email", "31/02/1990", "?", "", "", "", "", "", ""]


def write_csv(path: Path, count: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["DANH SÁCH KHÁCH HÀNG"])
        writer.writerow(HEADERS)
        writer.writerows(fake_rows(count, excel=False))
        writer.writerow(["Tổng cộng", count])


def write_xlsx(path: Path, count: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Khách hàng")
    sheet.append(["DANH SÁCH KHÁCH HÀNG"])
    sheet.append(HEADERS)
    for row in fake_rows(count, excel=True):
        sheet.append(row)
    sheet.append(["Tổng cộng", count])
    workbook.save(path)
    _add_dimension(path, f"A1:M{count + 3}")


def _add_dimension(path: Path, ref: str) -> None:
    """Add the <dimension> Excel writes at the top of a sheet (openpyxl's write-only mode
    leaves it out, and openpyxl then scans the whole sheet once more to size it)."""
    import zipfile

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetPr>", f'</sheetPr><dimension ref="{ref}" />'.encode(), 1)
            dst.writestr(item, data)
    tmp.replace(path)


class PeakRss:
    """Samples the resident memory every 20 ms (psutil) and keeps the highest."""

    def __init__(self):
        import psutil

        self.process, self.peak, self.running = psutil.Process(), 0, True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return max(self.peak, self.process.memory_info().rss)


def import_once(file: Path, db_path: Path, policy: str, undo: bool = False) -> dict:
    """One import in this process; the parent runs each in a fresh interpreter."""
    from shopcrm.db import connection
    from shopcrm.db.session import open_database
    from shopcrm.io.import_history import undo_import
    from shopcrm.io.importer import plan_import, run_import

    open_database(connection.sqlite_url(db_path))
    peak = PeakRss()
    start = time.perf_counter()
    plan = plan_import(file)
    planned = time.perf_counter()
    result = run_import(plan, policy)
    done = time.perf_counter()
    undo_s = None
    if undo:
        undo_import(result.batch_id, backup_folder=db_path.parent / "backups")
        undo_s = round(time.perf_counter() - done, 2)
    connection.close()
    return {"file": file.name, "policy": policy, "rows": len(plan.rows), "undo_s": undo_s,
            "plan_s": round(planned - start, 2), "run_s": round(done - planned, 2),
            "total_s": round(done - start, 2), "peak_rss_mb": round(peak.stop() / 2**20),
            "created": result.created, "updated": result.updated, "rejected": result.rejected}


def calamine_once(file: Path) -> dict:
    """python-calamine alone reading every cell of `file` as Python values."""
    from python_calamine import CalamineWorkbook

    peak = PeakRss()
    start = time.perf_counter()
    workbook = CalamineWorkbook.from_path(str(file))
    cells = 0
    for row in workbook.get_sheet_by_index(0).iter_rows():
        cells += len(row)
    workbook.close()
    return {"read_s": round(time.perf_counter() - start, 2), "cells": cells,
            "peak_rss_mb": round(peak.stop() / 2**20)}


def _in_fresh_process(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the files in")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: import the files already there instead of writing them")
    parser.add_argument("--one", nargs=4, metavar=("FILE", "DB", "POLICY", "UNDO"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--calamine", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.calamine:
        print(json.dumps(calamine_once(args.calamine)))
        return
    if args.one:
        print(json.dumps(import_once(Path(args.one[0]), Path(args.one[1]), args.one[2],
                                     args.one[3] == "undo")))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="shopcrm-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = folder / "khach_hang.csv", folder / "khach_hang.xlsx"
    for path, writer in ((csv_path, write_csv), (xlsx_path, write_xlsx)):
        if args.keep and path.exists() and args.reuse:
            print(f"reusing {path}")
            continue
        start = time.perf_counter()
        writer(path, args.rows)
        print(f"wrote {path.name}: {path.stat().st_size / 2**20:.1f} MB "
              f"in {time.perf_counter() - start:.1f} s")
    runs = [(csv_path, folder / "csv.db", "skip", "keep"),
            (xlsx_path, folder / "xlsx.db", "skip", "undo"),
            (csv_path, folder / "csv.db", "update", "undo")]
    # The machine's load varies by 20 % from run to run: the reference is the median of 3.
    readings = sorted((_in_fresh_process("--calamine", str(xlsx_path)) for _ in range(3)),
                      key=lambda reading: reading["read_s"])
    reference = readings[1]
    print(f"python-calamine alone reads {xlsx_path.name} ({reference['cells']} cells) in "
          f"{reference['read_s']} s (median of {', '.join(str(r['read_s']) for r in readings)}), "
          f"peak {reference['peak_rss_mb']} MB: the reference")
    for path, db_path, policy, undo in runs:
        if policy == "skip":
            db_path.unlink(missing_ok=True)
        figures = _in_fresh_process("--one", str(path), str(db_path), policy, undo)
        ratio = figures["total_s"] / reference["read_s"]
        print(f"{figures['file']:<16} {policy:<6} rows={figures['rows']} "
              f"read+validate={figures['plan_s']}s write={figures['run_s']}s "
              f"total={figures['total_s']}s ({figures['rows'] / figures['total_s']:,.0f} rows/s) "
              f"ratio={ratio:.1f}x calamine (target <= 4) peak={figures['peak_rss_mb']} MB "
              f"(target < 500) created={figures['created']} updated={figures['updated']} "
              f"rejected={figures['rejected']}"
              + (f" undo={figures['undo_s']}s" if figures["undo_s"] is not None else ""))
    if args.keep is None:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
