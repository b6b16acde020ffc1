"""A working copy is taken for its published file's twin only when it holds the very same pages:
one changed byte outside the header's write fields, another size or a log not yet in the file
sends `verify` back to comparing rows."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services import paths
from app.services.integrity import verify_vault
from app.services.sync import read_identity
from app.services.verify import identical_to
from app.storage.pages import same_pages


@pytest.fixture
def published(shared: Path) -> Iterator[tuple[sqlite3.Connection, Path, Path]]:
    """A working copy's connection, its file, and the shared file it was just published to."""
    vault_id, _ = read_identity(shared)
    work = paths.working_copy(vault_id)
    conn = sqlite3.connect(work, isolation_level=None)
    yield conn, work, shared
    conn.close()


def test_a_working_copy_published_whole_holds_its_files_pages(published):
    conn, work, shared = published
    assert work.read_bytes() != shared.read_bytes()  # the header says WAL in one, not the other
    assert same_pages(conn, str(work), shared)
    assert identical_to(conn, shared)
    assert "pinned head" in verify_vault(shared).checked


@pytest.mark.parametrize("where", [0, 17, 20, 23, 28, 91, 100, 4096, -4096, -1])
def test_one_changed_byte_outside_the_write_fields_is_a_difference(published, where: int):
    conn, work, shared = published
    changed = shared.with_name("changed.kl")
    data = bytearray(shared.read_bytes())
    data[where] ^= 0x01
    changed.write_bytes(bytes(data))
    assert not same_pages(conn, str(work), changed)


@pytest.mark.parametrize("where", [18, 19, 24, 27, 92, 99])
def test_the_header_fields_a_publish_writes_are_not(published, where: int):
    conn, work, shared = published
    data = bytearray(shared.read_bytes())
    data[where] ^= 0x01
    shared.write_bytes(bytes(data))
    assert same_pages(conn, str(work), shared)


def test_another_size_is_a_difference(published):
    conn, work, shared = published
    longer = shared.with_name("longer.kl")
    longer.write_bytes(shared.read_bytes() + bytes(4096))
    assert not same_pages(conn, str(work), longer)
    assert not same_pages(conn, str(work), shared.with_name("missing.kl"))


def test_a_log_that_a_reader_keeps_out_of_the_file_is_a_difference(tmp_path: Path):
    path = tmp_path / "wal.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x)")
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "copy.db"
    shutil.copyfile(path, copy)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()  # holds the snapshot before the insert
    writer.execute("INSERT INTO t VALUES (1)")
    try:
        # The file's bytes still equal the copy's, but the insert is only in the log.
        assert path.read_bytes() == copy.read_bytes()
        assert not same_pages(writer, str(path), copy)
    finally:
        reader.close()
        writer.close()
