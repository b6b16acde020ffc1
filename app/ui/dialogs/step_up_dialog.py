"""Asks for a TOTP code (or a recovery code) before a step-up environment opens."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Signal, Slot
from PySide6.QtGui import QFont, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class StepUpDialog(QDialog):
    """Stays open until the code is right, so errors show in place.

    Signals:
        submitted(str, bool): the code, and whether it is a recovery code.
    """

    submitted = Signal(str, bool)

    def __init__(
        self,
        env_name: str,
        window_minutes: int,
        demo_code: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Step-up for %s") % env_name)
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "<b>%s</b> asks for a code from your authenticator app. It then stays open for"
                " %d minutes."
            )
            % (env_name, window_minutes)
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.code = QLineEdit()
        self.code.setFont(QFont("monospace", 16))
        self.code.setPlaceholderText("123456")
        self.code.setAccessibleName(self.tr("TOTP code"))
        self._digits = QRegularExpressionValidator(QRegularExpression(r"\d{0,6}"), self)
        self.code.setValidator(self._digits)
        layout.addWidget(self.code)
        self.recovery = QCheckBox(self.tr("Use a recovery code instead"))
        self.recovery.toggled.connect(self._on_recovery_toggled)
        layout.addWidget(self.recovery)
        self.demo_hint = QLabel()
        if demo_code:
            self.demo_hint.setText(
                self.tr("Demo vault: the current code is <b>%s</b>.") % demo_code
            )
        self.demo_hint.setVisible(bool(demo_code))
        layout.addWidget(self.demo_hint)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d64545;")
        self.error.setAccessibleName(self.tr("Step-up error"))
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Open"))
        self.buttons.accepted.connect(self._on_open_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.code.returnPressed.connect(self._on_open_clicked)
        self.code.setFocus()

    @Slot(bool)
    def _on_recovery_toggled(self, recovery: bool) -> None:
        self.code.clear()
        self.code.setValidator(None if recovery else self._digits)
        self.code.setPlaceholderText("ABCD-EFGH-…" if recovery else "123456")
        self.code.setFont(QFont("monospace", 12 if recovery else 16))

    @Slot()
    def _on_open_clicked(self) -> None:
        text = self.code.text().strip()
        if not self.recovery.isChecked() and len(text) != 6:
            self.error.setText(self.tr("Type the 6-digit code."))
            return
        if not text:
            self.error.setText(self.tr("Type a recovery code."))
            return
        self.submitted.emit(text, self.recovery.isChecked())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.code.selectAll()
        self.code.setFocus()
