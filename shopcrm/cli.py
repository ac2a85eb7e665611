"""The `shopcrm` command: the window by default, and the same work from a shell.

Every command opens the database the same way the window does
(`db.session.open_database`) and calls the same core and io functions.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from pathlib import Path

from shopcrm import __version__
from shopcrm.core.errors import KnownError
from shopcrm.db import connection
from shopcrm.db.errors import DamagedDatabaseError, DatabaseInUseError
from shopcrm.db.session import open_database

log = logging.getLogger("shopcrm")

DEMO_CUSTOMERS = 2_000
# Commands that only read: beside an open window, or on a damaged file, they read it read-only.
READING_COMMANDS = ("backup", "export", "search", "summary")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shopcrm", description="ShopCRM: customer care for small shops."
    )
    parser.add_argument("--version", action="version", version=f"ShopCRM {__version__}")
    parser.add_argument("--db", metavar="URL", help="database: sqlite:///path/shop.db or "
                        "postgresql://user:password@host/name (default: $SHOPCRM_DB, "
                        "else shopcrm.db in the user data folder)")
    parser.add_argument("--demo", action="store_true",
                        help="open the window on a throw-away database filled with demo data")
    parser.add_argument("--lang", choices=("vi", "en"), help="language of the window")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("gui", help="open the window (the default)")

    demo = commands.add_parser("demo", help="fill the database with realistic demo data")
    demo.add_argument("--customers", type=int, default=1000, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S")

    imp = commands.add_parser("import", help="import customers or purchases from .xlsx, "
                                              ".csv or .vcf")
    imp.add_argument("file", type=Path)
    imp.add_argument("--sheet", help="worksheet name (default: the first)")
    imp.add_argument("--kind", choices=("customers", "purchases", "interactions", "feedback",
                                        "tasks"), default="customers",
                     help="what the file holds (default: customers); the export's sheets "
                          "read back with --sheet")
    imp.add_argument("--on-duplicate", "--duplicates", dest="duplicates",
                     choices=("skip", "update", "create"), default="skip",
                     help="what to do with a customer already stored (same code, phone "
                          "or email); for purchases, skip one already stored")
    imp.add_argument("--dry-run", action="store_true",
                     help="only test: say what would happen, write nothing")
    imp.add_argument("--rejects", type=Path, metavar="FILE.xlsx",
                     help="write the rows that could not be imported, with the reason")
    imp.add_argument("--json", action="store_true", help="print one JSON object with the counts")

    search = commands.add_parser("search", help="find customers, as the window's search box")
    search.add_argument("text")
    search.add_argument("--json", action="store_true", help="print JSON instead of lines")
    search.add_argument("--limit", type=int, default=50, metavar="N")

    segs = commands.add_parser("segments", help="print each customer's code, funnel segment "
                               "and value tier (recomputed first if not done today)")
    segs.add_argument("--json", action="store_true", help="print JSON instead of lines")

    care = commands.add_parser("care", help="run the care rules for a day and print the "
                               "overdue and due care tasks with their messages")
    care.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD",
                      help="the day to run for (default: today)")
    care.add_argument("--json", action="store_true", help="print JSON instead of lines")

    exp = commands.add_parser("export", help="export customers to .xlsx (with their purchases, "
                              "interactions, feedback and care tasks) or .csv (customers only)")
    exp.add_argument("file", type=Path)
    exp.add_argument("--json", action="store_true", help="print one JSON object with the counts")

    backup = commands.add_parser("backup", help="copy the SQLite database to a backup file")
    backup.add_argument("file", type=Path, nargs="?",
                        help="target file (default: the backups folder, rotated)")

    restore = commands.add_parser(
        "restore", help="replace the SQLite database by a backup (the data as it is now is "
                        "backed up first); refused while ShopCRM has the database open")
    restore.add_argument("file", type=Path, help="the backup file")

    migrate_to = commands.add_parser(
        "migrate-to", help="copy this shop's database to another, empty database "
                           "(SQLite ⇄ PostgreSQL)")
    migrate_to.add_argument("url", metavar="URL", help="the empty database: "
                            "postgresql://user:password@host/name or sqlite:///path/new.db")

    summary = commands.add_parser("summary", help="write customers' one-page summaries "
                                  "into one PDF, as the window prints them")
    chosen = summary.add_mutually_exclusive_group(required=True)
    chosen.add_argument("codes", nargs="*", default=[], metavar="CODE",
                        help="customer codes (KH000001 ...)")
    chosen.add_argument("--all", action="store_true", help="every customer (not the trash)")
    chosen.add_argument("--search", metavar="TEXT", help="the customers the search box finds")
    summary.add_argument("--pdf", type=Path, required=True, metavar="OUT.pdf")
    summary.add_argument("--lang", dest="summary_lang", choices=("vi", "en"),
                         help="language of the pages (default: as the window)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    command = args.command or "gui"
    try:
        if command == "gui":
            return run_gui(args)
        if command == "restore":  # the database may be damaged: it is not opened first
            return cmd_restore(args)
        open_for(command, args.db)
        return COMMANDS[command](args)
    except KnownError as exc:
        print(f"shopcrm: {exc}", file=sys.stderr)
        return 2
    finally:
        connection.close()


def open_for(command: str, url: str | None) -> None:
    """Open the database as `command` needs it (the reading ones fall back to read-only)."""
    try:
        open_database(url, backup_folder=backup_folder())
    except (DatabaseInUseError, DamagedDatabaseError) as exc:
        if command not in READING_COMMANDS:
            raise
        log.warning("%s Reading it read-only.", exc)
        open_database(url, read_only=True)


def backup_folder() -> Path:
    """The backups folder chosen in the window on this computer (ui.backup_settings)."""
    try:
        from shopcrm.ui import backup_settings  # QtCore only
    except ImportError:  # no Qt: the default folder
        from shopcrm.db.backup import backup_dir

        return backup_dir()
    return backup_settings.folder()


def run_gui(args: argparse.Namespace) -> int:
    from shopcrm.ui.app import run  # Qt is imported only when a window is wanted

    if not args.demo:
        return run(args.db, lang=args.lang)
    folder = Path(tempfile.mkdtemp(prefix="shopcrm-demo-"))
    try:
        url = connection.sqlite_url(folder / "demo.db")
        open_database(url)
        _fill_demo(DEMO_CUSTOMERS, seed=1)
        connection.close()
        return run(url, lang=args.lang, demo=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _fill_demo(customers: int, seed: int) -> dict[str, int]:
    from shopcrm.core import demo

    return demo.generate(customers, seed=seed)


def cmd_demo(args: argparse.Namespace) -> int:
    counts = _fill_demo(args.customers, args.seed)
    print(", ".join(f"{table}: {n}" for table, n in counts.items()))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Exit 0 when every row went in, 1 when some were rejected, 2 when the file was refused."""
    import json

    from shopcrm.io import importer, imports

    plan = imports.plan_file(args.file, kind=args.kind, sheet=args.sheet)
    result = imports.run_plan(plan, kind=args.kind, duplicate_policy=args.duplicates,
                              dry_run=args.dry_run, backup_folder=backup_folder())
    reasons = [(row.row_number, [f"{e.header}: {e.error}" if e.header else str(e.error)
                                 for e in row.errors]) for row in result.rejected_rows]
    if args.rejects and result.rejected_rows:
        importer.write_rejects(result, args.rejects)
    if args.json:
        print(json.dumps({
            "file": str(args.file), "kind": args.kind, "dry_run": args.dry_run,
            "batch": result.batch_id or None, **imports.counts(result),
            "rejects_file": str(args.rejects) if args.rejects and reasons else None,
            "rejected_rows": [{"row": n, "reasons": r} for n, r in reasons[:100]],
        }, ensure_ascii=False))
        return 0 if not result.rejected else 1
    print(("dry run, nothing written: " if args.dry_run else "")
          + f"created {result.created}, updated {result.updated}, "
          f"skipped {result.skipped}, rejected {result.rejected}")
    for number, texts in reasons[:20]:
        print(f"  row {number}: " + "; ".join(texts))
    if args.rejects and reasons:
        print(f"rejected rows written to {args.rejects}")
    return 0 if not result.rejected else 1


