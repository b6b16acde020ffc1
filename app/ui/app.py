"""Starts the console: one QApplication, the theme, the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app import __version__
from app.services.settings import Settings
from app.ui.icons import app_icon
from app.ui.main_window import MainWindow
from app.ui.theme import apply_theme

DESKTOP_ID = "org.keyledger.KeyLedger"  # packaging/linux/<id>.desktop and .metainfo.xml


def make_app(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("KeyLedger")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("KeyLedger")
    app.setDesktopFileName(DESKTOP_ID)  # Wayland matches the window to its .desktop entry
    app.setWindowIcon(app_icon())
    return app


def run(path: Path | None = None, *, demo: bool = False) -> int:
    app = make_app()
    settings = Settings()
    apply_theme(app, settings.get("theme"))
    window = MainWindow(settings)
    if demo:
        from app.services.demo import ensure_demo

        window.open_vault(ensure_demo())
    elif path is not None:
        window.open_vault(path)
    window.show()
    return app.exec()
