"""Light and dark palettes on the Fusion style; 'system' keeps the platform's own colours.
Each theme's style sheet (resources/themes/) adds what a palette cannot say; 'system' takes the
light or dark one by the lightness of its window colour."""

from __future__ import annotations

import logging

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.ui.resources import read_text

log = logging.getLogger(__name__)

_DARK = {
    QPalette.ColorRole.Window: "#1f2226",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#16181b",
    QPalette.ColorRole.AlternateBase: "#1c1f23",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#2a2e33",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.Highlight: "#3d6fb4",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2a2e33",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#8a9099",
    QPalette.ColorRole.Link: "#8fb3de",
}
_LIGHT = {
    QPalette.ColorRole.Window: "#f3f4f6",
    QPalette.ColorRole.WindowText: "#1b1d20",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f6f7f9",
    QPalette.ColorRole.Text: "#1b1d20",
    QPalette.ColorRole.Button: "#e9ebee",
    QPalette.ColorRole.ButtonText: "#1b1d20",
    QPalette.ColorRole.Highlight: "#2f62a8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#1b1d20",
    QPalette.ColorRole.PlaceholderText: "#6b7280",
    QPalette.ColorRole.Link: "#2f62a8",
}

# Text of disabled controls: dimmed, still about 3:1 on the button colour.
_DISABLED = {"dark": "#7c828b", "light": "#8d939c"}
_DISABLED_ROLES = (
    QPalette.ColorRole.WindowText,
    QPalette.ColorRole.Text,
    QPalette.ColorRole.ButtonText,
)


def apply_theme(app: QApplication, theme: str) -> None:
    app.setStyle("Fusion")
    if theme == "system":
        app.setPalette(app.style().standardPalette())
    else:
        app.setPalette(_palette(theme))
    app.setStyleSheet(style_sheet("dark" if is_dark(app) else "light"))


def style_sheet(name: str) -> str:
    """resources/themes/<name>.qss; empty (the palette alone) if the install lacks it."""
    try:
        return read_text(f"resources/themes/{name}.qss")
    except FileNotFoundError as exc:
        log.warning("style sheet: %s", exc)
        return ""


def _palette(theme: str) -> QPalette:
    palette = QPalette()
    for role, colour in (_DARK if theme == "dark" else _LIGHT).items():
        palette.setColor(role, QColor(colour))
    for role in _DISABLED_ROLES:
        palette.setColor(
            QPalette.ColorGroup.Disabled,
            role,
            QColor(_DISABLED["dark" if theme == "dark" else "light"]),
        )
    return palette


def is_dark(app: QApplication) -> bool:
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128
