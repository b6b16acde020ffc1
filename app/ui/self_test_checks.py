"""The self-test's Qt side: the application, the shipped files, the clipboard, the event loop.

Qt's messages and logged warnings are kept off the terminal while it runs (an offscreen window
reports harmless warnings); a missing or unreadable file is found by the checks here instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication, QIcon, QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from app.ui.app import make_app
from app.ui.clipboard import KDE_MANAGER_HINT
from app.ui.icons import ACTIONS, APP_ICON_SIZES, action_icon, app_icon
from app.ui.resources import resource_path
from app.ui.theme import apply_theme

THEMES = ("light", "dark")


@contextmanager
def quiet_qt() -> Iterator[None]:
    previous = qInstallMessageHandler(lambda *_: None)
    logging.disable(logging.WARNING)  # what goes wrong is the one line the self-test prints
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        qInstallMessageHandler(previous)


def start_app() -> QApplication:
    return make_app()


def resources() -> None:
    """Every shipped file is found and reads as what it claims to be."""
    for theme in THEMES:
        resource_path(f"resources/themes/{theme}.qss")
    for name in ACTIONS:
        path = resource_path(f"resources/actions/{name}.svg")
        if not QSvgRenderer(str(path)).isValid():
            raise ValueError(f"{path} is not an SVG Qt can draw")
        if _is_blank(action_icon(name)):
            raise ValueError(f"the {name} icon draws nothing")
    for size in APP_ICON_SIZES:
        path = resource_path(f"icons/keyledger-{size}.png")
        if QImage(str(path)).width() != size:
            raise ValueError(f"{path} is not a {size} px image")
    if _is_blank(app_icon()):
        raise ValueError("the application icon draws nothing")


def themes(app: QApplication) -> None:
    """Each theme's style sheet is applied; the light one stays for the rest of the run."""
    for theme in (*THEMES[1:], THEMES[0]):
        apply_theme(app, theme)
        if not app.styleSheet().strip():
            raise ValueError(f"the {theme} theme has no style sheet")


def clipboard_text() -> str:
    board = QGuiApplication.clipboard()
    return board.text() if board is not None else ""


def has_manager_hint() -> bool:
    board = QGuiApplication.clipboard()
    mime = board.mimeData() if board is not None else None
    return mime is not None and mime.hasFormat(KDE_MANAGER_HINT)


def pump(ms: int) -> None:
    """Runs the event loop for ms milliseconds (timers, the unlock worker's result)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def settle() -> None:
    for _ in range(3):
        QApplication.sendPostedEvents(None, 0)
        QApplication.processEvents()


def _is_blank(icon: QIcon) -> bool:
    image = icon.pixmap(24, 24).toImage()
    return all(image.pixelColor(x, y).alpha() == 0 for x in range(24) for y in range(24))
