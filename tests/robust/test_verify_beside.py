"""`verify_vault` compares a level working copy beside the shared file's replay, and that path
still catches what the sequential one catches.

When this laptop's copy already has the shared file's head, catching up changes nothing, so the
copy is opened first and compared with the shared file on the second core while the shared file
is replayed. The comparison counts only once the shared file passed and only if the copy still has
the head that was verified; anything else replays the copy in full.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.core.errors import IntegrityFailure
from app.services import integrity, paths
from app.services.integrity import verify_vault
from app.services.secrets import add_secret
from app.storage import ledger
from tests.robust.conftest import new_vault, sqlite_edit, unlock

KEYS: dict[Path, bytes] = {}


@pytest.fixture
def level(tmp_path: Path) -> tuple[Path, str]:
    """A shared file and this laptop's working copy at the same head (three secrets)."""
    path = tmp_path / "shared" / "team.kl"
    vault, key = new_vault(path)
    KEYS[path] = key
    try:
        for n in range(3):
            add_secret(vault, "dev", f"zebra-{n}", f"value-{n}")
        vault_id = vault.vault_id
    finally:
        vault.lock()
    return path, vault_id


class Calls:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.beside = 0
        self.full: list[str] = []
        real_beside, real_verify = integrity.verify_beside, integrity.verify

        def beside(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.beside += 1
            return real_beside(*args, **kwargs)

        def full(conn: sqlite3.Connection, *args, **kwargs):  # type: ignore[no-untyped-def]
            file = next(f for _, name, f in conn.execute("PRAGMA database_list") if name == "main")
            self.full.append(Path(file).name)
            return real_verify(conn, *args, **kwargs)

        monkeypatch.setattr(integrity, "verify_beside", beside)
        monkeypatch.setattr(integrity, "verify", full)


def test_a_level_copy_is_compared_beside_the_replay_not_replayed(
    level: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
):
    path, _ = level
    calls = Calls(monkeypatch)
    report = verify_vault(path)
    assert report.commits == 4
    assert report.checked[-1] == "pinned head"
    assert calls.beside == 1
    assert calls.full == []  # the copy matched: no second replay


WORKING_COPY_EDITS = {
    "a projection row": (
        "UPDATE secrets SET meta_epoch = meta_epoch + 1"
        " WHERE id = (SELECT id FROM secrets ORDER BY id LIMIT 1)",
        "the secrets table differs",
    ),
    "an event body": (
        "UPDATE events SET body = CAST(body || ' ' AS BLOB)"  # still JSON, not what was signed
        " WHERE seq = (SELECT max(seq) FROM events)",
        "its events do not match the signed list",
    ),
    "a stored value": (
        "UPDATE blobs SET data = zeroblob(length(data))"
        " WHERE hash = (SELECT hash FROM blobs ORDER BY hash LIMIT 1)",
        "a stored value does not match the hash its event signed",
    ),
}


@pytest.mark.parametrize("edit", WORKING_COPY_EDITS, ids=WORKING_COPY_EDITS.keys())
def test_a_tampered_level_copy_is_replayed_and_fails(
    level: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, edit: str
):
    path, vault_id = level
    sql, problem = WORKING_COPY_EDITS[edit]
    work = paths.working_copy(vault_id)
    assert sqlite_edit(work, (sql, ())) == 1
    calls = Calls(monkeypatch)
    with pytest.raises(IntegrityFailure, match=problem):
        verify_vault(path)
    assert calls.beside == 1
    assert calls.full == [work.name]  # the comparison said no: the copy was replayed in full


def test_a_damaged_index_in_a_level_copy_fails(level: tuple[Path, str]):
    path, vault_id = level
    work = paths.working_copy(vault_id)
    conn = sqlite3.connect(work, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'secrets_env'")
        (size,) = conn.execute("PRAGMA page_size").fetchone()
        (env,) = conn.execute("SELECT env_id FROM secrets LIMIT 1").fetchone()
    finally:
        conn.close()
    data = bytearray(work.read_bytes())
    start = (root[0] - 1) * size
    at = data.index(env.encode("ascii"), start, start + size)
    data[at] ^= 0x01  # one index entry no longer matches its row; the rows are all the same
    work.write_bytes(bytes(data))
    with pytest.raises(IntegrityFailure, match="damaged"):
        verify_vault(path)


def test_a_tampered_shared_file_fails_whatever_the_level_copy_says(
    level: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
):
    path, vault_id = level
    work = paths.working_copy(vault_id)
    edit = ("UPDATE versions SET info_epoch = 9 WHERE rowid = 1", ())
    assert sqlite_edit(path, edit) == 1
    assert sqlite_edit(work, edit) == 1  # the copy matches the tampered file row for row
    calls = Calls(monkeypatch)
    with pytest.raises(IntegrityFailure, match="the versions table differs"):
        verify_vault(path)
    assert calls.beside == 1


def test_a_copy_whose_head_moved_meanwhile_is_replayed(
    level: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
):
    path, vault_id = level
    calls = Calls(monkeypatch)
    moved = ledger.CommitRow(1, "f" * 64, b"", b"")
    monkeypatch.setattr(integrity.ledger, "head", lambda conn: moved)
    monkeypatch.setattr(integrity, "_level", lambda pub, vid: True)
    verify_vault(path)
    assert calls.full == [paths.working_copy(vault_id).name]


def test_a_copy_behind_the_shared_file_catches_up_after_it_is_verified(
    level: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path, vault_id = level
    work = paths.working_copy(vault_id)
    behind = tmp_path / "behind.db"
    checkpoint(work)
    shutil.copy(work, behind)  # the copy at three secrets
    vault = unlock(path, KEYS[path])
    try:
        add_secret(vault, "dev", "zebra-new", "value-new")
    finally:
        vault.lock()
    checkpoint(work)
    shutil.copy(behind, work)  # this laptop's copy one commit behind the shared file
    calls = Calls(monkeypatch)
    assert verify_vault(path).commits == 5
    assert calls.beside == 0  # not level: verified first, caught up after, as before
    caught_up = sqlite3.connect(work)
    try:
        assert ledger.count(caught_up) == 5
    finally:
        caught_up.close()


def checkpoint(work: Path) -> None:
    """Everything in the main file: no -wal or -shm beside it."""
    conn = sqlite3.connect(work, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


# -- the projection's comparison beside the stored values' hashes --------------------------------

BAD_VALUE = (
    "UPDATE blobs SET data = zeroblob(length(data))"
    " WHERE hash = (SELECT hash FROM blobs ORDER BY hash LIMIT 1)",
    (),
)
BAD_ROW = ("UPDATE secrets SET version = version + 1 WHERE rowid = 1", ())


@pytest.mark.parametrize(
    ("edits", "problem"),
    [
        ((BAD_VALUE,), "a stored value does not match the hash its event signed"),
        ((BAD_ROW,), "the secrets table differs"),
        ((BAD_VALUE, BAD_ROW), "the secrets table differs"),  # reported first, as it was
    ],
    ids=["a stored value", "a projection row", "both"],
)
def test_the_shared_file_s_projection_and_values_are_both_checked(
    level: tuple[Path, str], edits: tuple[tuple[str, tuple[()]], ...], problem: str
):
    path, _ = level
    assert sqlite_edit(path, *edits) == len(edits)
    with pytest.raises(IntegrityFailure, match=problem):
        verify_vault(path)
