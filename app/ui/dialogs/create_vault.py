"""Create a team vault: its name and file, your member name and passphrase."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
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

from app.services.create import MIN_PASSPHRASE


@dataclass(frozen=True)
class NewVaultForm:
    path: Path
    name: str
    handle: str
    passphrase: str


class CreateVaultDialog(QDialog):
    """Stays open while the vault is created, so errors show in place.

    Signals:
        submitted(): the form is valid and the user pressed Create.
    """

    submitted = Signal()

    def __init__(self, default_folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Create a team vault"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "The vault file can live in a shared folder (git, Syncthing, Dropbox). Each person"
                " unlocks it with their own passphrase and Secret Key."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("Acme AI")
        self.handle = QLineEdit()
        self.handle.setPlaceholderText("alice")
        self.path = QLineEdit(str(default_folder / "team.kl"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        path_box = QWidget()
        path_box.setLayout(row)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("Vault &name"), self.name)
        form.addRow(self.tr("&File"), path_box)
        form.addRow(self.tr("&Your name"), self.handle)
        form.addRow(self.tr("&Passphrase"), self.passphrase)
        form.addRow(self.tr("&Confirm"), self.confirm)
        for label, widget in (
            (self.tr("Vault name"), self.name),
            (self.tr("File"), self.path),
            (self.tr("Your member name"), self.handle),
            (self.tr("Passphrase"), self.passphrase),
            (self.tr("Confirm passphrase"), self.confirm),
        ):
            widget.setAccessibleName(label)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d64545;")
        layout.addWidget(self.error)
        self.spinner = QProgressBar()
        self.spinner.setRange(0, 0)
        self.spinner.setMaximumHeight(6)
        self.spinner.setTextVisible(False)
        self.spinner.hide()
        layout.addWidget(self.spinner)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Create"))
        self.buttons.accepted.connect(self.submitted.emit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for edit in (self.name, self.handle, self.path, self.passphrase, self.confirm):
            edit.textChanged.connect(self._validate)
        self._validate()

    @Slot()
    def _on_browse_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Vault file"), self.path.text(), self.tr("KeyLedger vaults (*.kl)")
        )
        if name:
            self.path.setText(name if name.endswith(".kl") else name + ".kl")

    def problem(self) -> str:
        if not self.name.text().strip():
            return self.tr("Name the vault, e.g. your team or company.")
        path = Path(self.path.text().strip()).expanduser()
        if not self.path.text().strip():
            return self.tr("Choose where the vault file goes.")
        if path.exists():
            return self.tr("%s already exists.") % path.name
        if not path.parent.is_dir():
            return self.tr("The folder %s does not exist.") % path.parent
        if not re.fullmatch(r"[a-z][a-z0-9._-]{0,31}", self.handle.text().strip()):
            return self.tr("Your name: lowercase letters, digits, '.', '_' or '-'.")
        if len(self.passphrase.text()) < MIN_PASSPHRASE:
            return self.tr("The passphrase needs at least %d characters.") % MIN_PASSPHRASE
        if self.passphrase.text() != self.confirm.text():
            return self.tr("The passphrases do not match.")
        return ""

    @Slot()
    def _validate(self) -> None:
        problem = self.problem()
        self.error.setText(problem if self._touched() else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def _touched(self) -> bool:
        return any(e.text() for e in (self.name, self.handle, self.passphrase))

    def form(self) -> NewVaultForm:
        return NewVaultForm(
            Path(self.path.text().strip()).expanduser(),
            self.name.text().strip(),
            self.handle.text().strip(),
            self.passphrase.text(),
        )

    def set_busy(self, busy: bool) -> None:
        self.spinner.setVisible(busy)
        self.buttons.setEnabled(not busy)

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setText(text)
