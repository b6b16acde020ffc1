"""Connects the Audit view to the loaded vault: the history read in the background whenever the
view is shown after a change, verification of the ledger, and the evidence pack."""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QStandardPaths, Signal, Slot
from PySide6.QtWidgets import QWidget

from app.core.errors import KeyLedgerError
from app.core.model import AuditEntry, VerifyReport
from app.services import audit
from app.services.settings import Settings
from app.services.vault import Vault
from app.ui.console_controller import ConsoleController
from app.ui.dialogs.evidence_dialog import EvidenceDialog
from app.ui.dialogs.evidence_export import ExportFn, Written, real_export
from app.ui.models.audit_model import AuditRow, build_rows
from app.ui.views.audit_view import AuditView
from app.ui.worker import Job, run_in_background

LOCK_CHECK_EVERY = 2000  # events between checks that the vault is still unlocked


class VaultLocked(Exception):
    """The vault locked while its history was being read."""


def read_rows(vault: Vault, tz: tzinfo | None) -> list[AuditRow]:
    """Every event decrypted and laid out (seconds at 100k events): for a worker thread."""
    entries: list[AuditEntry] = []
    with vault.reading() as reader:  # its own connection: the GUI thread may commit meanwhile
        for n, entry in enumerate(audit.entries(reader)):
            if n % LOCK_CHECK_EVERY == 0 and reader.locked:
                raise VaultLocked
            entries.append(entry)
    return build_rows(entries, tz)


def one_line(error: BaseException) -> str:
    if isinstance(error, KeyLedgerError):
        return " ".join(str(error).split())
    return f"{type(error).__name__}: {' '.join(str(error).split())}".rstrip(": ")


class AuditController(QObject):
    """Signals:
    message(str): a short note for the status bar.
    """

    message = Signal(str)

    def __init__(
        self,
        page_view: AuditView,
        console: ConsoleController,
        settings: Settings,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.view, self.console, self.settings, self.window = page_view, console, settings, window
        self.tz: tzinfo | None = None  # None: this computer's zone, summer time included
        self.export_fn: ExportFn = real_export
        self.stale = True  # the view shows an older history than the vault's
        self.dialog: EvidenceDialog | None = None
        self._generation = 0  # moves on at every unload: older jobs' results are dropped
        self._load_job: Job | None = None
        self._verify_job: Job | None = None
        self._load_generation = self._verify_generation = -1  # the running jobs' generations
        self._reload = False  # the vault changed while its history was being read
        self._verified = False  # in this session
        page_view.verify_requested.connect(self.verify)
        page_view.export_requested.connect(self.export)
        page_view.installEventFilter(self)
        console.loaded.connect(self._on_console_loaded)

    def _now(self) -> datetime:
        return self.console.session.clock.now()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Show and self.stale:
            self.refresh()
        return False

    # --- the history ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the history again in the background; only while the view is shown."""
        vault = self.console.vault
        if vault is None:
            self.view.clear()
            return
        if not self.view.isVisible():
            self.stale = True
            return
        job = self._load_job
        if job is not None and job.running and self._load_generation == self._generation:
            self._reload = True
            return
        self.stale, self._reload = False, False
        generation, tz = self._generation, self.tz
        self._load_generation = generation
        if not self._verified:
            self._show_last_verification(vault)
        self.view.set_note(self.tr("Reading the history…"))
        self._load_job = run_in_background(
            lambda: read_rows(vault, tz),
            lambda rows: self._on_rows_read(generation, rows, tz),
            lambda error: self._on_rows_failed(generation, error),
            self,
        )

    def _current(self, generation: int) -> bool:
        vault = self.console.vault
        return generation == self._generation and vault is not None and not vault.locked

    def _on_rows_read(self, generation: int, rows: list[AuditRow], tz: tzinfo | None) -> None:
        if not self._current(generation):
            return
        self.view.set_rows(rows, tz)
        if self._reload:
            self.refresh()

    def _on_rows_failed(self, generation: int, error: BaseException) -> None:
        if not self._current(generation):
            return
        self.stale = True  # the next showing tries again
        text = self.tr("Could not read the history: %s") % one_line(error)
        self.view.set_note(text)
        self.message.emit(text)

    def unload(self) -> None:
        self._generation += 1
        self.stale, self._reload, self._verified = True, False, False
        if self.dialog is not None:
            self.dialog.abort()  # its export stops; the dialog closes when it has
        self.view.clear()

    @Slot()
    def _on_console_loaded(self) -> None:
        self.stale = True
        if self.view.isVisible():
            self.refresh()

    # --- verification -----------------------------------------------------------------------

    def _show_last_verification(self, vault: Vault) -> None:
        from app.services.overview import last_verification

        last = last_verification(vault.vault_id)
        text = self.tr("Not verified yet")
        if last.at and last.problem:
            at = datetime.fromisoformat(last.at).astimezone(self.tz)
            text = self.tr("The last check, %s, failed: %s") % (
                at.strftime("%Y-%m-%d %H:%M"),
                last.problem,
            )
            self.view.set_verification("failed", text)
            return
        if last.at:
            at = datetime.fromisoformat(last.at).astimezone(self.tz)
            text = self.tr("Not verified since unlocking · last check %s, %s commits") % (
                at.strftime("%Y-%m-%d %H:%M"),
                f"{last.commits:,}",
            )
        self.view.set_verification("unknown", text)

    @Slot()
    def verify(self) -> None:
        vault, job = self.console.vault, self._verify_job
        if vault is None:
            return
        if job is not None and job.running and self._verify_generation == self._generation:
            return  # one from before a lock may still run: its result will be dropped
        from app.services.integrity import verify_vault

        generation, published = self._generation, vault.published
        self._verify_generation = generation
        self.view.set_verification("running", self.tr("Verifying…"))
        self._verify_job = run_in_background(
            lambda: verify_vault(published),
            lambda report: self._on_verified(generation, report),
            lambda error: self._on_verify_failed(generation, error),
            self,
        )

    def _on_verified(self, generation: int, report: VerifyReport) -> None:
        if not self._current(generation):
            return
        self._verified = True
        at = self._now().astimezone(self.tz).strftime("%H:%M")
        self.view.set_verification(
            "ok",
            self.tr("History verified %s — %s commits") % (at, f"{report.commits:,}"),
        )
        self.message.emit(
            self.tr("History verified: %s commits, %s events, head %s; checked %s.")
            % (f"{report.commits:,}", f"{report.events:,}", report.head[:16],
               ", ".join(report.checked))
        )  # fmt: skip

    def _on_verify_failed(self, generation: int, error: BaseException) -> None:
        if not self._current(generation):
            return
        self._verified = True
        text = self.tr("Verification failed: %s") % one_line(error)
        self.view.set_verification("failed", text)
        self.message.emit(text)

    # --- the evidence pack ------------------------------------------------------------------

    def _folder(self) -> Path:
        found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return Path(found) if found and Path(found).is_dir() else Path.home()

    @Slot()
    def export(self) -> None:
        vault = self.console.vault
        if vault is None or self.dialog is not None:
            return
        dialog = self.dialog = EvidenceDialog(
            vault,
            self._now(),
            self.window,
            export=self.export_fn,
            folder=self._folder(),
        )
        dialog.exported.connect(self._on_dialog_exported)
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()

    @Slot(object)
    def _on_dialog_exported(self, written: Written) -> None:
        self._on_console_loaded()  # the export is itself an event of the history
        self.message.emit(
            self.tr("Wrote the evidence pack %s (SHA-256 %s…).")
            % (written.path.name, written.sha256[:16])
        )

    @Slot(int)
    def _on_dialog_finished(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
