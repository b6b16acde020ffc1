"""The engine (core, crypto, storage, services) never imports Qt or the faces above it."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import app

ENGINE = ("core", "crypto", "storage", "services")
FORBIDDEN = ("PySide6", "shiboken6", "app.ui", "app.cli")


def engine_files() -> list[Path]:
    root = Path(app.__file__).parent
    return [p for layer in ENGINE for p in (root / layer).rglob("*.py")]


def test_no_engine_module_names_qt_or_the_ui():
    offenders = []
    for path in engine_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert engine_files()
    assert offenders == []


def test_importing_the_whole_engine_loads_no_qt():
    modules = [
        f"app.{layer}.{m.name}"
        for layer in ENGINE
        for m in pkgutil.iter_modules([str(Path(app.__file__).parent / layer)])
    ]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + (
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
            "print(len(sys.modules)); raise SystemExit(1 if bad else 0)"
        )
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
