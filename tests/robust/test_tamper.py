"""Edits made behind KeyLedger's back, with sqlite3 or a hex editor, are caught.

A ciphertext moved to another row does not open; a row edited outside the ledger fails the full
verification with the problem named; the file holds no name, value or note in the clear; an
old copy put back is recognised as a rollback; unknown or foreign files are refused in one line.
"""

from __future__ import annotations

import base64
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.errors import IntegrityFailure
from app.services import paths
from app.services.environments import add_environment
from app.services.integrity import verify_vault
from app.services.secrets import (
    add_secret,
    reveal,
    rotate_secret,
    run_environment,
    update_secret,
)
from app.services.vault import Vault
from app.storage.schema import SCHEMA_VERSION
from tests.robust.conftest import (
    CliVault,
    cli_init,
    contents,
    contents_on_fresh_laptop,
    laptop,
    new_vault,
    run_cli,
    sqlite_edit,
    unlock,
)

DEV = {"zebra-dev-one": "value-dev-one-7d1f0c", "zebra-dev-two": "value-dev-two-93ab44"}
PROD = {"zebra-prod-one": "value-prod-one-51e2aa"}


@dataclass
class Team:
    path: Path
    key: bytes
    vault: Vault

    def ids(self) -> dict[str, str]:
        """Secret name -> id, read from the vault's own tables."""
        from app.services.secrets import list_secrets

        return {s.name: s.id for s in list_secrets(self.vault)}


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    """Vault with two dev secrets (commits #2, #3) and one prod secret (#4); still unlocked."""
    path = tmp_path / "shared" / "team.kl"
    vault, key = new_vault(path)
    for name, value in DEV.items():
        add_secret(vault, "dev", name, value)
    for name, value in PROD.items():
        add_secret(vault, "prod", name, value)
    yield Team(path, key, vault)
    vault.lock()


def working_copy_files(vault_id: str) -> list[Path]:
    work = paths.working_copy(vault_id)
    return [work, work.with_name(work.name + "-wal"), work.with_name(work.name + "-shm")]


# -- (a) a ciphertext moved to another row does not open --------------------------------------

MOVES = {
    "prod value into a dev row": ("zebra-prod-one", "zebra-dev-one"),
    "dev value into another dev row": ("zebra-dev-two", "zebra-dev-one"),
}


def move_value(db: Path, ids: dict[str, str], source: str, target: str) -> None:
    changed = sqlite_edit(
        db,
        (
            # versions.value_ref names the stored ciphertext (blobs.hash) of the value
            "UPDATE versions SET value_ref = (SELECT value_ref FROM versions WHERE secret_id = ?)"
            " WHERE secret_id = ?",
            (ids[source], ids[target]),
        ),
    )
    assert changed == 1


@pytest.mark.parametrize(("source", "target"), MOVES.values(), ids=MOVES.keys())
def test_moved_ciphertext_in_the_shared_file_is_refused_on_a_new_laptop(
    team: Team, tmp_path: Path, source: str, target: str
):
    copy = tmp_path / "copy" / "team.kl"
    copy.parent.mkdir()
    shutil.copy(team.path, copy)
    move_value(copy, team.ids(), source, target)
    with laptop(tmp_path / "laptop2"):
        with pytest.raises(IntegrityFailure, match="versions table differs") as caught:
            unlock(copy, team.key)
        assert caught.value.exit_code == 5
        with pytest.raises(IntegrityFailure, match="versions table differs"):
            verify_vault(copy)
        assert not list((tmp_path / "laptop2").rglob("*.db")), "an unverified copy was kept"


@pytest.mark.parametrize(("source", "target"), MOVES.values(), ids=MOVES.keys())
def test_moved_ciphertext_in_the_working_copy_fails_to_decrypt(
    team: Team, source: str, target: str
):
    ids = team.ids()
    team.vault.lock()
    # The working copy began as a verified copy of the shared file; edit it in place, which
    # skips the verification a new copy gets, so the read itself must notice.
    move_value(paths.working_copy(team.vault.vault_id), ids, source, target)
    vault = unlock(team.path, team.key)
    try:
        assert reveal(vault, "prod", "zebra-prod-one", channel=None) == PROD["zebra-prod-one"]
        with pytest.raises(IntegrityFailure, match="'zebra-dev-one' failed to decrypt") as caught:
            reveal(vault, "dev", target, channel=None)
        assert caught.value.exit_code == 5
    finally:
        vault.lock()
    with pytest.raises(IntegrityFailure, match="versions table differs"):
        verify_vault(team.path)


# -- (b) rows edited outside the ledger fail verification, naming the problem ----------------

Edit = Callable[[sqlite3.Connection, dict[str, str]], None]


