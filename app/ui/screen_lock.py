"""Tells the session when the screen locks or the machine suspends, where the platform says so.

Linux desktops report both over D-Bus (org.freedesktop.ScreenSaver.ActiveChanged on the session
bus, org.freedesktop.login1.Manager.PrepareForSleep on the system bus). Elsewhere, or with no
bus, nothing is reported and the idle timer and Ctrl+L remain.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

try:
    from PySide6.QtDBus import QDBusConnection
except ImportError:  # pragma: no cover - QtDBus missing from some builds
    QDBusConnection = None


class ScreenLockWatcher(QObject):
    """Signals:
    screen_locked(): the screen saver locked the screen or the machine is about to sleep.
    """

    screen_locked = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.watching: list[str] = []
        if QDBusConnection is None:
            return
        session = QDBusConnection.sessionBus()
        if session.isConnected() and session.connect(
            "",
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
            "ActiveChanged",
            self,
            "_on_screensaver_active_changed(bool)",
        ):
            self.watching.append("screensaver")
        system = QDBusConnection.systemBus()
        if system.isConnected() and system.connect(
            "org.freedesktop.login1",
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            self,
            "_on_login1_prepare_for_sleep(bool)",
        ):
            self.watching.append("sleep")

    @Slot(bool)
    def _on_screensaver_active_changed(self, active: bool) -> None:
        if active:
            self.screen_locked.emit()

    @Slot(bool)
    def _on_login1_prepare_for_sleep(self, sleeping: bool) -> None:
        if sleeping:
            self.screen_locked.emit()
