"""Invite a teammate: their name, their role and, per environment, no access, read or write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.model import Environment

_ROLES = (
    ("member", "Member: reads or writes the environments below"),
    ("auditor", "Auditor: reads the catalog and history, never values"),
    ("admin", "Admin: manages the team and its access"),
)


class InviteForm(NamedTuple):
    handle: str
    role: str
    grants: tuple[tuple[str, str], ...]  # (environment name, access)
    days: int


class InviteDialog(QDialog):
    """Stays open until the invite is made, so errors show in place.

    Signals:
        submitted(object): an InviteForm.
    """

    submitted = Signal(object)

    def __init__(
        self, envs: Sequence[Environment], owner: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Invite a teammate"))
        self.setMinimumWidth(500)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "You get a one-time code to send them. They join from their own laptop with"
                " their own passphrase; you then compare fingerprints and approve."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.handle = QLineEdit()
        self.handle.setPlaceholderText(self.tr("e.g. bob"))
        self.handle.setAccessibleName(self.tr("Name"))
        form.addRow(self.tr("&Name:"), self.handle)
        self.role = QComboBox()
        self.role.setAccessibleName(self.tr("Role"))
        for role, text in _ROLES:
            if role != "admin" or owner:
                self.role.addItem(self.tr(text), role)
        self.role.currentIndexChanged.connect(self._on_role_changed)
        form.addRow(self.tr("&Role:"), self.role)
        self.access: dict[str, QComboBox] = {}
        self._readable = {env.name: env.readable for env in envs}
        for env in envs:
            combo = QComboBox()
            combo.addItem(self.tr("No access"), "")
            combo.addItem(self.tr("Read"), "read")
            combo.addItem(self.tr("Write"), "write")
            combo.setAccessibleName(self.tr("Access to %s") % env.name)
            label = env.name
            if env.policy.step_up != "none":
                label += self.tr(" (TOTP)")
                combo.setToolTip(self.tr("Approving the join asks for your TOTP code"))
            if not env.readable:
                combo.setEnabled(False)
                tip = self.tr("You do not hold %s's key, so you cannot hand it on")
                combo.setToolTip(tip % env.name)
            self.access[env.name] = combo
            form.addRow(f"{label}:", combo)
        self.days = QSpinBox()
        self.days.setRange(1, 30)
        self.days.setValue(7)
        self.days.setSuffix(self.tr(" days"))
        self.days.setAccessibleName(self.tr("Code valid for"))
        form.addRow(self.tr("Code &valid for:"), self.days)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d64545;")
        self.error.setAccessibleName(self.tr("Invite error"))
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Create invite"))
        self.buttons.accepted.connect(self._on_ok_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.handle.textChanged.connect(self._on_handle_changed)
        self._on_handle_changed("")
        self.handle.setFocus()

    def form(self) -> InviteForm:
        role = str(self.role.currentData())
        grants = tuple(
            (env, str(combo.currentData()))
            for env, combo in self.access.items()
            if combo.currentData() and role != "auditor"
        )
        return InviteForm(self.handle.text().strip(), role, grants, self.days.value())

    @Slot(int)
    def _on_role_changed(self, _index: int) -> None:
        auditor = self.role.currentData() == "auditor"
        for name, combo in self.access.items():
            if auditor:
                combo.setCurrentIndex(0)
            combo.setEnabled(self._readable[name] and not auditor)

    @Slot(str)
    def _on_handle_changed(self, text: str) -> None:
        self.ok.setEnabled(bool(text.strip()))
        self.error.setText("")

    @Slot()
    def _on_ok_clicked(self) -> None:
        if self.handle.text().strip():
            self.submitted.emit(self.form())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.handle.setFocus()
