"""A desktop notification at start: how many care tasks are overdue and due today.

Only where the desktop has a system tray (not offscreen, not in tests); the status bar
says the same everywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QStyle, QSystemTrayIcon


def tray_available() -> bool:
    """A system tray exists (never on the offscreen platform)."""
    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        return False
    return QSystemTrayIcon.isSystemTrayAvailable()


def notify_tasks(window, overdue: int, today: int) -> QSystemTrayIcon | None:
    """Show "N overdue, M due today" as a tray message; clicking it raises the window.
    The tray icon (kept on the window) or None when there is nothing to say or no tray."""
    if not (overdue or today) or not tray_available():
        return None
    icon = getattr(window, "_care_tray", None)
    if icon is None:
        image = window.windowIcon()
        if image.isNull():
            image = window.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        icon = QSystemTrayIcon(QIcon(image), window)
        icon.setToolTip(QCoreApplication.translate("tray", "ShopCRM"))
        icon.messageClicked.connect(lambda: (window.showNormal(), window.raise_(),
                                             window.activateWindow()))
        icon.activated.connect(lambda _reason: (window.showNormal(), window.raise_(),
                                                window.activateWindow()))
        window._care_tray = icon
    icon.show()
    icon.showMessage(QCoreApplication.translate("tray", "Care schedule"),
                     QCoreApplication.translate("tray", "{overdue} overdue, {today} due today")
                     .format(overdue=overdue, today=today),
                     QSystemTrayIcon.MessageIcon.Information, 10_000)
    return icon