def cmd_search(args: argparse.Namespace) -> int:
    """The matches of the window's search code: code, name, phone (grouped)."""
    import json

    from shopcrm.core import listing, phones

    ids = listing.find_ids(args.text, limit=args.limit)
    rows = listing.fetch_rows(ids)
    found = [{"code": rows[i].code, "name": rows[i].name,
              "phone": phones.format_phone(rows[i].phone)} for i in ids]
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        for row in found:
            print(f"{row['code']}\t{row['name']}\t{row['phone']}")
    return 0 if found else 1


def cmd_segments(args: argparse.Namespace) -> int:
    """Each customer's segments, as the list's badges show them (trash left out)."""
    import json

    from shopcrm.core import segments

    segments.recompute_if_stale()
    found = [{"code": code, "segment": funnel, "tier": tier}
             for code, funnel, tier in segments.customer_segments()]
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        for row in found:
            print(f"{row['code']}\t{row['segment']}\t{row['tier'] or ''}")
    return 0


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def cmd_care(args: argparse.Namespace) -> int:
    """The day's care tasks (the rules run first): overdue, then due, as the call sheet."""
    import json
    from datetime import date

    from shopcrm.core import care, phones

    today = args.date or date.today()
    generated, rows = care.run_day(today)
    found = [{"code": r.customer_code, "name": r.customer_name,
              "phone": phones.format_phone(r.phone) if r.phone else "",
              "task_type": r.task_type, "due_date": r.due_date.isoformat(),
              "overdue": r.overdue(today), "assigned_to": r.assigned_to, "message": r.message}
             for r in rows]
    if args.json:
        print(json.dumps({"date": today.isoformat(), "created": generated.created,
                          "tasks": found}, ensure_ascii=False, indent=2))
        return 0
    for title, overdue in (("Overdue", True), ("Due today", False)):
        part = [row for row in found if row["overdue"] == overdue]
        print(f"{title} ({len(part)})")
        for row in part:
            print(f"{row['code']}\t{row['name']}\t{row['phone']}\t{row['task_type']}\t"
                  f"{row['due_date']}\t{row['message']}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from shopcrm.io.export import export_file

    sheets = export_file(args.file, language=getattr(args, "lang", None) or "vi")
    count = sheets["customers"]
    if getattr(args, "json", False):
        import json

        print(json.dumps({"file": str(args.file), "customers": count, "exported": count,
                          "sheets": sheets}, ensure_ascii=False))
    else:
        others = ", ".join(f"{rows} {sheet}" for sheet, rows in sheets.items()
                           if sheet != "customers")
        print(f"{count} customers written to {args.file}" + (f" ({others})" if others else ""))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from datetime import datetime

    from shopcrm.db import auto_backup, backup

    if args.file is None and connection.is_sqlite():
        print(auto_backup.take_backup(backup_folder(), "manual"))  # named, rotated
        return 0
    target = args.file or backup.backup_dir() / backup.default_backup_name(datetime.now())
    print(backup.backup_to(target))  # on PostgreSQL: says the server does it
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from shopcrm.db import restore

    path = restore.database_file(connection.resolve_url(args.db))
    before = restore.restore(args.file, path, backup_folder())
    print(f"restored {args.file} into {path}")
    if before is not None:
        print(f"the data as it was before is kept in {before}")
    return 0


def cmd_migrate_to(args: argparse.Namespace) -> int:
    from shopcrm.db import transfer

    counts = transfer.copy_database(connection.db.obj, args.url)
    print(", ".join(f"{table}: {n}" for table, n in counts.items()))
    print(f"copied to {connection.redact(args.url)}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    """One page per customer in one PDF; exit 1 when a code is unknown or none is found."""
    from shopcrm.core import listing
    from shopcrm.db.models import Customer

    if args.codes:
        wanted = [code.strip().upper() for code in args.codes]
        found = dict(Customer.select(Customer.code, Customer.id)
                     .where(Customer.code.in_(wanted)).tuples())
        unknown = [code for code in wanted if code not in found]
        for code in unknown:
            print(f"shopcrm: no customer with the code {code}", file=sys.stderr)
        ids = [found[code] for code in wanted if code in found]
    else:
        unknown = []
        ids = listing.find_ids(args.search or "")
    if not ids:
        print("shopcrm: no customer to print, no file written", file=sys.stderr)
        return 1
    from shopcrm.ui import printing  # QtGui only: works without a display

    printing.ensure_application(args.summary_lang or args.lang)
    pages = printing.write_summaries_pdf(ids, args.pdf, args.summary_lang or args.lang)
    print(f"{pages} summaries written to {args.pdf}")
    return 1 if unknown else 0


COMMANDS = {"demo": cmd_demo, "import": cmd_import, "export": cmd_export, "search": cmd_search,
            "segments": cmd_segments, "care": cmd_care,
            "backup": cmd_backup, "summary": cmd_summary,
            "restore": cmd_restore, "migrate-to": cmd_migrate_to}
