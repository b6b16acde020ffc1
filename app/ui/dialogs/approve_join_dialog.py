"""Approve a join: the admin types the fingerprint the teammate reads out; the service compares
it with the joined key's, so a key someone else slipped into the shared file is refused."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.team import Invite, TeamMember

FINGERPRINT_DIGITS = 20  # hex digits, five groups of four


def _digits(text: str) -> str:
    return "".join(text.split()).lower()


class ApproveJoinDialog(QDialog):
    """Stays open until the approval went through, so a mismatch shows in place.

    Signals:
        submitted(str): the fingerprint as typed.
    """

    submitted = Signal(str)

    def __init__(
        self, member: TeamMember, invite: Invite | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Approve %s") % member.handle)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        grants = ", ".join(f"{env} {access}" for env, access in invite.grants) if invite else ""
        what = self.tr("<b>%s</b> joined as %s") % (member.handle, member.role)
        if grants:
            what += self.tr(" and gets %s once approved.") % grants
        else:
            what += self.tr("; the invite grants no environment.")
        summary = QLabel(what)
        summary.setWordWrap(True)
        layout.addWidget(summary)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(mono.pointSizeF() * 1.3)
        layout.addWidget(QLabel(self.tr("The key that joined has this fingerprint:")))
        self.fingerprint = QLabel(member.fingerprint)
        self.fingerprint.setFont(mono)
        self.fingerprint.setAccessibleName(self.tr("Fingerprint of the joined key"))
        layout.addWidget(self.fingerprint)
        ask = QLabel(
            self.tr(
                "Call %s (or meet them) and ask them to read out the fingerprint their app"
                " showed when they joined. Type what they read; approve only if it is theirs."
                " A different one means someone else joined in their name: refuse it."
            )
            % member.handle
        )
        ask.setWordWrap(True)
        layout.addWidget(ask)
        self.typed = QLineEdit()
        self.typed.setFont(mono)
        self.typed.setPlaceholderText("0000 0000 0000 0000 0000")
        self.typed.setAccessibleName(self.tr("Fingerprint they read out"))
        layout.addWidget(self.typed)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d64545;")
        self.error.setAccessibleName(self.tr("Approval error"))
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Approve %s") % member.handle)
        self.buttons.accepted.connect(self._on_ok_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.typed.textChanged.connect(self._on_typed_changed)
        self.typed.returnPressed.connect(self._on_ok_clicked)
        self._on_typed_changed("")
        self.typed.setFocus()

    @Slot(str)
    def _on_typed_changed(self, text: str) -> None:
        count = len(_digits(text))
        self.ok.setEnabled(count == FINGERPRINT_DIGITS)
        tip = self.tr("A fingerprint has %d characters; %d typed") % (FINGERPRINT_DIGITS, count)
        self.ok.setToolTip("" if count == FINGERPRINT_DIGITS else tip)
        self.error.setText("")

    @Slot()
    def _on_ok_clicked(self) -> None:
        if self.ok.isEnabled():
            self.submitted.emit(self.typed.text())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.typed.selectAll()
        self.typed.setFocus()
