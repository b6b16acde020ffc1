"""Where this laptop keeps its working copies and small state (never secrets)."""

from __future__ import annotations

import contextlib
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


def catalog_cache(vault_id: str) -> Path:
    """The sealed cache of the secrets' metadata (services/catalog_cache.py)."""
    return working_copy(vault_id).with_suffix(".catalog")


def remove_working_copy(vault_id: str) -> None:
    """Delete a working copy with its WAL files and its cache (a vault whose creation failed, a
    copy set aside); what is already gone is fine."""
    work = working_copy(vault_id)
    wal, shm = work.with_name(work.name + "-wal"), work.with_name(work.name + "-shm")
    for leftover in (work, wal, shm, catalog_cache(vault_id)):
        with contextlib.suppress(OSError):
            leftover.unlink()


def pins_file() -> Path:
    return data_dir() / "pins.json"
