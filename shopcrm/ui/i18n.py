"""The UI language: Qt translators, QLocale formatting, and translated core errors.

Vietnamese is chosen when the system speaks it or the user picked it; English
(the source language of every string) otherwise.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate, QLibraryInfo, QLocale, QSettings, QTranslator

from shopcrm.core.errors import KnownError

log = logging.getLogger(__name__)

LANGUAGES = ("vi", "en")
TRANSLATIONS = Path(__file__).resolve().parents[2] / "resources" / "translations"

DATE_FORMAT = "dd/MM/yyyy"

_translators: list[QTranslator] = []


def chosen_language(override: str | None = None) -> str:
    """The language given, else the one saved in Settings, else the system's."""
    if override in LANGUAGES:
        return override
    saved = QSettings().value("ui/language", "")
    if saved in LANGUAGES:
        return saved
    return "vi" if QLocale.system().language() == QLocale.Language.Vietnamese else "en"


def install(language: str) -> None:
    """Load ShopCRM's and Qt's own translations for `language` into the application."""
    app = QCoreApplication.instance()
    for translator in _translators:
        app.removeTranslator(translator)
    _translators.clear()
    locale = QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam) if language == "vi" \
        else QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    QLocale.setDefault(locale)
    if language == "en":
        return
    ours = QTranslator(app)
    if ours.load(str(TRANSLATIONS / f"shopcrm_{language}.qm")):
        _translators.append(ours)
    else:
        log.warning("no %s translation in %s", language, TRANSLATIONS)
    qt_own = QTranslator(app)
    if qt_own.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        _translators.append(qt_own)
    else:  # Qt has no qtbase_vi: our own translation of its buttons, menus and dialogs
        qt_ours = QTranslator(app)
        if qt_ours.load(str(TRANSLATIONS / f"qt_{language}.qm")):
            _translators.append(qt_ours)
    for translator in _translators:
        app.installTranslator(translator)


def current_language() -> str:
    return "vi" if QLocale().language() == QLocale.Language.Vietnamese else "en"


def error_text(exc: KnownError) -> str:
    """A core error in the user's language, its parameters filled in."""
    from shopcrm.ui.labels import field_label

    template = QCoreApplication.translate("errors", exc.message)
    # A parameter named "field" holds a field key: show its name in the user's language.
    params = {**exc.params, **({"field": field_label(exc.params["field"])}
                               if "field" in exc.params else {})}
    try:
        return template.format(**params)
    except (KeyError, IndexError):  # a translation that lost a placeholder
        return exc.message.format(**params)


def number(value: int) -> str:
    """12.345 in Vietnamese, 12,345 in English."""
    return QLocale().toString(int(value))


def money(amount: int | None) -> str:
    """1.250.000 ₫ in Vietnamese, 1,250,000 ₫ in English."""
    if amount is None:
        return ""
    return f"{QLocale().toString(int(amount))} ₫"


def date_text(value: dt.date | dt.datetime | None) -> str:
    """dd/MM/yyyy in both languages: the shop is in Vietnam, and forms parse that order."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return QLocale().toString(QDate(value.year, value.month, value.day), DATE_FORMAT)
