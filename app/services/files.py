"""Files written for the user (exports): whole or not at all, and never over one unasked."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from app.core.errors import Conflict, InvalidInput


def check_target(path: Path, *, force: bool) -> None:
    """Refuse before any work is done: a folder, a missing folder, a file not to replace."""
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise InvalidInput(f"the folder {path.parent} does not exist")
    if path.exists() and not force:
        raise Conflict(f"{path} already exists; pass --force to replace it")


def write_new(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write through a temporary file in the same folder, then rename it into place.

    A reader never sees half a file, and a failure leaves any earlier file as it was. The file
    is private (0600, as mkstemp makes it): exports list key names, though never a value.
    """
    check_target(path, force=force)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if path.exists() and not force:  # appeared while we wrote
            raise Conflict(f"{path} already exists; pass --force to replace it")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
