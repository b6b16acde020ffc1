"""Rotate a key in three pages: where to make a new one, the new value, and why.

The pages only display a `RotateFlow` (app/services/rotate_flow.py), which holds the rules.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.core.errors import KeyLedgerError
from app.core.model import Secret
from app.core.rotation import RotationStatus
from app.services.rotate_flow import CHOICES, RotateFlow

ERROR_STYLE = "color: #d64545;"
WARNING_STYLE = "color: #e65100;"

Submit = Callable[[], Secret]


def _label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class RotateWizard(QWizard):
    """Finishing calls `submit`, which stores the new version or raises KeyLedgerError; the
    error is shown on the last page and the wizard stays open with everything entered."""

    def __init__(self, flow: RotateFlow, submit: Submit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        self.submit = submit
        self.rotated: Secret | None = None
        self.setWindowTitle(self.tr("Rotate %s") % flow.secret.name)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Rotate"))
        self.setMinimumWidth(600)
        self.key_page = KeyPage(flow)
        self.value_page = ValuePage(flow)
        self.reason_page = ReasonPage(flow, self._submit)
        for page in (self.key_page, self.value_page, self.reason_page):
            self.addPage(page)

    def _submit(self) -> str:
        """Rotates; returns the error to show, or ""."""
        try:
            self.rotated = self.submit()
        except KeyLedgerError as exc:
            return " ".join(str(exc).split())
        return ""


class KeyPage(QWizardPage):
    """The key as it is now, and where to make its replacement."""

    def __init__(self, flow: RotateFlow) -> None:
        super().__init__()
        secret, provider = flow.secret, flow.provider
        self.setTitle(self.tr("Rotate %s") % secret.name)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        due = flow.due.strftime("%Y-%m-%d")
        due_text = {
            RotationStatus.OK: self.tr("due %s"),
            RotationStatus.DUE_SOON: self.tr("due soon, on %s"),
            RotationStatus.OVERDUE: self.tr("overdue since %s"),
        }.get(flow.status, self.tr("due %s")) % due
        self.fields: dict[str, QLabel] = {}
        for key, label, text in (
            ("env", self.tr("Environment"), secret.env_name),
            ("provider", self.tr("Provider"), provider.name if provider else self.tr("–")),
            ("fingerprint", self.tr("Fingerprint"), flow.fingerprint or self.tr("–")),
            (
                "rotated",
                self.tr("Last rotated"),
                self.tr("%s (version %d)") % (secret.rotated_at[:10], secret.version),
            ),
            ("due", self.tr("Due"), due_text),
        ):
            self.fields[key] = _label(text)
            form.addRow(label, self.fields[key])
        if flow.flag is not None:
            flag = flow.flag
            text = self.tr("Rotation required (%s), flagged by %s on %s") % (
                flag.reason,
                flag.by,
                flag.flagged_at[:10],
            )
            self.fields["flag"] = _label(f"{text}. {flag.note}" if flag.note else text)
            form.addRow(self.tr("Flag"), self.fields["flag"])
        layout.addLayout(form)
        layout.addSpacing(8)
        self.instructions = _label()
        self.instructions.setOpenExternalLinks(True)
        steps: tuple[str, ...]
        if provider is not None and provider.console_url:
            steps = (
                self.tr('Open the <a href="%s">%s console</a> and create a new key there.')
                % (provider.console_url, _escape(provider.name)),
                self.tr("Copy it, and paste it on the next page."),
                self.tr("Leave the old key active until everything uses the new one."),
            )
            self.instructions.setToolTip(provider.console_url)
        else:
            steps = (
                self.tr("On the next page, generate a new value or paste one you made."),
                self.tr("Leave the old value working until everything uses the new one."),
            )
        self.instructions.setText(
            "<ol style='margin-left: -20px'>"
            + "".join(f"<li>{step}</li>" for step in steps)
            + "</ol>"
        )
        layout.addWidget(self.instructions)
        layout.addStretch(1)


class ValuePage(QWizardPage):
    """The new value: pasted (masked unless shown) or, for non-provider secrets, generated."""

    def __init__(self, flow: RotateFlow) -> None:
        super().__init__()
        self.flow = flow
        self.setTitle(self.tr("The new value"))
        layout = QVBoxLayout(self)
        provider = flow.provider
        layout.addWidget(
            _label(
                self.tr("Paste the new key from %s.") % provider.name
                if provider
                else self.tr("Paste the new value, or generate one.")
            )
        )
        row = QHBoxLayout()
        self.value = QLineEdit()
        self.value.setEchoMode(QLineEdit.EchoMode.Password)
        self.value.setFont(QFont("monospace"))
        self.value.setAccessibleName(self.tr("New value"))
        self.show_value = QCheckBox(self.tr("&Show"))
        self.show_value.toggled.connect(self._on_show_value_toggled)
        row.addWidget(self.value, 1)
        row.addWidget(self.show_value)
        self.generate = QPushButton(self.tr("&Generate"))
        self.generate.setToolTip(self.tr("40 random letters and digits"))
        self.generate.setVisible(flow.can_generate)
        self.generate.clicked.connect(self._on_generate_clicked)
        row.addWidget(self.generate)
        layout.addLayout(row)
        self.recognised = _label()
        self.warning = _label()
        self.warning.setStyleSheet(WARNING_STYLE)
        self.problem = _label()
        self.problem.setStyleSheet(ERROR_STYLE)
        for label in (self.recognised, self.warning, self.problem):
            layout.addWidget(label)
        layout.addStretch(1)
        self.value.textChanged.connect(self._on_value_text_changed)
        self._on_value_text_changed("")

    @Slot(bool)
    def _on_show_value_toggled(self, shown: bool) -> None:
        self.value.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)

    @Slot()
    def _on_generate_clicked(self) -> None:
        self.value.setText(self.flow.generate())

    @Slot(str)
    def _on_value_text_changed(self, text: str) -> None:
        flow = self.flow
        flow.set_value(text)
        found = flow.recognised
        if not flow.value:
            self.recognised.setText("")
        elif found is not None:
            self.recognised.setText(
                self.tr("Recognised: a key from %s · %s") % (found.name, flow.new_fingerprint)
            )
        else:
            self.recognised.setText(self.tr("Fingerprint %s") % flow.new_fingerprint)
        self.warning.setText(flow.warning())
        self.warning.setVisible(bool(self.warning.text()))
        # An empty field is not an error yet: say so only once something was typed.
        self.problem.setText(flow.problem("value") if flow.value else "")
        self.problem.setVisible(bool(self.problem.text()))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.flow.problem("value")


class ReasonPage(QWizardPage):
    """Why, an optional ticket, a summary and what to do next; Rotate stores it."""

    def __init__(self, flow: RotateFlow, submit: Callable[[], str]) -> None:
        super().__init__()
        self.flow = flow
        self.submit = submit
        self.setTitle(self.tr("Why, and what next"))
        self.setFinalPage(True)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.reason = QComboBox()
        labels = {
            "scheduled": self.tr("Scheduled rotation"),
            "exposure": self.tr("Exposure: the key was seen where it should not be"),
            "offboarding": self.tr("Offboarding: someone who knew it left"),
            "incident": self.tr("Incident"),
            "other": self.tr("Other"),
        }
        for choice in CHOICES:
            self.reason.addItem(labels[choice], choice)
        self.reason.setCurrentIndex(max(self.reason.findData(flow.reason), 0))
        self.reason.setAccessibleName(self.tr("Reason"))
        self.ticket = QLineEdit(flow.ticket)
        self.ticket.setMaxLength(200)
        self.ticket.setPlaceholderText(self.tr("optional, e.g. CHG-123"))
        self.ticket.setAccessibleName(self.tr("Ticket"))
        self.summary = {key: _label() for key in ("key", "version", "fingerprint")}
        form.addRow(self.tr("&Reason"), self.reason)
        form.addRow(self.tr("&Ticket"), self.ticket)
        form.addRow(self.tr("Key"), self.summary["key"])
        form.addRow(self.tr("Version"), self.summary["version"])
        form.addRow(self.tr("Fingerprint"), self.summary["fingerprint"])
        layout.addLayout(form)
        layout.addSpacing(8)
        self.reminder = _label()
        self.reminder.setOpenExternalLinks(True)
        layout.addWidget(self.reminder)
        layout.addStretch(1)
        self.error = _label()
        self.error.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.error)

    def initializePage(self) -> None:
        flow, secret = self.flow, self.flow.secret
        self.error.setText("")
        self.summary["key"].setText(self.tr("%s in %s") % (secret.name, secret.env_name))
        self.summary["version"].setText(f"{secret.version} → {secret.version + 1}")
        self.summary["fingerprint"].setText(
            f"{flow.fingerprint or self.tr('–')} → {flow.new_fingerprint}"
        )
        provider = flow.provider
        if provider is not None and provider.console_url:
            self.reminder.setText(
                self.tr(
                    "<b>After rotating:</b> put the new key wherever %s is used. Once"
                    ' everything uses it, revoke the old key in the <a href="%s">%s console</a>.'
                )
                % (_escape(secret.meta.env_var), provider.console_url, _escape(provider.name))
            )
        else:
            self.reminder.setText(
                self.tr(
                    "<b>After rotating:</b> copy the new value from the detail pane to wherever"
                    " %s is used. Once everything uses it, retire the old value."
                )
                % _escape(secret.meta.env_var)
            )

    def validatePage(self) -> bool:
        self.flow.set_reason(self.reason.currentData(), self.ticket.text())
        error = self.submit()
        self.error.setText(error)
        return not error
