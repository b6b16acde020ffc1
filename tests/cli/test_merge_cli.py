"""`keyledger merge`: a sync tool's conflicted copy taken in from the command line."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import keyring
import pytest

from tests.cli.conftest import Cli, one_line
from tests.conftest import MemoryKeyring

DROPBOX = "team (conflicted copy 2026-11-30).kl"


class Elsewhere:
    """A second laptop: its own data folder and keychain, its own view of the synced file."""

    def __init__(self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cli, self.monkeypatch = cli, monkeypatch
        self.file = tmp_path / "laptop2" / "team.kl"
        self.file.parent.mkdir()
        shutil.copyfile(cli.vault, self.file)
        self.data, self.keys = tmp_path / "laptop2-data", MemoryKeyring()
        self.home_data, self.home_keys = tmp_path / "data", keyring.get_keyring()

    def run(self, *args: str, stdin: str = "") -> None:
        self.monkeypatch.setenv("KEYLEDGER_DATA_DIR", str(self.data))
        keyring.set_keyring(self.keys)
        try:
            done = self.cli(
                "--vault",
                str(self.file),
                "--secret-key-file",
                str(self.cli.kit),
                *args,
                stdin=stdin,
            )
            assert done.code == 0, done.err
        finally:
            self.monkeypatch.setenv("KEYLEDGER_DATA_DIR", str(self.home_data))
            keyring.set_keyring(self.home_keys)


@pytest.fixture
def apart(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Elsewhere:
    """Both laptops hold 'base'; then each adds a key of its own while apart."""
    assert cli.v("secret", "add", "dev", "base", stdin="value-base-000001").code == 0
    other = Elsewhere(cli, tmp_path, monkeypatch)
    other.run("secret", "add", "staging", "theirs", stdin="value-theirs-0002")
    assert cli.v("secret", "add", "dev", "mine", stdin="value-mine-000003").code == 0
    return other


def listed(cli: Cli) -> list[str]:
    done = cli.v("secret", "list", "--json")
    return sorted(s["name"] for s in json.loads(done.out))


def test_merge_finds_the_conflicted_copy_merges_it_and_removes_it(cli: Cli, apart: Elsewhere):
    copy = cli.vault.with_name(DROPBOX)
    shutil.copyfile(apart.file, copy)
    done = cli.v("merge", "--remove")
    assert done.code == 0, done.err
    assert one_line(done.out) == (
        f"{DROPBOX}: merged 1 change from alice with this vault's; removed the copy."
    )
    assert not copy.exists()
    assert listed(cli) == ["base", "mine", "theirs"]
    assert cli.v("verify").code == 0
    again = cli.v("merge")
    assert one_line(again.out) == "No conflicted copies of team.kl beside it."


def test_merge_of_a_named_copy_in_json(cli: Cli, apart: Elsewhere):
    done = cli.v("merge", str(apart.file), "--json")
    assert done.code == 0, done.err
    [result] = json.loads(done.out)["merged"]
    assert (result["outcome"], result["incoming"], result["removed"]) == ("merged", 1, False)
    assert apart.file.exists()
    assert listed(cli) == ["base", "mine", "theirs"]


def test_both_rotations_of_one_key_are_kept_and_said(cli: Cli, apart: Elsewhere):
    apart.run("secret", "rotate", "dev", "base", "--reason", "scheduled", stdin="value-base-0009")
    mine = cli.v("secret", "rotate", "dev", "base", "--reason", "exposure", stdin="value-base-0008")
    assert mine.code == 0
    copy = cli.vault.with_name(DROPBOX)
    shutil.copyfile(apart.file, copy)
    done = cli.v("merge", "--remove")
    assert done.code == 0, done.err
    assert done.out.splitlines() == [
        f"{DROPBOX}: merged 2 changes from alice with this vault's; removed the copy.",
        "  - base was changed on both copies: both versions kept, the later one current.",
    ]
    history = json.loads(cli.v("secret", "history", "dev", "base", "--json").out)
    assert [v["reason"] for v in history] == ["exposure", "scheduled", "created"]
    assert cli.v("secret", "get", "dev", "base").out == "value-base-0008\n"  # the later one
    assert cli.v("verify").code == 0


def test_a_copy_that_cannot_merge_exits_5_and_changes_nothing(cli: Cli, apart: Elsewhere):
    conn = sqlite3.connect(apart.file)  # its last commit's signature no longer verifies
    with conn:
        seq, sig = conn.execute("SELECT seq, sig FROM commits ORDER BY seq DESC LIMIT 1").fetchone()
        conn.execute("UPDATE commits SET sig = ? WHERE seq = ?", (bytes(sig[:-1]) + b"!", seq))
    conn.close()
    copy = cli.vault.with_name(DROPBOX)
    shutil.copyfile(apart.file, copy)
    before = cli.vault.read_bytes()
    done = cli.v("merge", "--remove")
    assert done.code == 5
    assert "cannot be merged: signature does not verify" in one_line(done.err)
    assert copy.exists()
    assert cli.vault.read_bytes() == before
    assert listed(cli) == ["base", "mine"]


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (lambda p: p.write_text("hello"), 5, "damaged"),
        (lambda p: None, 1, "no file"),
    ],
)
def test_a_file_that_is_no_copy_gets_one_line(cli: Cli, tmp_path: Path, make, code, message):
    path = tmp_path / "other.kl"
    make(path)
    before = cli.vault.read_bytes()
    done = cli.v("merge", str(path))
    assert done.code == code
    assert message in one_line(done.err)
    assert cli.vault.read_bytes() == before


def test_set_aside_with_no_conflict_is_a_usage_error_and_changes_nothing(cli: Cli):
    assert cli.v("secret", "add", "dev", "base", stdin="value-base-000001").code == 0
    before = cli.vault.read_bytes()
    done = cli.v("merge", "--set-aside-mine")
    assert done.code == 2
    assert one_line(done.err) == (
        "keyledger: this laptop's copy and the shared file are not in conflict: nothing to set"
        " aside"
    )
    assert cli.vault.read_bytes() == before
    assert sorted(p.name for p in cli.vault.parent.glob("*.kl")) == ["team.kl"]
