"""A publish copies the working copy's file where that holds what VACUUM INTO would, and
rewrites it otherwise: after a deletion (free pages), while a reader holds an older snapshot,
or when another connection commits meanwhile. Either way the shared file is whole, in rollback
journal mode, and holds no deleted value."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services import paths
from app.services.integrity import verify_vault
from app.services.secrets import add_secret, delete_secret
from app.services.vault import Vault
from app.storage import publish
from tests.robust.conftest import contents, contents_on_fresh_laptop, new_vault

VALUE = "sk-proj-" + "Q" * 40


def add(vault: Vault, name: str, value: str = VALUE) -> None:
    add_secret(vault, "dev", name, value, env_var=name.upper())


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Vault, bytes, Path]]:
    path = tmp_path / "shared" / "team.kl"
    vault, key = new_vault(path)
    add(vault, "first")
    yield vault, key, path
    vault.lock()


@pytest.fixture
def paths_taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each publish copied the file (True) or ran VACUUM INTO (False)."""
    taken: list[bool] = []
    real = publish.copy_whole

    def spy(conn: sqlite3.Connection, tmp: Path) -> bool:
        taken.append(real(conn, tmp))
        return taken[-1]

    monkeypatch.setattr(publish, "copy_whole", spy)
    return taken


def journal_mode(path: Path) -> int:
    return path.read_bytes()[18]  # file format write version: 1 rollback journal, 2 WAL


def test_an_append_copies_the_file_and_the_result_is_a_whole_vault(
    setup: tuple[Vault, bytes, Path], paths_taken: list[bool], tmp_path: Path
):
    vault, key, path = setup
    add(vault, "second", VALUE + "2")
    assert paths_taken == [True]
    assert journal_mode(path) == 1
    assert not list(path.parent.glob("*-wal"))
    assert not list(path.parent.glob("*-shm"))
    assert verify_vault(path).commits == 3
    assert contents_on_fresh_laptop(path, key, tmp_path / "other") == contents(vault)


def test_a_deletion_leaves_free_pages_and_vacuum_into_leaves_them_out(
    setup: tuple[Vault, bytes, Path], paths_taken: list[bool]
):
    vault, _, path = setup
    big = "sk-proj-" + "Z" * 6000  # its own overflow pages, freed by the deletion
    add(vault, "doomed", big)
    ciphertext = vault.conn.execute("SELECT data FROM blobs").fetchall()
    delete_secret(vault, "dev", "doomed")
    assert vault.conn.execute("PRAGMA freelist_count").fetchone()[0] > 0
    assert paths_taken[-1] is False
    published = path.read_bytes()
    gone = [bytes(d) for (d,) in ciphertext if bytes(d) not in _blobs(vault)]
    assert gone
    assert all(d[-64:] not in published for d in gone)
    assert verify_vault(path).commits == 4


def test_a_reader_with_an_older_snapshot_or_a_commit_meanwhile_means_vacuum_into(
    setup: tuple[Vault, bytes, Path], paths_taken: list[bool], monkeypatch: pytest.MonkeyPatch
):
    vault, _, path = setup
    work = paths.working_copy(vault.vault_id)
    reader = sqlite3.connect(work, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM events").fetchone()  # holds its snapshot
        add(vault, "second")
    finally:
        reader.close()
    assert paths_taken[-1] is False

    real_copy = publish.shutil.copyfile

    def copy_while_another_commits(source: str, tmp: Path) -> None:
        other = sqlite3.connect(source, isolation_level=None)
        try:
            other.execute("INSERT INTO meta (key, value) VALUES ('probe', 'x')")
            other.execute("DELETE FROM meta WHERE key = 'probe'")
        finally:
            other.close()
        real_copy(source, tmp)

    monkeypatch.setattr(publish.shutil, "copyfile", copy_while_another_commits)
    add(vault, "third")
    assert paths_taken[-1] is False
    assert not list(path.parent.glob(".team.kl.kl-publish-*"))
    assert verify_vault(path).commits == 4


def _blobs(vault: Vault) -> set[bytes]:
    return {bytes(d) for (d,) in vault.conn.execute("SELECT data FROM blobs")}


def test_rollback_journal_marks_a_wal_file_and_refuses_anything_else(tmp_path: Path):
    db = tmp_path / "wal.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (42)")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert journal_mode(db) == 2
    publish.rollback_journal(db)
    assert journal_mode(db) == 1
    reopened = sqlite3.connect(db, isolation_level=None)
    assert reopened.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert reopened.execute("SELECT x FROM t").fetchall() == [(42,)]
    reopened.close()
    assert not list(tmp_path.glob("*-wal"))
    publish.rollback_journal(db)  # already so: unchanged
    assert journal_mode(db) == 1
    for text in (b"", b"not a database at all, just text", b"SQLite format 3\x00" + b"\x07" * 84):
        other = tmp_path / "other.db"
        other.write_bytes(text)
        with pytest.raises(sqlite3.DatabaseError):
            publish.rollback_journal(other)
        assert other.read_bytes() == text
