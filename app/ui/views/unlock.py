"""Unlock screen: who you are, your passphrase, your Secret Key if the keychain lacks it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
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

from app.services.session import UnlockTarget
from app.ui.icons import action_icon


class UnlockPage(QWidget):
    """Signals:
    unlock_requested(str, str, str): member handle, passphrase, Secret Key text ('' = keychain).
    back_requested(): return to the welcome screen.
    """

    unlock_requested = Signal(str, str, str)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target: UnlockTarget | None = None
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column = QWidget()
        column.setMinimumWidth(420)
        column.setMaximumWidth(520)
        layout = QVBoxLayout(column)
        self.title = QLabel()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.path_label = QLabel()
        self.path_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.path_label.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.path_label)
        self.demo_hint = QLabel()
        self.demo_hint.setWordWrap(True)
        self.demo_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.demo_hint)
        form = QFormLayout()
        self.member = QComboBox()
        self.member.setAccessibleName(self.tr("Member"))
        self.member.currentTextChanged.connect(self._on_member_changed)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        self.passphrase.returnPressed.connect(self._on_unlock_clicked)
        self.secret_key = QLineEdit()
        self.secret_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_key.setPlaceholderText("KL1-XXXXX-…")
        self.secret_key.setAccessibleName(self.tr("Secret Key"))
        self.secret_key_file = QPushButton(self.tr("From file…"))
        self.secret_key_file.clicked.connect(self._on_secret_key_file_clicked)
        key_row = QHBoxLayout()
        key_row.addWidget(self.secret_key, 1)
        key_row.addWidget(self.secret_key_file)
        self.secret_key_row = QWidget()
        self.secret_key_row.setLayout(key_row)
        key_row.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("&Member"), self.member)
        form.addRow(self.tr("&Passphrase"), self.passphrase)
        self.secret_key_caption = QLabel(self.tr("&Secret Key"))
        self.secret_key_caption.setBuddy(self.secret_key)
        form.addRow(self.secret_key_caption, self.secret_key_row)
        layout.addLayout(form)
        self.keychain_note = QLabel()
        self.keychain_note.setWordWrap(True)
        layout.addWidget(self.keychain_note)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d64545;")
        self.error.setAccessibleName(self.tr("Unlock error"))
        layout.addWidget(self.error)
        self.spinner = QProgressBar()
        self.spinner.setRange(0, 0)
        self.spinner.setTextVisible(False)
        self.spinner.setMaximumHeight(6)
        self.spinner.hide()
        layout.addWidget(self.spinner)
        buttons = QHBoxLayout()
        self.back = QPushButton(self.tr("Back"))
        self.back.clicked.connect(self.back_requested.emit)
        self.unlock = QPushButton(action_icon("unlock"), self.tr("Unlock"))
        self.unlock.setDefault(True)
        self.unlock.clicked.connect(self._on_unlock_clicked)
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock)
        layout.addLayout(buttons)
        outer.addWidget(column)

    def show_target(
        self, target: UnlockTarget, demo_passphrase: str | None, demo_key_text: str | None
    ) -> None:
        self.target = target
        self.title.setText(f"<h2>{_escape(target.name)}</h2>")
        self.path_label.setText(str(target.path))
        self.member.blockSignals(True)
        self.member.clear()
        self.member.addItems(list(target.members))
        self.member.blockSignals(False)
        self.passphrase.clear()
        self.secret_key.setText(demo_key_text or "")
        self.error.clear()
        if demo_passphrase:
            self.demo_hint.setText(
                self.tr("This is the demo vault. Its passphrase is <b>%s</b>.") % demo_passphrase
            )
        self.demo_hint.setVisible(bool(demo_passphrase))
        self._on_member_changed(self.member.currentText())
        if demo_key_text:
            self.keychain_note.setText(self.tr("The demo's Secret Key is filled in for you."))
        self.set_busy(False)
        self.passphrase.setFocus()

    @Slot(str)
    def _on_member_changed(self, handle: str) -> None:
        in_keychain = self.target is not None and handle in self.target.keychain_has
        self.secret_key_row.setVisible(not in_keychain)
        self.secret_key_caption.setVisible(not in_keychain)
        self.keychain_note.setText(
            self.tr("Your Secret Key comes from the system keychain.")
            if in_keychain
            else self.tr(
                "The system keychain does not hold a Secret Key for %s: type it from your"
                " Emergency Kit or load the kit file."
            )
            % handle
        )

    @Slot()
    def _on_secret_key_file_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Emergency Kit or Secret Key file"))
        if name:
            from app.core.errors import AuthFailed
            from app.services import keychain

            try:
                key = keychain.read_secret_key_file(Path(name))
            except AuthFailed as exc:
                self.show_error(str(exc))
                return
            from app.crypto import secretkey

            self.secret_key.setText(secretkey.format_key(key))

    @Slot()
    def _on_unlock_clicked(self) -> None:
        if not self.unlock.isEnabled():
            return
        if not self.passphrase.text():
            self.show_error(self.tr("Type your passphrase."))
            return
        key_text = self.secret_key.text().strip() if self.secret_key_row.isVisible() else ""
        if self.secret_key_row.isVisible() and not key_text:
            self.show_error(self.tr("Type your Secret Key (it starts with KL1-)."))
            return
        self.error.clear()
        self.unlock_requested.emit(self.member.currentText(), self.passphrase.text(), key_text)

    def set_busy(self, busy: bool) -> None:
        self.spinner.setVisible(busy)
        for widget in (self.unlock, self.passphrase, self.member, self.secret_key, self.back):
            widget.setEnabled(not busy)

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setText(text)
        self.passphrase.selectAll()
        self.passphrase.setFocus()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
