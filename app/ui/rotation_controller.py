"""Connects the Rotation view to the loaded vault: its items, rotate, open in Secrets, export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.core import rotation
from app.core.clock import local_zone
from app.core.errors import KeyLedgerError
from app.services import rotation_export
from app.services.settings import Settings
from app.ui.console_controller import ConsoleController
from app.ui.views.console import ConsolePage


class RotationController(QObject):
    """Signals:
    message(str): a short note for the status bar.
    """

    message = Signal(str)

    def __init__(
        self,
        page: ConsolePage,
        console: ConsoleController,
        settings: Settings,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.page, self.console, self.settings, self.window = page, console, settings, window
        self.view = page.rotation
        self.stale = True  # the view shows an older load than the console's
        self.view.rotate_requested.connect(console.rotate_secret)
        self.view.secret_activated.connect(console.select_secret)
        self.view.export_calendar_requested.connect(self.export_calendar)
        console.loaded.connect(self._on_console_loaded)
        page.view_changed.connect(self._on_view_changed)

    def _now(self) -> datetime:
        return self.console.session.clock.now()

    def items(self) -> list[rotation.RotationItem]:
        return rotation.items(
            self.console.all_secrets,
            self.console.flags,
            self._now(),
            self.settings.get("due_soon_days"),
        )

    def refresh(self) -> None:
        """Lay the items out again; at 100k keys about a second, so only while in view."""
        if self.page.current_view() != self.page.ROTATION:
            self.stale = True
            return
        if self.console.vault is None:
            self.view.clear()
            return
        now = self._now()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.view.set_items(
                self.items(),
                now,
                local_zone(),
                env_order=[e.name for e in self.console.envs],
            )
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.stale = False

    def unload(self) -> None:
        self.view.clear()
        self.stale = True

    @Slot()
    def _on_console_loaded(self) -> None:
        self.stale = True
        self.refresh()

    @Slot(str)
    def _on_view_changed(self, name: str) -> None:
        if name == self.page.ROTATION and self.stale:
            self.refresh()

    @Slot()
    def export_calendar(self) -> None:
        vault = self.console.vault
        if vault is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self.window,
            self.tr("Export rotation calendar"),
            "keyledger-rotations.ics",
            self.tr("iCalendar files (*.ics)"),
        )
        if not name:
            return
        path = Path(name if name.endswith(".ics") else name + ".ics")
        try:
            # The dialog asked before replacing the file it named (not one with ".ics" added).
            count = rotation_export.write_calendar(
                vault,
                path,
                self._now(),
                None,
                due_soon_days=self.settings.get("due_soon_days"),
                force=name.endswith(".ics"),
            )
        except (KeyLedgerError, OSError) as exc:
            QMessageBox.warning(self.window, self.tr("KeyLedger"), " ".join(str(exc).split()))
            return
        self.message.emit(
            self.tr("Wrote %d due dates to %s; it lists key names, never values.")
            % (count, path.name)
        )
