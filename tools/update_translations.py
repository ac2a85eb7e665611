"""Update ShopCRM's translation files from the sources, and compile them.

Workflow when you change user-visible strings in shopcrm/:

1. run ``python tools/update_translations.py``: pyside6-lupdate collects every
   string marked with ``self.tr()``, ``QCoreApplication.translate()`` or
   ``QT_TRANSLATE_NOOP()`` into ``resources/translations/shopcrm_vi.ts`` and
   ``shopcrm_en.ts``; new or changed strings appear as unfinished entries, and
   strings no longer in the sources are dropped (``-no-obsolete``);
2. translate the unfinished entries of ``shopcrm_vi.ts``, in Qt Linguist
   (``pyside6-linguist resources/translations/shopcrm_vi.ts``, then mark each
   one done) or by hand (fill ``<translation>`` and remove
   ``type="unfinished"``); keep every ``{placeholder}`` of the source;
3. run the script again: it normalises the .ts files and pyside6-lrelease
   compiles ``shopcrm_vi.qm`` and ``shopcrm_en.qm`` beside them. Commit the
   .ts and .qm files together.

``python tools/update_translations.py --check`` writes nothing; it exits with 1
when the .ts files are not what lupdate would make of the current sources, or
when a .qm is not the compilation of its .ts (tests/ui/test_translations.py
runs this check).

The .ts files keep no source locations (``-locations none``) and sort messages
within a context (``-sort-messages``), so moving code around does not touch them
and their diffs only show real string changes.

English is the source language: ``shopcrm_en.ts`` lists every string with an
empty, unfinished translation on purpose. Qt shows the source text for a message
without a translation, and the app does not even load ``shopcrm_en.qm``; the file
exists so that a reviewer can read all English strings in one place, and so that
an English wording could one day be overridden without changing code. Only
finished translations are compiled (``-nounfinished``), so a Vietnamese string
that lupdate carried over from an edited source stays out of the app until a
translator has checked it.
"""

from __future__ import annotations

import argparse
import shutil
import string
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "shopcrm"
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("vi", "en")
SOURCE_LANGUAGE = "en"

LUPDATE_OPTIONS = ("-no-obsolete", "-locations", "none", "-sort-messages")
LRELEASE_OPTIONS = ("-nounfinished",)


class ToolMissing(FileNotFoundError):
    """pyside6-lupdate or pyside6-lrelease is not installed."""


def find_tool(name: str) -> str:
    """The Qt tool installed with this Python's PySide6 (beside sys.executable), else on PATH."""
    beside = shutil.which(name, path=str(Path(sys.executable).parent))
    found = beside or shutil.which(name)
    if not found:
        raise ToolMissing(f"{name} not found beside {sys.executable} nor on PATH "
                          "(pip install PySide6-Essentials)")
    return found


def ts_path(language: str, folder: Path = TRANSLATIONS) -> Path:
    return folder / f"shopcrm_{language}.ts"


def qm_path(language: str, folder: Path = TRANSLATIONS) -> Path:
    return folder / f"shopcrm_{language}.qm"


def source_files() -> list[str]:
    """Every .py under shopcrm/, relative to the repository, in a stable order."""
    return sorted(path.relative_to(ROOT).as_posix() for path in SOURCES.rglob("*.py")
                  if "__pycache__" not in path.parts)


def _run(command: list[str], quiet: bool) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                            encoding="utf-8", errors="replace")
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n"
                           f"{result.stdout}{result.stderr}")
    if not quiet:
        sys.stdout.write(result.stdout)
    if result.stderr.strip():  # lupdate's warnings (e.g. a tr() it cannot place)
        sys.stderr.write(result.stderr)


def run_lupdate(ts_file: Path, language: str, quiet: bool = False) -> None:
    """Merge the strings of the sources into `ts_file` (created when missing)."""
    command = [find_tool("pyside6-lupdate"), *LUPDATE_OPTIONS,
               "-source-language", SOURCE_LANGUAGE, "-target-language", language,
               *source_files(), "-ts", str(ts_file)]
    _run(command, quiet)


def run_lrelease(ts_file: Path, qm_file: Path, quiet: bool = False) -> None:
    _run([find_tool("pyside6-lrelease"), *LRELEASE_OPTIONS, str(ts_file), "-qm", str(qm_file)],
         quiet)