def _one(conn: sqlite3.Connection, sql: str, *args: object) -> None:
    assert conn.execute(sql, args).rowcount == 1, sql


def _patch_blob(conn: sqlite3.Connection, table: str, column: str, where: str, at: int) -> None:
    (blob,) = conn.execute(f"SELECT {column} FROM {table} WHERE {where}").fetchone()  # noqa: S608
    blob = bytearray(blob)
    blob[at] = ord("X") if blob[at] != ord("X") else ord("Y")
    _one(conn, f"UPDATE {table} SET {column} = ? WHERE {where}", bytes(blob))  # noqa: S608


def _delete_commit(conn: sqlite3.Connection, seq: int) -> None:
    assert conn.execute("DELETE FROM events WHERE commit_seq = ?", (seq,)).rowcount >= 1
    _one(conn, "DELETE FROM commits WHERE seq = ?", seq)


EDITS: dict[str, tuple[Edit, str]] = {
    "secrets.meta_event of one row replaced by another's": (
        lambda c, ids: _one(
            c,
            "UPDATE secrets SET meta_event = (SELECT meta_event FROM secrets WHERE id = ?)"
            " WHERE id = ?",
            ids["zebra-dev-two"],
            ids["zebra-dev-one"],
        ),
        "the secrets table differs from what the ledger says",
    ),
    "members.role changed": (
        lambda c, ids: _one(c, "UPDATE members SET role = 'member'"),
        "the members table differs from what the ledger says",
    ),
    "a wraps row deleted": (
        lambda c, ids: _one(c, "DELETE FROM wraps WHERE rowid = (SELECT max(rowid) FROM wraps)"),
        "the wraps table differs from what the ledger says",
    ),
    "environments reordered": (
        lambda c, ids: _one(c, "UPDATE environments SET position = 9 WHERE position = 2"),
        "the environments table differs from what the ledger says",
    ),
    "a commits.header byte changed": (
        lambda c, ids: _patch_blob(c, "commits", "header", "seq = 3", 20),
        r"ledger commit #3: hash does not match its header",
    ),
    "a commits.sig byte changed": (
        lambda c, ids: _patch_blob(c, "commits", "sig", "seq = 3", 5),
        r"ledger commit #3: signature does not verify",
    ),
    "an events.body changed": (
        lambda c, ids: _patch_blob(c, "events", "body", "commit_seq = 3", 10),
        r"ledger commit #3: its events do not match the signed list",
    ),
    "an events row added that no commit signed": (
        lambda c, ids: _one(
            c,
            "INSERT INTO events (commit_seq, idx, body) SELECT 999, 0, body"
            " FROM events WHERE commit_seq = 2 AND idx = 0",
        ),
        "the events table holds rows that no commit signed",
    ),
    "an events row deleted": (
        lambda c, ids: _one(c, "DELETE FROM events WHERE commit_seq = 3"),
        r"ledger commit #3: its events do not match the signed list",
    ),
    "a middle commit deleted": (
        lambda c, ids: _delete_commit(c, 3),
        r"ledger commit #3 is missing",
    ),
    "the last commit deleted, its rows kept": (
        lambda c, ids: _delete_commit(c, 4),
        "the secrets table differs from what the ledger says",
    ),
    "the display name changed": (
        lambda c, ids: _one(c, "UPDATE meta SET value = 'Evil Corp' WHERE key = 'name'"),
        "the vault's name was changed outside the ledger",
    ),
    "the vault id changed": (
        lambda c, ids: _one(c, "UPDATE meta SET value = '00' || value WHERE key = 'vault_id'"),
        r"ledger commit #1: belongs to another vault",
    ),
}


