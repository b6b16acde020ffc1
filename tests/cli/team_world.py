"""A team on the command line: each person on their own laptop (data folder, passphrase).

Alice, the owner, unlocks with the Secret Key file `init` wrote; everyone else with the key
`join` left in the (in-memory) OS keychain. `Team.world()` snapshots a built team so that each
error test starts from a copy of it instead of building it again.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sqlite3
import sys
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.clock import SystemClock
from tests.cli.conftest import Result
from tests.conftest import PASSPHRASE

CODE = re.compile(r"KLI-[A-Z2-7-]+")
FINGERPRINT = re.compile(r"^ {4}([0-9a-f]{4}(?: [0-9a-f]{4}){4})$", re.MULTILINE)


class Terminal(io.StringIO):
    """Standard input as a terminal: commands ask instead of refusing."""

    def isatty(self) -> bool:
        return True


class Team:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.vault = root / "team.kl"
        self.kit = root / "alice.kit"
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("KEYLEDGER_PASSPHRASE", PASSPHRASE)

    def __call__(self, *args: str, stdin: str = "", tty: bool = False) -> Result:
        """`keyledger ARGS` in this process, as a shell would run it."""
        out, err = io.StringIO(), io.StringIO()
        self.monkeypatch.setattr(sys, "stdin", (Terminal if tty else io.StringIO)(stdin))
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(list(args))
                code = 0
            except SystemExit as exc:
                code = int(exc.code or 0)
        return Result(code, out.getvalue(), err.getvalue())

    def laptop(self, who: str) -> None:
        self.monkeypatch.setenv("KEYLEDGER_DATA_DIR", str(self.root / "laptops" / who))

    def passphrase_file(self, who: str) -> Path:
        path = self.root / f"{who}.pass"
        if not path.exists():
            path.write_text(f"{who}'s own passphrase, long enough\n")
        return path

    def as_(self, who: str, *args: str, stdin: str = "", tty: bool = False) -> Result:
        """`keyledger --vault team.kl --as WHO ARGS` on WHO's laptop."""
        self.laptop(who)
        if who == "alice":
            key = ["--secret-key-file", str(self.kit)]
        else:
            key = ["--passphrase-file", str(self.passphrase_file(who))]
        return self("--vault", str(self.vault), "--as", who, *key, *args, stdin=stdin, tty=tty)

    def init(self) -> None:
        self.laptop("alice")
        made = self(
            "init",
            str(self.vault),
            "--name",
            "Acme AI",
            "--member",
            "alice",
            "--kdf-seconds",
            "0",
            "--secret-key-file",
            str(self.kit),
        )
        assert made.code == 0, made.err

    def invite(self, who: str, role: str, *grants: str, by: str = "alice") -> str:
        args = [a for g in grants for a in ("--grant", g)]
        made = self.as_(by, "member", "invite", who, "--role", role, *args)
        assert made.code == 0, made.err
        return CODE.search(made.out).group(0)

    def join(self, who: str, code: str, *extra: str) -> Result:
        self.laptop(who)
        return self(
            "--passphrase-file",
            str(self.passphrase_file(who)),
            "join",
            str(self.vault),
            "--invite",
            code,
            "--name",
            who,
            "--kdf-seconds",
            "0",
            *extra,
        )

    def joined(self, who: str, role: str, *grants: str) -> str:
        """Invited and joined, not yet approved; returns the fingerprint they would read out."""
        done = self.join(who, self.invite(who, role, *grants))
        assert done.code == 0, done.err
        return FINGERPRINT.search(done.out).group(1)

    def add(self, who: str, role: str, *grants: str, by: str = "alice") -> None:
        fingerprint = self.joined(who, role, *grants)
        approved = self.as_(by, "member", "approve", who, "--fingerprint", fingerprint)
        assert approved.code == 0, approved.err

    def head(self) -> tuple[int, str]:
        """The published file's ledger head (seq, hash)."""
        conn = sqlite3.connect(f"file:{self.vault}?mode=ro", uri=True)
        try:
            seq, digest = conn.execute(
                "SELECT seq, hash FROM commits ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        finally:
            conn.close()
        return int(seq), str(digest)

    def copy_to(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
        shutil.copytree(self.root, root)
        return Team(root, monkeypatch)


class Clock:
    """Moves the CLI's system clock (every command reads it through SystemClock)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime.now(UTC)
        monkeypatch.setattr(SystemClock, "now", lambda _self: self.now)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def listing(team: Team, *extra: str) -> dict:
    listed = team.as_("alice", "member", "list", "--json", *extra)
    assert listed.code == 0, listed.err
    return json.loads(listed.out)


def members(team: Team, *extra: str) -> dict[str, dict]:
    return {m["name"]: m for m in listing(team, *extra)["members"]}


def grants(team: Team, name: str) -> list[str]:
    return [f"{g['env']}:{g['access']}" for g in members(team)[name]["grants"]]