# -- reading .ts files ----------------------------------------------------------------

def messages(ts_file: Path) -> dict[tuple[str, str], tuple[str, bool]]:
    """(context, source) -> (translation, finished) for every message of a .ts file."""
    found = {}
    for context in ET.parse(ts_file).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            text = (translation.text or "") if translation is not None else ""
            kind = translation.get("type") if translation is not None else "unfinished"
            found[(name, message.findtext("source") or "")] = (text, kind is None)
    return found


def placeholders(text: str) -> set[str]:
    """The {fields} that str.format fills in, as written ({{ and }} are literal braces).

    Raises ValueError for braces str.format cannot read (a lone { or }).
    """
    return {"{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            for _literal, name, spec, conversion in string.Formatter().parse(text)
            if name is not None}


def problems(language: str = "vi") -> list[str]:
    """Unfinished, empty or placeholder-breaking translations of a translated language."""
    found = []
    for (context, source), (text, finished) in messages(ts_path(language)).items():
        where = f"{context}: {source!r}"
        if not finished or not text.strip():
            found.append(f"not translated yet: {where}")
        else:
            try:
                same = placeholders(text) == placeholders(source)
            except ValueError:
                same = False
            if not same:
                found.append(f"placeholders differ from the source: {where} -> {text!r}")
    return found


# -- check and update -------------------------------------------------------------------

def _describe_difference(current: Path, expected: Path) -> list[str]:
    if not current.exists():
        return [f"{current.relative_to(ROOT)} is missing"]
    try:
        have, want = messages(current), messages(expected)
    except ET.ParseError as exc:
        return [f"{current.relative_to(ROOT)} is not valid XML: {exc}"]
    lines = [f"{current.relative_to(ROOT)} is not up to date with the sources"]
    lines += [f"  new in the sources: {ctx}: {src!r}" for ctx, src in sorted(want.keys() - have)]
    lines += [f"  no longer in the sources: {ctx}: {src!r}"
              for ctx, src in sorted(have.keys() - want)]
    if len(lines) == 1:
        lines.append("  (same strings, but not in lupdate's layout: run the script to rewrite it)")
    return lines


def check() -> list[str]:
    """What is out of date, without writing anything; an empty list when all is current."""
    out_of_date = []
    with tempfile.TemporaryDirectory(prefix="shopcrm-ts-") as folder:
        scratch = Path(folder)
        for language in LANGUAGES:
            current, expected = ts_path(language), ts_path(language, scratch)
            if current.exists():
                shutil.copyfile(current, expected)
            run_lupdate(expected, language, quiet=True)
            if not current.exists() or current.read_bytes() != expected.read_bytes():
                out_of_date += _describe_difference(current, expected)
                continue
            compiled = qm_path(language, scratch)
            run_lrelease(current, compiled, quiet=True)
            shipped = qm_path(language)
            if not shipped.exists() or shipped.read_bytes() != compiled.read_bytes():
                out_of_date.append(f"{shipped.relative_to(ROOT)} is not compiled from "
                                   f"{current.name}: run the script")
    return out_of_date


def update(quiet: bool = False) -> None:
    """Update both .ts files from the sources and compile both .qm files."""
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        run_lupdate(ts_path(language), language, quiet)
        run_lrelease(ts_path(language), qm_path(language), quiet)
    # Qt ships no Vietnamese for its own buttons and menus (qtbase_vi.qm): ours, by hand.
    run_lrelease(TRANSLATIONS / "qt_vi.ts", TRANSLATIONS / "qt_vi.qm", quiet)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a .ts or .qm file is out of date")
    parser.add_argument("-q", "--quiet", action="store_true", help="only print problems")
    args = parser.parse_args(argv)
    try:
        if args.check:
            out_of_date = check()
            for line in out_of_date:
                print(line, file=sys.stderr)
            if out_of_date:
                print("Run: python tools/update_translations.py", file=sys.stderr)
                return 1
            if not args.quiet:
                print("Translation files are up to date.")
            return 0
        update(args.quiet)
    except ToolMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    todo = problems("vi")
    for line in todo:
        print(f"{ts_path('vi').name}: {line}", file=sys.stderr)
    if todo:
        print(f"{len(todo)} Vietnamese string(s) to translate: open {ts_path('vi').relative_to(ROOT)}"
              " in pyside6-linguist (or edit it), then run this script again.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
