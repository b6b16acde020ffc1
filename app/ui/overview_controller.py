"""Connects the Overview to the loaded vault: figures worked out when the page is shown.

Reading the figures decrypts every key's metadata (160–220 ms at 10k keys), so it runs off the
GUI thread; a result that arrives after a lock or after a newer request is dropped.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, tzinfo

from PySide6.QtCore import QEvent, QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from app.core.clock import local_zone
from app.core.errors import KeyLedgerError
from app.services.overview import Overview, overview
from app.services.settings import Settings
from app.services.vault import Vault
from app.ui.console_controller import ConsoleController
from app.ui.models.secrets_model import SecretRow, rotation_status
from app.ui.views.overview_view import OverviewView
from app.ui.worker import Job, run_in_background


class OverviewController(QObject):
    """Signals:
    navigate(str): a figure was followed; its target (see OverviewView.link_activated).
    message(str): a short note for the status bar.
    refreshed(): the view shows figures as of the last load.
    """

    navigate = Signal(str)
    message = Signal(str)
    refreshed = Signal()

    def __init__(
        self,
        view: OverviewView,
        console: ConsoleController,
        settings: Settings,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.view, self.console, self.settings, self.window = view, console, settings, window
        self.stale = True  # the view shows an older load than the console's
        self.job: Job | None = None  # the figures being worked out; only its result is shown
        view.link_activated.connect(self.navigate)
        console.loaded.connect(self._on_console_loaded)
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Show and self.stale:
            self.refresh()
        return False

    def refresh(self) -> None:
        """Work the figures out again if the page is shown; otherwise when it next is."""
        if not self.view.isVisible():
            self.stale = True
            return
        vault = self.console.vault
        if vault is None:
            self.view.clear()
            return
        self.stale = False
        now = self.console.session.clock.now()
        tz = local_zone()
        due_soon = self.settings.get("due_soon_days")
        # The console's rows: decrypted, due dates parsed, flags attached.
        rows = self.console.all_rows
        job = self.job = run_in_background(
            lambda: _figures(vault, now, due_soon, rows),
            lambda ov: self._on_done(job, ov, now, tz),
            lambda exc: self._on_failed(job, exc),
            self,
        )

    def busy(self) -> bool:
        return self.job is not None

    def unload(self) -> None:
        """The vault was locked: drop the figures and any still being worked out."""
        self.job = None
        self.stale = True
        self.view.clear()

    def _on_done(self, job: Job, ov: Overview, now: datetime, tz: tzinfo | None) -> None:
        job.deleteLater()
        if job is not self.job:
            return  # the vault was locked, or newer figures were asked for
        self.job = None
        self.view.set_overview(ov, now, tz or now.tzinfo)  # type: ignore[arg-type]
        self.refreshed.emit()

    def _on_failed(self, job: Job, error: BaseException) -> None:
        job.deleteLater()
        if job is not self.job:
            return  # e.g. the vault was locked while its figures were being read
        self.job = None
        self.stale = True
        if isinstance(error, KeyLedgerError | OSError):
            text = " ".join(str(error).split())
        else:
            text = self.tr("unexpected %s") % error.__class__.__name__
        self.message.emit(self.tr("The overview could not be read (%s).") % text)

    @Slot()
    def _on_console_loaded(self) -> None:
        self.stale = True
        self.refresh()


def _figures(
    vault: Vault,
    now: datetime,
    due_soon: int,
    rows: list[SecretRow],
) -> Overview:
    """On a worker: over a connection of its own (the GUI thread may commit meanwhile)."""
    # Statuses as of now from the rows' parsed due dates: a tenth of the time of parsing
    # 100k dates again (core.rotation.items), which held the GIL while the console painted.
    counts = Counter(
        (r.secret.env_id, rotation_status(r.next_due, now, due_soon, r.flag is not None))
        for r in rows
    )
    with vault.reading() as reader:
        return overview(reader, now, due_soon, counts=counts)
