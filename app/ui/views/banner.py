"""A note across the top of the console: a coloured edge, wrapped text, buttons at its right."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

RED, AMBER = "#e53935", "#f9a825"


class Banner(QFrame):
    """Hidden until it has something to say.

    Signals:
    dismissed(): the user closed it with × (for banners that have one).
    """

    dismissed = Signal()

    def __init__(self, name: str, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # A coloured edge reads in both themes without a filled background.
        self.setObjectName(name)
        self.setStyleSheet(
            f"#{name} {{ border: 1px solid {colour}; border-left-width: 4px; border-radius: 3px; }}"
        )
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 3, 3, 3)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self._layout.addWidget(self.text, 1)
        self.hide()

    def add_button(self, button: QAbstractButton) -> None:
        self._layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)

    def add_close_button(self, tooltip: str) -> QToolButton:
        """The × that emits `dismissed`."""
        button = QToolButton()
        button.setText("×")
        button.setAutoRaise(True)
        button.setToolTip(tooltip)
        button.setAccessibleName(QCoreApplication.translate("Banner", "Dismiss"))
        button.clicked.connect(self.dismissed.emit)
        self.add_button(button)
        return button

    def set_text(self, text: str) -> None:
        """Show this text, or hide when there is none."""
        self.text.setText(text)
        self.setVisible(bool(text))
