"""Where this laptop keeps its working copies and small state (never secrets)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    override = os.environ.get("KEYLEDGER_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("keyledger", appauthor=False))


def working_copy(vault_id: str) -> Path:
    return data_dir() / "working" / f"{vault_id}.db"


def pins_file() -> Path:
    return data_dir() / "pins.json"
