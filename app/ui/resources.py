"""Finds the files the console ships (style sheets, action icons, the application icon) wherever
it runs from. Each root mirrors the repository's top level, so a name is the same everywhere:
`resource_path("resources/themes/dark.qss")`, `resource_path("icons/keyledger-32.png")`.

- a PyInstaller bundle: the spec copies resources/ and icons/ next to the code (sys._MEIPASS);
- an installed wheel: pyproject force-includes them under app/_data/;
- a source checkout (and an editable install): the repository itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

_APP = Path(__file__).resolve().parent.parent  # the `app` package folder


def roots() -> list[Path]:
    """Where resources are looked for, first match wins."""
    frozen = getattr(sys, "_MEIPASS", None)
    found = [Path(frozen)] if frozen else []
    found.append(_APP / "_data")
    if _APP.parent not in found:  # in a bundle the code sits in _MEIPASS too
        found.append(_APP.parent)
    return found


def resource_path(name: str) -> Path:
    """The file `name` (a path relative to the repository's top level); FileNotFoundError
    names every place looked in when no root has it."""
    places = roots()
    for root in places:
        candidate = root / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{name} is in none of {', '.join(str(p) for p in places)}")


def read_text(name: str) -> str:
    return resource_path(name).read_text(encoding="utf-8")
