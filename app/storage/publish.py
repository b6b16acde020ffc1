"""Atomic publish of a working copy to the shared vault path.

A sync client (Dropbox, Syncthing, a network drive) must never see half a transaction, so the
shared file is only ever replaced whole: a temp file in the same folder, fsync it, os.replace
over the vault, fsync the folder. A crash at any point leaves the old file or the new one,
never a mix; stale temp files are removed on the next publish.

The temp file is VACUUM INTO, which rewrites every row and leaves out free pages (where deleted
values' pages go). A working copy with no free page, every commit checkpointed into its file
and nobody else committing meanwhile already holds what VACUUM INTO would, and is copied as a
file instead: at 128 MB (100k keys) 0.05 s and an fsync instead of 0.35 s. Deleted rows leave no
text behind in the pages they shared with others either: the working copy writes with
secure_delete on, which zeroes them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
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
        if not copy_whole(conn, tmp):
            conn.execute("VACUUM INTO ?", (str(tmp),))
        rollback_journal(tmp)
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


_MAGIC = b"SQLite format 3\x00"
_WAL, _ROLLBACK = b"\x02\x02", b"\x01\x01"  # header bytes 18-19: file format versions


def rollback_journal(path: Path) -> None:
    """Mark a database file that holds every commit (no write-ahead log beside it) as one in
    rollback journal mode, as PRAGMA journal_mode=DELETE would: a shared file must need no
    -wal or -shm file (which SQLite cannot share through a sync client or a network drive).

    Its two header bytes are written directly: opening it in SQLite to change the mode made
    and removed both files beside it, up to 0.07 s at 100k keys."""
    with open(path, "r+b") as out:
        head = out.read(20)
        if not head.startswith(_MAGIC) or head[18:20] not in (_WAL, _ROLLBACK):
            raise sqlite3.DatabaseError(f"{path.name} is not a whole SQLite database")
        if head[18:20] == _WAL:
            out.seek(18)
            out.write(_ROLLBACK)


def copy_whole(conn: sqlite3.Connection, tmp: Path) -> bool:
    """Copy the working copy's file to `tmp` where that holds what VACUUM INTO would (see
    above); False, with nothing at `tmp`, where it would not."""
    if conn.in_transaction:
        return False
    rows = conn.execute("PRAGMA database_list").fetchall()
    source = next((str(r[2]) for r in rows if r[1] == "main"), "")
    mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    if not source or mode != "wal" or conn.execute("PRAGMA freelist_count").fetchone()[0]:
        return False
    before = conn.execute("PRAGMA data_version").fetchone()[0]
    # PASSIVE waits for nobody (TRUNCATE would wait up to the busy timeout for a worker thread
    # reading an older snapshot); a frame it could not write back means VACUUM INTO.
    busy, logged, written = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    if busy or logged != written:
        return False
    try:
        shutil.copyfile(source, tmp)
        # Another connection's commit meanwhile (none is expected: writers hold the vault's
        # lock) could have been checkpointed into the file while it was read.
        if conn.execute("PRAGMA data_version").fetchone()[0] == before:
            return True
    except OSError:
        pass
    with contextlib.suppress(OSError):
        tmp.unlink()
    return False
