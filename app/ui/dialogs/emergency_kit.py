"""Shows the new Secret Key once, and offers to save the Emergency Kit as a file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class EmergencyKitDialog(QDialog):
    def __init__(self, kit_text: str, in_keychain: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kit_text = kit_text
        self.saved_to: Path | None = None
        self.setWindowTitle(self.tr("Your Emergency Kit"))
        self.setMinimumWidth(660)
        layout = QVBoxLayout(self)
        where = (
            self.tr("It is also in this computer's keychain.")
            if in_keychain
            else self.tr("No system keychain is available: save the kit as a file now.")
        )
        note = QLabel(
            self.tr(
                "This is the only time your Secret Key is shown. Print it or store"
                " it offline; with your passphrase it opens the vault. "
            )
            + where
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        text = QPlainTextEdit(kit_text)
        text.setReadOnly(True)
        text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        text.setFont(QFont("monospace"))
        text.setMinimumHeight(190)
        text.setAccessibleName(self.tr("Emergency Kit"))
        layout.addWidget(text)
        self.save = QPushButton(self.tr("Save as file…"))
        self.save.clicked.connect(self._on_save_clicked)
        layout.addWidget(self.save)
        self.confirm = QCheckBox(self.tr("I have saved my Emergency Kit"))
        layout.addWidget(self.confirm)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        layout.addWidget(self.buttons)
        self.confirm.toggled.connect(self._on_confirm_toggled)
        self._on_confirm_toggled(False)

    @Slot(bool)
    def _on_confirm_toggled(self, checked: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(checked)

    @Slot()
    def _on_save_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save Emergency Kit"), "keyledger-emergency-kit.txt"
        )
        if name:
            self.write(Path(name))

    def write(self, path: Path) -> None:
        from app.services import keychain

        path.unlink(missing_ok=True)
        keychain.write_secret_key_file(path, self.kit_text + "\n")
        self.saved_to = path
        self.confirm.setChecked(True)
