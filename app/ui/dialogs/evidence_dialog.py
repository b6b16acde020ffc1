"""Evidence pack: asks the audit period and the file, exports in the background with progress
and Cancel, then shows the file, its SHA-256 and the command that verifies it."""

from __future__ import annotations

import shlex
import threading
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import KeyLedgerError
from app.ui.dialogs import evidence_export
from app.ui.dialogs.period_picker import PeriodPicker
from app.ui.worker import Job, run_in_background

_ERROR_STYLE = "color: #d64545;"
_SELECTABLE = (
    Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
)


class EvidenceDialog(QDialog):
    """Signals:
    progressed(int, int): work done and total, from the export (emitted on its thread, so
        delivered queued on the GUI thread).
    exported(object): a `Written` (file, SHA-256, counts), once the pack is written.
    """

    progressed = Signal(int, int)
    exported = Signal(object)

    def __init__(
        self,
        vault: object,
        now: datetime,
        parent: QWidget | None = None,
        *,
        export: evidence_export.ExportFn = evidence_export.real_export,
        folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.vault, self.now, self._export = vault, now, export
        self.folder = folder or Path.home()
        self.today = now.astimezone(UTC).date()  # the pack counts UTC days, as the ledger
        self.job: Job | None = None
        self.written: evidence_export.Written | None = None
        self._cancel = threading.Event()
        self._close_when_done = False
        self._auto_name = True  # the file name follows the dates until the user edits it
        self.setWindowTitle(self.tr("Evidence pack"))
        self.setMinimumWidth(680)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "One signed zip for the auditor: the period's audit events, access list and"
                " reviews, rotation log, inventory without values, policies and MFA enrollment,"
                " as CSV and JSON, with a summary page."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form = QWidget()
        form = QFormLayout(self.form)
        form.setContentsMargins(0, 6, 0, 0)
        self.picker = PeriodPicker(self.today)
        self.picker.changed.connect(self._on_period_changed)
        self.start, self.end = self.picker.start, self.picker.end
        form.addRow(self._label(self.tr("Audit &period"), self.start), self.picker)
        file_row = self._file_row()
        form.addRow(self._label(self.tr("Save &as"), self.path), file_row)
        layout.addWidget(self.form)
        self.replace = QCheckBox(self.tr("&Replace the existing file"))
        self.replace.setAccessibleName(self.tr("Replace the existing file"))
        self.replace.toggled.connect(self._validate)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(_ERROR_STYLE)
        self.problem.setAccessibleName(self.tr("Problem"))
        layout.addWidget(self.problem)
        layout.addWidget(self.replace)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Export progress"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(_SELECTABLE)
        self.status.setAccessibleName(self.tr("Export result"))
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            self.tr("&Export"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.progressed.connect(self._on_progressed)
        self._on_period_changed()
        self._show_idle()

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _file_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setAccessibleName(self.tr("Pack file"))
        self.path.textEdited.connect(self._on_path_edited)
        self.path.textChanged.connect(self._validate)
        self.choose = QPushButton(self.tr("&Choose…"))
        self.choose.setAccessibleName(self.tr("Choose the pack file"))
        self.choose.clicked.connect(self._on_choose_clicked)
        row.addWidget(self.path, 1)
        row.addWidget(self.choose)
        return row

    # --- the form ---------------------------------------------------------------------------

    def period(self) -> tuple[date, date]:
        return self.picker.period()

    def target(self) -> Path:
        """The file to write: relative to the default folder, always ending in .zip."""
        path = Path(self.path.text().strip()).expanduser()
        if not path.is_absolute():
            path = self.folder / path
        return path if path.suffix.lower() == ".zip" else path.with_name(path.name + ".zip")

    def check(self) -> str:
        """What stops the export, or ""."""
        first, last = self.period()
        if first > last:
            return self.tr("The period starts after it ends.")
        if not self.path.text().strip():
            return self.tr("Choose where to write the pack.")
        target = self.target()
        if not target.parent.is_dir():
            return self.tr("The folder %s does not exist.") % target.parent
        if target.is_dir():
            return self.tr("%s is a folder.") % target
        if target.exists() and not self.replace.isChecked():
            return self.tr("%s already exists.") % target.name
        return ""

    @Slot()
    def _on_period_changed(self) -> None:
        if self._auto_name:
            folder = self.target().parent if self.path.text().strip() else self.folder
            first, last = self.period()
            self.path.setText(
                evidence_export.shown_path(folder / f"keyledger-evidence-{first}-{last}.zip")
            )
        self._validate()

    @Slot(str)
    def _on_path_edited(self, _text: str) -> None:
        self._auto_name = False

    @Slot()
    def _on_choose_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the evidence pack"), str(self.target()), self.tr("Zip (*.zip)")
        )
        if name:
            self._auto_name = False
            self.path.setText(name)
            # The file dialog has asked before replacing a file.
            self.replace.setChecked(Path(name).exists())

    @Slot()
    def _validate(self) -> None:
        if self.job is not None:
            return
        self.replace.setVisible(self.target().is_file() if self.path.text().strip() else False)
        problem = self.check()
        self.problem.setText(problem)
        self.export_button.setEnabled(not problem)

    # --- exporting --------------------------------------------------------------------------

    @Slot()
    def start_export(self) -> None:
        if self.job is not None or self.check():
            return
        self._cancel.clear()
        task = evidence_export.export_task(
            self._export,
            self.vault,
            self.period(),
            self.target(),
            now=self.now,
            force=self.replace.isChecked(),
            report=self.progressed.emit,  # from the worker: delivered queued
            cancelled=self._cancel.is_set,
        )
        self.job = run_in_background(task, self._on_export_done, self._on_export_failed, self)
        self._show_running()

    def abort(self) -> None:
        """Close now, or (if an export runs) cancel it and close once it stopped."""
        self._close_when_done = True
        self.reject()

    def reject(self) -> None:
        """Close; while exporting, ask the export to stop (it ends with no file written)."""
        if self.job is None:
            super().reject()
            return
        self._cancel.set()
        self.cancel_button.setEnabled(False)
        self.progress.setFormat(self.tr("Cancelling…"))

    @Slot(int, int)
    def _on_progressed(self, done: int, total: int) -> None:
        # Queued from the worker before its result: none arrives after the export ended.
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))

    def _on_export_done(self, written: evidence_export.Written) -> None:
        self.job = None
        self.written = written
        command = f"keyledger evidence verify {shlex.quote(str(written.path))}"
        record = getattr(written.result, "record", None)
        unrecorded = ""
        if record is not None:  # the export event, written here on the GUI thread
            try:
                record()
            except KeyLedgerError as exc:
                unrecorded = (
                    self.tr("The pack is complete, but its export was not recorded: %s") % exc
                )
        lines = [
            self.tr("Wrote the evidence pack:"),
            str(written.path),
            self.tr("SHA-256 %s") % written.sha256,
            self.tr("%s events · %d files · ledger head %s…")
            % (f"{written.events:,}", written.files, written.head[:16]),
            self.tr("Verify with:"),
            command,
        ]
        if unrecorded:
            lines.append(unrecorded)
        self.status.setText("\n".join(lines))
        self.status.setStyleSheet("")
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.setFormat(self.tr("Done"))
        self.export_button.hide()
        self.replace.hide()
        self.cancel_button.setText(self.tr("Close"))
        self.cancel_button.setEnabled(True)
        self.adjustSize()  # room for every line of the result
        self.exported.emit(written)
        if self._close_when_done:
            super().reject()

    def _on_export_failed(self, error: BaseException) -> None:
        self.job = None
        if self._cancel.is_set() and isinstance(error, KeyLedgerError):
            text = self.tr("Export cancelled; no file was written.")
        elif isinstance(error, KeyLedgerError | OSError):
            text = " ".join(str(error).split())
        else:
            text = self.tr("The export failed unexpectedly (%s).") % type(error).__name__
        self._show_idle()
        self.status.setText(text)
        self.status.setStyleSheet(_ERROR_STYLE)
        if self._close_when_done:
            super().reject()

    def _show_idle(self) -> None:
        self.form.setEnabled(True)
        self.replace.setEnabled(True)
        self.progress.hide()
        self.status.setText("")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Cancel"))
        self._validate()

    def _show_running(self) -> None:
        self.form.setEnabled(False)
        self.replace.setEnabled(False)
        self.export_button.setEnabled(False)
        self.problem.setText("")
        self.status.setText(self.tr("Writing %s…") % self.target().name)
        self.status.setStyleSheet("")
        self.progress.setRange(0, 0)  # busy until the first report
        self.progress.setFormat(self.tr("%p%"))
        self.progress.show()
