"""Enrolling an authenticator app: QR code and seed, a first code, then the recovery codes."""

from __future__ import annotations

import io
from pathlib import Path

import segno
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)


def qr_pixmap(uri: str, scale: int = 5) -> QPixmap:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=scale, border=2)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


class EnrollDialog(QDialog):
    """Signals:
    confirm_requested(str): the first code from the app, to confirm the enrollment.
    """

    confirm_requested = Signal(str)

    def __init__(self, uri: str, seed_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Enroll your authenticator app"))
        self.setMinimumWidth(520)
        self.pages = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.pages.addWidget(self._scan_page(uri, seed_text))
        self.pages.addWidget(self._codes_page())

    def _scan_page(self, uri: str, seed_text: str) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        intro = QLabel(
            self.tr(
                "Scan this code with any authenticator app (Google Authenticator, 1Password, Aegis,"
                " …). Production keys will ask for its 6-digit code."
            )
        )
        intro.setWordWrap(True)
        box.addWidget(intro)
        self.qr = QLabel()
        self.qr.setPixmap(qr_pixmap(uri))
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setAccessibleName(self.tr("QR code"))
        box.addWidget(self.qr)
        grouped = " ".join(seed_text[i : i + 4] for i in range(0, len(seed_text), 4))
        self.seed = QLabel(self.tr("Or type this key: <tt>%s</tt>") % grouped)
        self.seed.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.seed.setWordWrap(True)
        box.addWidget(self.seed)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("First &code:")))
        self.code = QLineEdit()
        self.code.setFont(QFont("monospace", 14))
        self.code.setMaxLength(6)
        self.code.setPlaceholderText("123456")
        self.code.setAccessibleName(self.tr("First code"))
        row.itemAt(0).widget().setBuddy(self.code)  # type: ignore[union-attr]
        row.addWidget(self.code, 1)
        box.addLayout(row)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d64545;")
        box.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.confirm = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm.setText(self.tr("Confirm"))
        buttons.accepted.connect(self._on_confirm_clicked)
        buttons.rejected.connect(self.reject)
        self.code.returnPressed.connect(self._on_confirm_clicked)
        box.addWidget(buttons)
        return page

    def _codes_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        note = QLabel(
            self.tr(
                "Enrolled. These ten recovery codes each open a step-up once if you lose your"
                " phone. They are shown only now: save or print them."
            )
        )
        note.setWordWrap(True)
        box.addWidget(note)
        self.codes = QPlainTextEdit()
        self.codes.setReadOnly(True)
        self.codes.setFont(QFont("monospace"))
        self.codes.setAccessibleName(self.tr("Recovery codes"))
        box.addWidget(self.codes)
        save = QPushButton(self.tr("Save as file…"))
        save.clicked.connect(self._on_save_clicked)
        box.addWidget(save)
        self.saved = QCheckBox(self.tr("I have saved my recovery codes"))
        box.addWidget(self.saved)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.done_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.done_button.setText(self.tr("Done"))
        self.done_button.setEnabled(False)
        self.saved.toggled.connect(self.done_button.setEnabled)
        buttons.accepted.connect(self.accept)
        box.addWidget(buttons)
        return page

    @Slot()
    def _on_confirm_clicked(self) -> None:
        text = self.code.text().strip()
        if len(text) != 6 or not text.isdigit():
            self.error.setText(self.tr("Type the 6-digit code your app shows."))
            return
        self.confirm_requested.emit(text)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.code.selectAll()

    def show_recovery_codes(self, codes: list[str]) -> None:
        self.codes.setPlainText("\n".join(codes))
        self.pages.setCurrentIndex(1)

    @Slot()
    def _on_save_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save recovery codes"), "keyledger-recovery-codes.txt"
        )
        if name:
            self.write(Path(name))

    def write(self, path: Path) -> None:
        from app.services import keychain

        path.unlink(missing_ok=True)
        keychain.write_secret_key_file(path, self.codes.toPlainText() + "\n")
        self.saved.setChecked(True)