@pytest.mark.parametrize("edit", EDITS, ids=EDITS.keys())
def test_row_edited_outside_the_ledger_fails_verification(team: Team, tmp_path: Path, edit: str):
    change, problem = EDITS[edit]
    ids = team.ids()
    copy = tmp_path / "copy" / "team.kl"
    copy.parent.mkdir()
    shutil.copy(team.path, copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        change(conn, ids)
    finally:
        conn.close()
    assert copy.read_bytes() != team.path.read_bytes()
    with laptop(tmp_path / "laptop2"):
        with pytest.raises(IntegrityFailure, match=problem) as caught:
            verify_vault(copy)
        assert caught.value.exit_code == 5
        assert "\n" not in str(caught.value)
        with pytest.raises(IntegrityFailure, match=problem):
            unlock(copy, team.key)
        assert not list((tmp_path / "laptop2").rglob("*.db")), "an unverified copy was kept"
    assert verify_vault(team.path).commits == 4  # the original is untouched and still fine


# -- (c) nothing a user typed is in the file in the clear -------------------------------------

CLEAR_NAME = "Platypus Lab 4417"
PRIVATE = {
    "secret name": "zebra-notes-7781",
    "renamed secret's old name": "zebra-oldname-3390",
    "secret value": "VALUE-okapi-90210-f3c1d2",
    "rotated value": "VALUE-okapi-rotated-55aa",
    "notes": "narwhal-notes-5523 call finance first",
    "tag": "tag-axolotl-3141",
    "env var name": "ENVVAR_WOMBAT_2718",
    "owner": "owner-capybara-1618",
    "rotation ticket": "TICKET-PANGOLIN-6626",
    "program run": "program-tapir-7777",
    "environment name": "quokkaenv",
    "default environment name": "staging",
}


def forms(text: str) -> list[bytes]:
    """`text` as bytes, lower-cased, and inside any base64 or urlsafe-base64 stream."""
    raw = text.encode("utf-8")
    found = [raw, raw.lower()]
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            enc = encode(b"\0" * pad + raw).rstrip(b"=")
            found.append(enc[(4 * pad + 2) // 3 : -2])
    return found


def leaks(data: bytes, texts: dict[str, str]) -> list[str]:
    return [label for label, text in texts.items() if any(form in data for form in forms(text))]


def test_shared_file_holds_no_names_values_or_notes(tmp_path: Path):
    path = tmp_path / "shared" / "team.kl"
    vault, key = new_vault(path, CLEAR_NAME)
    try:
        add_environment(vault, PRIVATE["environment name"])
        add_secret(
            vault,
            PRIVATE["environment name"],
            PRIVATE["renamed secret's old name"],
            PRIVATE["secret value"],
            env_var=PRIVATE["env var name"],
            owner=PRIVATE["owner"],
            tags=[PRIVATE["tag"]],
            notes=PRIVATE["notes"],
        )
        update_secret(
            vault,
            PRIVATE["environment name"],
            PRIVATE["renamed secret's old name"],
            new_name=PRIVATE["secret name"],
        )
        rotate_secret(
            vault,
            PRIVATE["environment name"],
            PRIVATE["secret name"],
            PRIVATE["rotated value"],
            "scheduled",
            ticket=PRIVATE["rotation ticket"],
        )
        add_secret(vault, "staging", "zebra-staging-1", "VALUE-staging-one-8f8f")
        reveal(vault, PRIVATE["environment name"], PRIVATE["secret name"], channel="get")
        env = run_environment(vault, PRIVATE["environment name"], PRIVATE["program run"])
        assert env == {PRIVATE["env var name"]: PRIVATE["rotated value"]}
        vault_id = vault.vault_id
    finally:
        vault.lock()
    data = path.read_bytes()
    assert leaks(data, PRIVATE) == []
    assert leaks(data, {"staging secret": "zebra-staging-1", "its value": "VALUE-staging"}) == []
    # Expected in the clear, by design: the display name (to show which vault this is before
    # unlocking) and member handles (to choose whose keys to unlock).
    assert CLEAR_NAME.encode() in data
    assert b"alice" in data
    # This laptop's working copy holds the same ciphertext and nothing more.
    local = b"".join(p.read_bytes() for p in working_copy_files(vault_id) if p.exists())
    assert leaks(local, PRIVATE) == []
    assert (
        contents_on_fresh_laptop(path, key, tmp_path / "laptop2")[
            (PRIVATE["environment name"], PRIVATE["secret name"])
        ]
        == PRIVATE["rotated value"]
    )


def test_leak_check_would_see_plain_and_base64_text():
    text = "zebra-notes-7781"
    for pad in range(3):
        blob = b"junk" + base64.b64encode(b"x" * pad + text.encode()) + b"junk"
        assert leaks(blob, {"t": text}) == ["t"]
    assert leaks(b"..ZEBRA-NOTES-7781..".lower(), {"t": text}) == ["t"]


# -- (d) an old copy put back is a rollback ---------------------------------------------------


def test_old_copy_put_back_is_refused_as_a_rollback(team: Team, tmp_path: Path):
    old = team.path.read_bytes()
    add_secret(team.vault, "dev", "zebra-after-a", "value-after-a-0001")
    add_secret(team.vault, "dev", "zebra-after-b", "value-after-b-0002")
    vault_id = team.vault.vault_id
    team.vault.lock()
    team.path.write_bytes(old)
    for f in working_copy_files(vault_id):
        f.unlink(missing_ok=True)
    for attempt in ("first", "again"):
        with pytest.raises(IntegrityFailure, match="rolled back") as caught:
            unlock(team.path, team.key)
        assert caught.value.exit_code == 5, attempt
        assert "#6" in str(caught.value)
        with pytest.raises(IntegrityFailure, match="rolled back"):
            verify_vault(team.path)
    assert team.path.read_bytes() == old, "the refused file was changed"
    # A laptop that never saw the newer state has no pin and cannot tell: it opens state A.
    assert contents_on_fresh_laptop(team.path, team.key, tmp_path / "laptop2") == {
        **{("dev", n): v for n, v in DEV.items()},
        **{("prod", n): v for n, v in PROD.items()},
    }


def test_old_copy_put_back_is_republished_by_a_laptop_that_is_ahead(team: Team, tmp_path: Path):
    old = team.path.read_bytes()
    add_secret(team.vault, "dev", "zebra-after-a", "value-after-a-0001")
    expected = contents(team.vault)
    team.vault.lock()
    team.path.write_bytes(old)
    vault = unlock(team.path, team.key)
    try:
        assert contents(vault) == expected
    finally:
        vault.lock()
    assert team.path.read_bytes() != old
    assert contents_on_fresh_laptop(team.path, team.key, tmp_path / "laptop2") == expected


# -- (e) newer formats and files that are not vaults ------------------------------------------


def set_user_version(path: Path, version: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA user_version={version}")
    finally:
        conn.close()


def test_newer_format_is_refused_with_a_clear_message(team: Team, tmp_path: Path):
    copy = tmp_path / "copy" / "team.kl"
    copy.parent.mkdir()
    shutil.copy(team.path, copy)
    set_user_version(copy, 99)
    with laptop(tmp_path / "laptop2"):
        with pytest.raises(IntegrityFailure) as caught:
            unlock(copy, team.key)
        assert str(caught.value) == (
            f"this vault uses format 99; this KeyLedger reads up to {SCHEMA_VERSION}"
        )
        assert caught.value.exit_code == 5
        with pytest.raises(IntegrityFailure, match="format 99"):
            verify_vault(copy)


@pytest.fixture(scope="module")
def cli_vault(tmp_path_factory: pytest.TempPathFactory) -> CliVault:
    return cli_init(tmp_path_factory.mktemp("cli"))


NOT_VAULTS: dict[str, Callable[[CliVault], bytes]] = {
    "empty file": lambda v: b"",
    "text file": lambda v: b"API_KEY=sk-not-a-vault\nOTHER=1\n",
    "newer format": lambda v: _newer(v.path),
    "truncated vault": lambda v: v.path.read_bytes()[:5000],
}


def _newer(path: Path) -> bytes:
    copy = path.with_name("newer.kl")
    shutil.copy(path, copy)
    set_user_version(copy, 99)
    data = copy.read_bytes()
    copy.unlink()
    return data


@pytest.mark.parametrize("kind", NOT_VAULTS, ids=NOT_VAULTS.keys())
@pytest.mark.parametrize("command", [["secret", "list"], ["verify"]], ids=["list", "verify"])
def test_cli_refuses_a_non_vault_in_one_line(
    cli_vault: CliVault, tmp_path: Path, kind: str, command: list[str]
):
    target = tmp_path / "elsewhere" / "team.kl"
    target.parent.mkdir()
    data = NOT_VAULTS[kind](cli_vault)
    target.write_bytes(data)
    env = cli_vault.env(KEYLEDGER_VAULT=str(target), KEYLEDGER_DATA_DIR=str(tmp_path / "data"))
    result = run_cli(env, *command)
    assert result.returncode == 5, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("keyledger: "), result.stderr
    assert "internal error" not in lines[0]
    assert target.read_bytes() == data, "the refused file was changed"
    assert sorted(p.name for p in target.parent.iterdir()) == ["team.kl"]
    assert not list((tmp_path / "data").rglob("*.db"))


def test_cli_vault_itself_lists_and_verifies(cli_vault: CliVault):
    listed = run_cli(cli_vault.env(), "secret", "list")
    assert listed.returncode == 0, listed.stderr
    verified = run_cli(cli_vault.env(), "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("OK: 1 commits")


@pytest.mark.parametrize(
    "edit",
    [
        "INSERT INTO commits VALUES (0, 'abc', x'00', x'00')",
        "INSERT INTO meta VALUES ('evil', '1')",
        "UPDATE meta SET value = '2' WHERE key = 'format'",
        "UPDATE events SET body = CAST(body AS TEXT) WHERE seq = 1",
        "UPDATE commits SET sig = CAST(sig AS TEXT) WHERE seq = 1",
    ],
)
def test_rows_beside_the_chain_and_retyped_columns_fail_verify(
    team: Team, tmp_path: Path, edit: str
):
    copy = tmp_path / "copy" / "team.kl"
    copy.parent.mkdir()
    shutil.copy(team.path, copy)
    sqlite_edit(copy, (edit, ()))
    with laptop(tmp_path / "laptop2"), pytest.raises(IntegrityFailure) as caught:
        verify_vault(copy)
    assert caught.value.exit_code == 5
