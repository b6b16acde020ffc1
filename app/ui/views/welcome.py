"""First-run screen: create a vault, open one, reopen a recent one, or try the demo."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCommandLinkButton, QLabel, QVBoxLayout, QWidget

from app.ui.icons import action_icon, app_icon


class WelcomePage(QWidget):
    """Signals:
    create_requested(): the user wants a new vault.
    open_requested(object): a Path to open, or None to pick a file.
    demo_requested(): open the demo vault.
    """

    create_requested = Signal()
    open_requested = Signal(object)
    demo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column = QWidget()
        column.setMaximumWidth(560)
        layout = QVBoxLayout(column)
        layout.setSpacing(10)
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(72, 72))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(self.tr("<h1>KeyLedger</h1>"))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        blurb = QLabel(self.tr("Your team's API keys, encrypted, audited and rotated."))
        blurb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(icon)
        layout.addWidget(title)
        layout.addWidget(blurb)
        layout.addSpacing(12)
        self.create_button = self._button(
            "create",
            self.tr("Create a team vault…"),
            self.tr("A new vault file with dev, staging and prod"),
            self.create_requested.emit,
        )
        self.open_button = self._button(
            "open",
            self.tr("Open a vault…"),
            self.tr("A vault file shared with you"),
            lambda: self.open_requested.emit(None),
        )
        self.demo_button = self._button(
            "demo",
            self.tr("Open the demo vault"),
            self.tr("A sample team vault to look around in"),
            self.demo_requested.emit,
        )
        for button in (self.create_button, self.open_button, self.demo_button):
            layout.addWidget(button)
        self.recent_label = QLabel(self.tr("<b>Recent vaults</b>"))
        layout.addSpacing(8)
        layout.addWidget(self.recent_label)
        self._recent_box = QVBoxLayout()
        layout.addLayout(self._recent_box)
        outer.addWidget(column)
        self.recent_buttons: list[QCommandLinkButton] = []

    def _button(self, icon: str, text: str, note: str, slot: object) -> QCommandLinkButton:
        button = QCommandLinkButton(text, note)
        button.setIcon(action_icon(icon))
        button.setAccessibleName(text.rstrip("…"))
        button.clicked.connect(slot)
        return button

    def set_recent(self, paths: list[str]) -> None:
        for button in self.recent_buttons:
            button.deleteLater()
        self.recent_buttons = []
        existing = [Path(p) for p in paths if Path(p).exists()]
        self.recent_label.setVisible(bool(existing))
        for path in existing:
            button = QCommandLinkButton(path.name, str(path.parent))
            button.setAccessibleName(self.tr("Open recent vault %s") % path.name)
            button.clicked.connect(lambda _=False, p=path: self.open_requested.emit(p))
            self._recent_box.addWidget(button)
            self.recent_buttons.append(button)
