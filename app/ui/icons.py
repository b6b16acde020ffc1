"""The application icon and the action icons, loaded through the resources helper.

Action icons are one-colour SVGs drawn in `currentColor`; they are painted in the palette's
button-text colour when drawn, so they follow a theme switch and look dimmed when disabled.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app.ui.resources import resource_path

log = logging.getLogger(__name__)

APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# The actions that have an icon (resources/actions/<name>.svg).
ACTIONS = ("create", "demo", "open", "unlock")


def app_icon() -> QIcon:
    """The rendered PNG sizes: no SVG plugin needed, and small sizes are exactly as checked."""
    icon = QIcon()
    for size in APP_ICON_SIZES:
        try:
            icon.addFile(str(resource_path(f"icons/keyledger-{size}.png")), QSize(size, size))
        except FileNotFoundError as exc:
            log.warning("application icon: %s", exc)
            break
    return icon


def action_icon(name: str) -> QIcon:
    try:
        svg = resource_path(f"resources/actions/{name}.svg").read_bytes()
    except FileNotFoundError as exc:
        log.warning("action icon: %s", exc)
        return QIcon()
    return QIcon(_TintedSvgEngine(svg))


def _colour(mode: QIcon.Mode) -> QColor:
    palette = QGuiApplication.palette()
    if mode == QIcon.Mode.Disabled:
        return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
    if mode == QIcon.Mode.Selected:
        return palette.color(QPalette.ColorRole.HighlightedText)
    return palette.color(QPalette.ColorRole.ButtonText)


class _TintedSvgEngine(QIconEngine):
    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._renderers: dict[str, QSvgRenderer] = {}

    def _renderer(self, colour: QColor) -> QSvgRenderer:
        key = colour.name()
        renderer = self._renderers.get(key)
        if renderer is None:
            renderer = QSvgRenderer(QByteArray(self._svg.replace(b"currentColor", key.encode())))
            self._renderers[key] = renderer
        return renderer

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer(_colour(mode)).render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixels = QSize(round(size.width() * scale), round(size.height() * scale))
        pixmap = QPixmap(pixels)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), pixels), mode, state)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self) -> QIconEngine:
        return _TintedSvgEngine(self._svg)
