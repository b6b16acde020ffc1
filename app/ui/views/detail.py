"""The detail pane: a secret's metadata, its masked value, reveal, copy, history, edit, delete."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import providers
from app.core.model import Secret, Version
from app.core.rotation import next_due
from app.ui.models.versions_model import VersionsModel


class DetailPane(QWidget):
    """Signals:
    reveal_toggled(bool): show or hide the value.
    copy_requested(): copy the value to the clipboard.
    edit_requested(), delete_requested(): change or remove the secret.
    """

    reveal_toggled = Signal(bool)
    copy_requested = Signal()
    edit_requested = Signal()
    delete_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(320)
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)
        self.empty = QLabel(self.tr("Select a secret to see its details."))
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("env", self.tr("Environment")),
            ("env_var", self.tr("Env var")),
            ("provider", self.tr("Provider")),
            ("owner", self.tr("Owner")),
            ("tags", self.tr("Tags")),
            ("rotation", self.tr("Rotation")),
            ("fingerprint", self.tr("Fingerprint")),
            ("notes", self.tr("Notes")),
        ):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setOpenExternalLinks(True)
            self.fields[key] = value
            form.addRow(label, value)
        self.value = QLabel()
        self.value.setFont(QFont("monospace"))
        self.value.setWordWrap(True)
        self.value.setAccessibleName(self.tr("Value"))
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tr("Value"), self.value)
        body.addLayout(form)
        buttons = QHBoxLayout()
        self.reveal = QPushButton(self.tr("&Reveal"))
        self.reveal.setCheckable(True)
        self.reveal.setToolTip(self.tr("Show the value (Ctrl+R); recorded in the audit history"))
        self.reveal.toggled.connect(self.reveal_toggled.emit)
        self.copy = QPushButton(self.tr("&Copy"))
        self.copy.setToolTip(self.tr("Copy the value (Ctrl+Shift+C); the clipboard clears itself"))
        self.copy.clicked.connect(self.copy_requested.emit)
        self.edit = QPushButton(self.tr("&Edit…"))
        self.edit.clicked.connect(self.edit_requested.emit)
        self.delete = QPushButton(self.tr("&Delete…"))
        self.delete.clicked.connect(self.delete_requested.emit)
        for button in (self.reveal, self.copy, self.edit, self.delete):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            buttons.addWidget(button)
        body.addLayout(buttons)
        body.addWidget(QLabel(self.tr("<b>History</b>")))
        self.versions = VersionsModel(self)
        self.history = QTableView()
        self.history.setModel(self.versions)
        self.history.setAccessibleName(self.tr("Version history"))
        self.history.verticalHeader().hide()
        self.history.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.setSelectionMode(QTableView.SelectionMode.NoSelection)
        body.addWidget(self.history, 1)
        layout.addWidget(self.body, 1)
        self.show_secret(None)

    def show_secret(
        self,
        secret: Secret | None,
        masked: str = "",
        versions: list[Version] | None = None,
    ) -> None:
        self.body.setVisible(secret is not None)
        self.empty.setVisible(secret is None)
        self.reveal.blockSignals(True)
        self.reveal.setChecked(False)
        self.reveal.blockSignals(False)
        if secret is None:
            self.title.setText("")
            self.versions.set_versions([])
            return
        meta = secret.meta
        self.title.setText(f"<h3>{_escape(meta.name)}</h3>")
        provider = providers.by_id(meta.provider) if meta.provider else None
        self.fields["env"].setText(secret.env_name)
        self.fields["env_var"].setText(f"${meta.env_var}")
        self.fields["provider"].setText(
            f'{provider.name} · <a href="{provider.console_url}">{self.tr("console")}</a>'
            if provider
            else "–"
        )
        self.fields["owner"].setText(_escape(meta.owner) or "–")
        self.fields["tags"].setText(_escape(", ".join(meta.tags)) or "–")
        due = next_due(secret.rotated_at, secret.rotation_days)
        self.fields["rotation"].setText(
            self.tr("every %d days · last %s · next %s")
            % (secret.rotation_days, secret.rotated_at[:10], due.strftime("%Y-%m-%d"))
        )
        self.fields["fingerprint"].setText(versions[0].fingerprint if versions else "–")
        self.fields["notes"].setText(_escape(meta.notes) or "–")
        self.set_value(masked)
        self.versions.set_versions(versions or [])

    def set_value(self, text: str) -> None:
        self.value.setText(text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
