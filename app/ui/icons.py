"""Finds bundled images from a source checkout, an installed wheel or a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon


def _roots() -> list[Path]:
    here = Path(__file__).resolve().parent
    roots = [here.parent.parent]  # source checkout: the repository root
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        roots.insert(0, Path(frozen))
    return roots


def find(relative: str) -> Path | None:
    for root in _roots():
        candidate = root / relative
        if candidate.exists():
            return candidate
    return None


def app_icon() -> QIcon:
    path = find("icons/keyledger.svg")
    return QIcon(str(path)) if path else QIcon()
