"""Atomic publish of a working copy to the shared vault path.

A sync client (Dropbox, Syncthing, a network drive) must never see half a transaction, so the
shared file is only ever replaced whole: VACUUM INTO a temp file in the same folder, fsync it,
os.replace over the vault, fsync the folder. A crash at any point leaves the old file or the new
one, never a mix; stale temp files are removed on the next publish.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

TEMP_MARK = ".kl-publish-"

# Test hook: called with a step name ("written", "synced", "replaced") to inject failures.
FaultHook = Callable[[str], None]


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if directory:  # some platforms (Windows) cannot open folders; replace is still atomic
            return
        raise
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}")


def remove_stale_temps(target: Path) -> None:
    for stale in target.parent.glob(f".{target.name}{TEMP_MARK}*"):
        with contextlib.suppress(OSError):
            stale.unlink()


def publish(conn: sqlite3.Connection, target: Path, fault: FaultHook | None = None) -> None:
    remove_stale_temps(target)
    tmp = temp_path(target)
    try:
        conn.execute("VACUUM INTO ?", (str(tmp),))
        out = sqlite3.connect(tmp, isolation_level=None)
        try:
            out.execute("PRAGMA journal_mode=DELETE")
        finally:
            out.close()
        os.chmod(tmp, 0o600)
        if fault:
            fault("written")
        _fsync_path(tmp)
        if fault:
            fault("synced")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if fault:
        fault("replaced")
    _fsync_path(target.parent, directory=True)
