"""Personal settings, built from the declarative registry."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.settings import Settings


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.clipboard = QSpinBox()
        self.clipboard.setRange(5, 600)
        self.clipboard.setSuffix(self.tr(" s"))
        self.clipboard.setValue(settings.get("clipboard_max_s"))
        self.idle = QSpinBox()
        self.idle.setRange(1, 240)
        self.idle.setSuffix(self.tr(" min"))
        self.idle.setValue(settings.get("idle_lock_min"))
        self.due_soon = QSpinBox()
        self.due_soon.setRange(1, 90)
        self.due_soon.setSuffix(self.tr(" days before"))
        self.due_soon.setValue(settings.get("due_soon_days"))
        self.theme = QComboBox()
        for value, label in (
            ("system", self.tr("System")),
            ("light", self.tr("Light")),
            ("dark", self.tr("Dark")),
        ):
            self.theme.addItem(label, value)
        self.theme.setCurrentIndex(self.theme.findData(settings.get("theme")))
        form.addRow(self.tr("Clear &clipboard after at most"), self.clipboard)
        form.addRow(self.tr("&Lock after idle"), self.idle)
        form.addRow(self.tr("Call a key &due soon"), self.due_soon)
        form.addRow(self.tr("&Theme"), self.theme)
        self.clipboard.setAccessibleName(self.tr("Clipboard timeout"))
        self.idle.setAccessibleName(self.tr("Idle lock"))
        self.due_soon.setAccessibleName(self.tr("Due soon window"))
        self.theme.setAccessibleName(self.tr("Theme"))
        layout.addLayout(form)
        note = QLabel(self.tr("An environment's policy may clear the clipboard sooner."))
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def apply(self) -> None:
        self.settings.set("clipboard_max_s", self.clipboard.value())
        self.settings.set("idle_lock_min", self.idle.value())
        self.settings.set("due_soon_days", self.due_soon.value())
        self.settings.set("theme", self.theme.currentData())
