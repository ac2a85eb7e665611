"""The translation files: current with the sources, complete, compiled, and used by the app.

When one of these fails after a string change, run `python tools/update_translations.py`,
translate the new entries of resources/translations/shopcrm_vi.ts, and run it again.
"""

from __future__ import annotations

import importlib.util
import string
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "resources" / "translations"
FIX = "run `python tools/update_translations.py`, translate what it lists, and run it again"


def _load_tool():
    """tools/update_translations.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "shopcrm_update_translations", ROOT / "tools" / "update_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def read_ts(language: str) -> list[tuple[str, str, str, bool]]:
    """(context, source, translation, finished) of every message in shopcrm_<language>.ts."""
    root = ET.parse(TRANSLATIONS / f"shopcrm_{language}.ts").getroot()
    assert root.get("language") == language
    found = []
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None, f"{name}: {message.findtext('source')!r} has no <translation>"
            found.append((name, message.findtext("source") or "", translation.text or "",
                          translation.get("type") is None))
    return found


def fields(text: str) -> set[str]:
    """The str.format fields of `text` as written, e.g. {"{count}", "{total}"}."""
    return {"{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            for _literal, name, spec, conversion in string.Formatter().parse(text)
            if name is not None}


def accelerators(text: str) -> int:
    return text.replace("&&", "").count("&")


def test_ts_files_are_up_to_date_with_the_sources():
    try:
        tool.find_tool("pyside6-lupdate")
        tool.find_tool("pyside6-lrelease")
    except tool.ToolMissing as exc:
        pytest.skip(f"cannot compare the .ts files with the sources: {exc}")
    out_of_date = tool.check()
    assert not out_of_date, "\n".join([*out_of_date, FIX])


def test_every_vietnamese_string_is_translated():
    messages = read_ts("vi")
    assert len(messages) > 100  # the whole UI, not an empty file
    todo = [f"{context}: {source!r}" for context, source, text, finished in messages
            if not finished or not text.strip()]
    assert not todo, "untranslated in shopcrm_vi.ts:\n" + "\n".join(todo) + f"\n{FIX}"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_translations_keep_the_placeholders_of_their_source(language):
    broken = []
    for context, source, text, _finished in read_ts(language):
        if not text:  # English is the source language: its translations stay empty
            continue
        try:
            same = fields(text) == fields(source)
        except ValueError:  # a lone { or } that str.format cannot read
            same = False
        if not same:
            broken.append(f"{context}: {source!r} -> {text!r}")
    assert not broken, f"placeholders differ in shopcrm_{language}.ts:\n" + "\n".join(broken)


def test_menu_and_button_texts_keep_one_accelerator():
    wrong = [f"{context}: {source!r} -> {text!r}" for context, source, text, _ in read_ts("vi")
             if accelerators(text) != min(accelerators(source), 1)]
    assert not wrong, "accelerators (&) lost or doubled:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_compiled_qm_matches_the_ts(qapp, language):
    translator = QTranslator()
    assert translator.load(str(TRANSLATIONS / f"shopcrm_{language}.qm")), f"{FIX}"
    stale = []
    for context, source, text, finished in read_ts(language):
        shipped = text if finished else ""  # unfinished strings are not compiled (-nounfinished)
        got = translator.translate(context, source) or ""
        if got != shipped:
            stale.append(f"{context}: {source!r}: .qm gives {got!r}, .ts says {shipped!r}")
    assert not stale, f"shopcrm_{language}.qm is not compiled from its .ts:\n" + \
        "\n".join(stale[:20]) + f"\n{FIX}"


def test_the_app_speaks_vietnamese_when_asked(qapp):
    from shopcrm.core import dates
    from shopcrm.core.errors import ValidationError
    from shopcrm.ui import i18n
    from shopcrm.ui.app import make_application
    from shopcrm.ui.labels import label

    source = "A customer needs a name."
    expected = {(c, s): t for c, s, t, _ in read_ts("vi")}[("errors", source)]
    assert expected and expected != source
    try:
        make_application("vi")
        assert QCoreApplication.translate("errors", source) == expected
        assert label("gender", "female") == "Nữ"
        with pytest.raises(ValidationError) as raised:
            dates.parse_date("31/02/2024")
        assert i18n.error_text(raised.value) == "Ngày 31/02/2024 không có trên lịch."
    finally:
        make_application("en")
    assert QCoreApplication.translate("errors", source) == source
    assert i18n.error_text(raised.value) == "31/02/2024 is not a day of the calendar."


def test_qt_own_buttons_speak_vietnamese(qapp):
    """Qt ships no qtbase_vi: Save, Cancel, Yes and No come from resources/translations/qt_vi."""
    from PySide6.QtWidgets import QDialogButtonBox

    from shopcrm.ui.app import make_application

    make_application("vi")
    try:
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                               | QDialogButtonBox.StandardButton.Cancel)
        texts = {button.text() for button in box.buttons()}
        assert texts == {"Lưu", "Hủy"}
    finally:
        make_application("en")


def test_no_translation_marker_hides_inside_an_f_string():
    """lupdate does not read inside f-strings: a marker there is never translated (the
    printed summary once said "Form of address" in Vietnamese)."""
    import ast

    def is_marker(node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return False
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        # The source text: tr(text), translate(context, text), QT_TRANSLATE_NOOP(context, text).
        position = {"tr": 0, "translate": 1, "QT_TRANSLATE_NOOP": 1}.get(name)
        if position is None or len(node.args) <= position:
            return False
        text = node.args[position]  # a variable is fine: its text is marked elsewhere
        return isinstance(text, ast.Constant) and isinstance(text.value, str)

    hidden = []
    for path in sorted((ROOT / "shopcrm").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and any(is_marker(n) for n in ast.walk(node)):
                hidden.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not hidden, "translation markers inside f-strings: " + ", ".join(hidden)
