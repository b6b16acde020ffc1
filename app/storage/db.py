"""Connections to vault files: the working copy (read-write) and a published file (read-only)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from app.storage.schema import APPLICATION_ID, SCHEMA_VERSION, create_or_migrate

BUSY_TIMEOUT_MS = 30_000


class StorageError(Exception):
    """The file is not a usable vault (not SQLite, corrupt, foreign, newer format)."""


class NewerFormatError(StorageError):
    pass


def _private_file(path: Path) -> None:
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


def open_working(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """The one writer connection of this process for a working copy."""
    if not create and not path.exists():
        raise StorageError(f"no working copy at {path}")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _private_file(path)
    # Opened by the unlock worker thread, then used by one thread at a time (the GUI thread).
    conn = sqlite3.connect(
        path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
    )
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        check_format(conn, allow_empty=create)
        create_or_migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StorageError(f"{path.name} is not a readable vault ({exc})") from None
    return conn


def open_reader(path: Path) -> sqlite3.Connection:
    """A second, read-only connection to a working copy, for a worker thread (WAL lets it read
    while the writer connection commits)."""
    uri = "file:" + urllib.parse.quote(str(path)) + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def open_published(path: Path) -> sqlite3.Connection:
    """Read-only view of a published vault file; never writes to it or beside it."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path.name} cannot be opened ({exc})") from None
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        check_format(conn, allow_empty=False)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StorageError(f"{path.name} is not a KeyLedger vault or is damaged ({exc})") from None
    except StorageError:
        conn.close()
        raise
    return conn


def check_format(conn: sqlite3.Connection, *, allow_empty: bool) -> None:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if app_id == 0 and version == 0 and allow_empty:
        return
    if app_id != APPLICATION_ID:
        raise StorageError("not a KeyLedger vault")
    if version > SCHEMA_VERSION:
        raise NewerFormatError(
            f"this vault uses format {version}; this KeyLedger reads up to {SCHEMA_VERSION}"
        )


_MAP_BYTES = 1 << 30


@contextlib.contextmanager
def mapped(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Reads through a memory map while the block runs: no read call and no copy per page,
    which a pass over every row (a structure check) feels. The pages read count in the
    process's resident memory, so not for a pass whose memory must stay flat (an export).

    Only over this laptop's working copy, which nothing but SQLite writes: a mapped file that
    another program truncates faults the process instead of failing a read. Never the shared
    file, which a sync client or a network drive may change underneath."""
    before = int(conn.execute("PRAGMA mmap_size").fetchone()[0])
    conn.execute(f"PRAGMA mmap_size={_MAP_BYTES}")
    try:
        yield conn
    finally:
        conn.execute(f"PRAGMA mmap_size={before}")


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: BEGIN IMMEDIATE takes the write lock up front."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Serialises writers of one working copy across processes (catch-up, commit, publish)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
