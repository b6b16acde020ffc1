"""Add or edit a secret, with validation as you type and the provider recognised on paste."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core import names, providers
from app.core.model import Secret


@dataclass(frozen=True)
class SecretForm:
    env: str
    name: str
    env_var: str
    provider: str
    owner: str
    tags: tuple[str, ...]
    notes: str
    rotation_days: int | None
    value: str | None  # None when editing metadata only


class SecretDialog(QDialog):
    def __init__(
        self,
        envs: list[str],
        taken: dict[str, set[tuple[str, str]]],
        secret: Secret | None = None,
        env: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`taken[env]` holds the (name, env var) pairs that already exist there."""
        super().__init__(parent)
        self.secret = secret
        self.taken = taken
        self._env_var_edited = secret is not None
        self.setWindowTitle(self.tr("Edit secret") if secret else self.tr("Add secret"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.env = QComboBox()
        self.env.addItems(envs)
        if env or secret:
            self.env.setCurrentText(secret.env_name if secret else env or "")
        self.env.setEnabled(secret is None)
        self.name = QLineEdit(secret.name if secret else "")
        self.value = QLineEdit()
        self.value.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_value = QCheckBox(self.tr("Show"))
        self.show_value.toggled.connect(self._on_show_value_toggled)
        value_row = QHBoxLayout()
        value_row.setContentsMargins(0, 0, 0, 0)
        value_row.addWidget(self.value, 1)
        value_row.addWidget(self.show_value)
        value_box = QWidget()
        value_box.setLayout(value_row)
        self.provider = QComboBox()
        self.provider.addItem(self.tr("Not a provider key"), "")
        for p in providers.PROVIDERS:
            if p.id != "generic":
                self.provider.addItem(p.name, p.id)
        self.env_var = QLineEdit(secret.meta.env_var if secret else "")
        self.owner = QLineEdit(secret.meta.owner if secret else "")
        self.tags = QLineEdit(", ".join(secret.meta.tags) if secret else "")
        self.tags.setPlaceholderText(self.tr("comma-separated"))
        self.rotation = QSpinBox()
        self.rotation.setRange(0, 3650)
        self.rotation.setSpecialValueText(self.tr("Environment default"))
        self.rotation.setSuffix(self.tr(" days"))
        self.rotation.setValue(secret.meta.rotation_days or 0 if secret else 0)
        self.notes = QPlainTextEdit(secret.meta.notes if secret else "")
        self.notes.setMaximumHeight(80)
        form.addRow(self.tr("&Environment"), self.env)
        form.addRow(self.tr("&Name"), self.name)
        if secret is None:
            form.addRow(self.tr("&Value"), value_box)
        form.addRow(self.tr("&Provider"), self.provider)
        form.addRow(self.tr("Env &var"), self.env_var)
        form.addRow(self.tr("&Owner"), self.owner)
        form.addRow(self.tr("&Tags"), self.tags)
        form.addRow(self.tr("&Rotation"), self.rotation)
        form.addRow(self.tr("N&otes"), self.notes)
        for label, widget in (
            (self.tr("Environment"), self.env),
            (self.tr("Name"), self.name),
            (self.tr("Value"), self.value),
            (self.tr("Provider"), self.provider),
            (self.tr("Environment variable"), self.env_var),
            (self.tr("Owner"), self.owner),
            (self.tr("Tags"), self.tags),
            (self.tr("Rotation period"), self.rotation),
            (self.tr("Notes"), self.notes),
        ):
            widget.setAccessibleName(label)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d64545;")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if secret is not None:
            index = self.provider.findData(secret.meta.provider)
            self.provider.setCurrentIndex(max(index, 0))
        self.value.textChanged.connect(self._on_value_changed)
        self.name.textChanged.connect(self._on_name_changed)
        self.env_var.textEdited.connect(self._on_env_var_edited)
        for signal in (
            self.name.textChanged,
            self.value.textChanged,
            self.env_var.textChanged,
            self.env.currentTextChanged,
        ):
            signal.connect(self._validate)
        self.provider.currentIndexChanged.connect(self._on_provider_changed)
        self._validate()

    @Slot(bool)
    def _on_show_value_toggled(self, shown: bool) -> None:
        self.value.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)

    @Slot(str)
    def _on_value_changed(self, text: str) -> None:
        found = providers.recognise(text)
        if found is not None:
            self.provider.setCurrentIndex(max(self.provider.findData(found.id), 0))

    @Slot(str)
    def _on_name_changed(self, text: str) -> None:
        if self.provider.currentData() == "" and text:
            found = providers.guess_from_name(text)
            if found is not None:
                self.provider.setCurrentIndex(max(self.provider.findData(found.id), 0))
        self._suggest_env_var()

    @Slot(str)
    def _on_env_var_edited(self, _text: str) -> None:
        self._env_var_edited = True

    @Slot(int)
    def _on_provider_changed(self, _index: int) -> None:
        self._suggest_env_var()

    def _suggest_env_var(self) -> None:
        if self._env_var_edited:
            return
        found = providers.by_id(self.provider.currentData() or "")
        suggestion = found.env_var if found else names.suggest_env_var(self.name.text())
        self.env_var.setText(suggestion if self.name.text() or found else "")

    def problem(self) -> str:
        env = self.env.currentText()
        try:
            name = names.check_secret_name(self.name.text())
        except ValueError as exc:
            return str(exc) if self.name.text() else self.tr("Give the secret a name.")
        if self.secret is None and not self.value.text().strip():
            return self.tr("Paste or type the value.")
        try:
            env_var = names.check_env_var(self.env_var.text())
        except ValueError as exc:
            return str(exc)
        mine = (self.secret.name, self.secret.meta.env_var) if self.secret else None
        for other_name, other_var in self.taken.get(env, set()):
            if (other_name, other_var) == mine:
                continue
            if other_name == name:
                return self.tr("%s already has a secret named “%s”.") % (env, name)
            if other_var == env_var:
                return self.tr("%s already uses the variable %s.") % (env, env_var)
        return ""

    @Slot()
    def _validate(self) -> None:
        problem = self.problem()
        self.error.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def form(self) -> SecretForm:
        tags = tuple(t.strip() for t in self.tags.text().split(",") if t.strip())
        return SecretForm(
            self.env.currentText(),
            self.name.text().strip(),
            self.env_var.text().strip(),
            self.provider.currentData() or "",
            self.owner.text().strip(),
            tags,
            self.notes.toPlainText(),
            self.rotation.value() or None,
            None if self.secret else self.value.text(),
        )

    def show_error(self, text: str) -> None:
        self.error.setText(text)
