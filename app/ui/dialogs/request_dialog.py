"""Ask an owner or admin for an environment: which, read or write, until when, and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import NamedTuple

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.requests import MAX_REASON
from app.ui.dialogs.grant_dialog import UntilField


class RequestForm(NamedTuple):
    env: str
    access: str
    until: datetime | None
    reason: str


class RequestDialog(QDialog):
    """`envs`: the environments one can still ask for; `held`: what one holds now, by name.

    Signals:
        submitted(object): a RequestForm; the dialog stays open until `accept` or an error.
    """

    submitted = Signal(object)

    def __init__(
        self,
        envs: Sequence[str],
        held: Mapping[str, str],
        today: date,
        tz: tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.held = dict(held)
        self.setWindowTitle(self.tr("Request access"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "An owner or admin other than you decides; they and the auditor read your"
                " reason. An approval hands you the environment's key."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.env = QComboBox()
        self.env.setAccessibleName(self.tr("Environment"))
        for name in envs:
            self.env.addItem(name)
        form.addRow(self.tr("&Environment:"), self.env)
        self.access = QComboBox()
        self.access.setAccessibleName(self.tr("Access"))
        form.addRow(self.tr("&Access:"), self.access)
        self.until = UntilField(today, tz)
        form.addRow(self.tr("Ends:"), self.until)
        self.reason = QLineEdit()
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText(self.tr("e.g. incident 42: on call tonight"))
        self.reason.setAccessibleName(self.tr("Reason"))
        form.addRow(self.tr("&Why:"), self.reason)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d64545;")
        self.error.setAccessibleName(self.tr("Request error"))
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Send request"))
        self.buttons.accepted.connect(self._on_ok_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.env.currentTextChanged.connect(self._on_env_changed)
        self.reason.textChanged.connect(self._on_reason_changed)
        self._on_env_changed(self.env.currentText())
        self._on_reason_changed("")

    def form(self) -> RequestForm:
        return RequestForm(
            self.env.currentText(),
            str(self.access.currentData()),
            self.until.value(),
            self.reason.text().strip(),
        )

    @Slot(str)
    def _on_env_changed(self, env: str) -> None:
        self.access.clear()
        if self.held.get(env) != "read":  # one who reads it already asks for write
            self.access.addItem(self.tr("Read"), "read")
        self.access.addItem(self.tr("Write"), "write")

    @Slot(str)
    def _on_reason_changed(self, text: str) -> None:
        self.ok.setEnabled(bool(text.strip()))
        self.ok.setToolTip("" if text.strip() else self.tr("Say why: the approver reads it"))
        self.error.setText("")

    @Slot()
    def _on_ok_clicked(self) -> None:
        if self.ok.isEnabled():
            self.submitted.emit(self.form())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
