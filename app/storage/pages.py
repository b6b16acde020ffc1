"""Whether a working copy's file holds the very pages of another file (its published copy).

A publish that copies the working copy's file whole (publish.copy_whole) leaves the two files
equal byte for byte except in header fields that say how the file was last written, not what
it holds. Comparing the bytes then answers what comparing every table row by row answers, at a
tenth of the cost; any other difference answers False, and the caller compares rows.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

# Header bytes a publish changes (https://sqlite.org/fileformat.html#the_database_header): the
# write and read versions (18-19: WAL in the working copy, rollback journal in the published
# file), the change counter (24-27), the version-valid-for number and the SQLite version that
# wrote last (92-99).
_WRITE_FIELDS = ((18, 20), (24, 28), (92, 100))
_CHUNK = 1 << 20


def _masked(first: bytes) -> bytes:
    data = bytearray(first)
    for start, end in _WRITE_FIELDS:
        data[start:end] = bytes(end - start)
    return bytes(data)


def same_pages(conn: sqlite3.Connection, path: str, other: Path) -> bool:
    """Whether `conn`'s file at `path` holds exactly `other`'s pages, once every commit in its
    write-ahead log is in the file. False where that cannot be said (a log a reader holds open,
    a size that differs, a file that cannot be read)."""
    try:
        busy, logged, moved = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if busy or logged != moved:
            return False
        if os.path.getsize(path) != os.path.getsize(other):
            return False
        with open(path, "rb") as mine, open(other, "rb") as theirs:
            if _masked(mine.read(_CHUNK)) != _masked(theirs.read(_CHUNK)):
                return False
            while True:
                block = mine.read(_CHUNK)
                if block != theirs.read(_CHUNK):
                    return False
                if not block:
                    return True
    except (OSError, sqlite3.Error):
        return False
